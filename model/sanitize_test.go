package model

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSanitize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain text", "plain text"},
		{"osc52 \x1b]52;c;ZXZpbA==\x07done", "osc52 done"},
		{"osc52 st \x1b]52;c;ZXZpbA==\x1b\\done", "osc52 st done"},
		{"clear \x1b[2Jscreen", "clear screen"},
		{"sgr \x1b[31;1mred\x1b[0m", "sgr red"},
		{"bell\x07!", "bell!"},
		{"lone esc\x1b", "lone esc"},
		{"esc then text \x1bXq", "esc then text "},
		{"c1 csi \u009b2Jx", "c1 csi x"},
		{"c1 osc \u009d0;title\u009cx", "c1 osc x"},
		{"c1 nel\u0085x", "c1 nelx"},
		{"tabs\tand\nlines\r\n", "tabs and lines  "},
		{"del\x7fx", "delx"},
		{"bidi \u202egnp.exe", "bidi gnp.exe"},
		{"bad \xff utf8", "bad \uFFFD utf8"},
		{"wide 山田 😀 ok", "wide 山田 😀 ok"},
		{"dcs \x1bPq#0;2;0;0;0\x1b\\x", "dcs x"},
		{"charset \x1b(Bx", "charset x"},
	}
	for _, tt := range tests {
		if got := Sanitize(tt.in); got != tt.want {
			t.Errorf("Sanitize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// FuzzSanitize checks that no control character survives whatever the input.
func FuzzSanitize(f *testing.F) {
	f.Add("\x1b]52;c;x\x07")
	f.Add("\x1b[2J\u009b1m\x1b")
	f.Fuzz(func(t *testing.T, s string) {
		out := Sanitize(s)
		if !utf8.ValidString(out) {
			t.Fatalf("invalid UTF-8 out of %q", s)
		}
		for _, r := range out {
			if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || isBidiControl(r) {
				t.Fatalf("control %U survived in %q (from %q)", r, out, s)
			}
		}
		if strings.Contains(out, "\x1b") {
			t.Fatal("ESC survived")
		}
	})
}
