package model

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

func TestSanitize(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"plain text", "plain text"},
		{"osc52 \x1b]52;c;ZXZpbA==\x07done", "osc52 done"},
		{"osc52 st \x1b]52;c;ZXZpbA==\x1b\\done", "osc52 st done"},
		{"osc52 c1 st \x1b]52;c;ZXZpbA==\u009cdone", "osc52 c1 st done"},
		{"clear \x1b[2Jscreen", "clear screen"},
		{"sgr \x1b[31;1mred\x1b[0m", "sgr red"},
		{"bell\x07!", "bell!"},
		{"lone esc\x1b", "lone esc"},
		{"c1 csi \u009b2Jx", "c1 csi x"},
		{"c1 osc \u009d0;title\u009cx", "c1 osc x"},
		{"c1 nel\u0085x", "c1 nel x"},
		{"c1 other\u0080\u0099x", "c1 otherx"},
		{"tabs\tand\nlines\r\n\v\f", "tabs and lines    "},
		{"del\x7fx", "delx"},
		{"bidi \u202egnp.exe \u2066x\u2069\u200e\u200f\u061c", "bidi gnp.exe x"},
		{"bad \xff utf8", "bad \uFFFD utf8"},
		{"wide 山田 😀 ok", "wide 山田 😀 ok"},
		{"dcs \x1bPq#0;2;0;0;0\x1b\\x", "dcs x"},
		{"charset \x1b(Bx", "charset x"},
		{"keypad \x1b=x", "keypad x"},
		// Zero-width and invisible characters go; line and paragraph separators become spaces.
		{"zw\u200bsp\u200cnj\u2060wj\ufeffbom\u00adshy\u2062x", "zwspnjwjbomshyx"},
		{"tags 🏴\U000E0067\U000E0062\U000E007F", "tags 🏴"},
		{"line\u2028para\u2029end", "line para end"},
		// A string sequence that does not end is shown, not allowed to swallow the rest.
		{"params[0].\x1b]0;evil: want boolean, got string", "params[0].␛]0;evil: want boolean, got string"},
		{"dcs open \x1bPq rest", "dcs open ␛Pq rest"},
		{"sos \x1bXq", "sos ␛Xq"},
		{"c1 osc open \u009d0;t rest", "c1 osc open ␛]0;t rest"},
		// An OSC ends at the next ESC, which starts a sequence of its own; CAN aborts it.
		{"osc \x1b]0;t\x1b[1mbold", "osc bold"},
		{"osc \x1b]0;t\x18after", "osc after"},
		// A CSI ends at the first byte that cannot be part of it.
		{"csi \x1b[12\u00e9t\u00e9", "csi \u00e9t\u00e9"},
		{"csi \x1b[1\x1b[2Jx", "csi x"},
	}
	for _, tt := range tests {
		if got := Sanitize(tt.in); got != tt.want {
			t.Errorf("Sanitize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestSanitizeClusters: on a terminal, emoji sequences are split or reduced so that wcwidth and
// grapheme width agree; in data (CSV, JSON) they stay whole.
func TestSanitizeClusters(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, screen, data string }{
		{"family 👨\u200d👩\u200d👧", "family 👨👩👧", "family 👨\u200d👩\u200d👧"},
		{"rainbow 🏳\ufe0f\u200d🌈", "rainbow 🏳🌈", "rainbow 🏳\ufe0f\u200d🌈"},
		{"heart ❤\ufe0f", "heart ❤", "heart ❤\ufe0f"},
		{"thumb 👍🏽", "thumb 👍", "thumb 👍🏽"},
		{"keycap #\ufe0f\u20e3", "keycap #", "keycap #\ufe0f\u20e3"},
		{"flag 🇺🇸 ok", "flag 🇺🇸 ok", "flag 🇺🇸 ok"},
		{"lone 🇺 ri", "lone \uFFFD ri", "lone 🇺 ri"},
		{"cjk 山田 e\u0301", "cjk 山田 e\u0301", "cjk 山田 e\u0301"},
		{"zwj a\u200db", "zwj ab", "zwj ab"},
		{"kana あ\u200d😀", "kana あ😀", "kana あ😀"},
		{"zwj end 👨\u200d", "zwj end 👨", "zwj end 👨"},
	}
	for _, tt := range tests {
		if got := Sanitize(tt.in); got != tt.screen {
			t.Errorf("Sanitize(%q) = %q, want %q", tt.in, got, tt.screen)
		}
		if g, wc := ansi.StringWidth(tt.screen), ansi.StringWidthWc(tt.screen); g != wc {
			t.Errorf("%q: grapheme width %d, wcwidth %d", tt.screen, g, wc)
		}
		if got := SanitizeData(tt.in); got != tt.data {
			t.Errorf("SanitizeData(%q) = %q, want %q", tt.in, got, tt.data)
		}
	}
}

// TestSanitizePlainNoCopy: printable ASCII, the common case, and other text the sanitizer keeps are
// returned as they are, without a copy.
func TestSanitizePlainNoCopy(t *testing.T) {
	s := strings.Repeat("agent-42 inbound ", 4)
	if n := testing.AllocsPerRun(100, func() { _ = Sanitize(s); _ = SanitizeData(s) }); n != 0 {
		t.Errorf("%v allocations for printable ASCII, want 0", n)
	}
	s = "Müller 山田 👍 🇺🇸 e\u0301"
	if n := testing.AllocsPerRun(100, func() { _ = Sanitize(s); _ = SanitizeData(s) }); n != 0 {
		t.Errorf("%v allocations for text the sanitizer keeps, want 0", n)
	}
}

// TestMayClusterRanges: the scripts mayCluster lets through unsegmented are one cluster per code
// point, each as wide by wcwidth as by grapheme width.
func TestMayClusterRanges(t *testing.T) {
	t.Parallel()
	for r := rune(0x20); r <= 0xffff; r++ {
		s := string(r)
		if r == 0x7f || (r >= 0x80 && r < 0xa0) || (r >= 0xd800 && r < 0xe000) || mayCluster(s) {
			continue
		}
		if g, wc := ansi.StringWidth(s), ansi.StringWidthWc(s); g != wc {
			t.Errorf("%U: grapheme width %d, wcwidth %d", r, g, wc)
		}
		if two := s + "a" + s; ansi.StringWidth(two) != 2*ansi.StringWidth(s)+1 {
			t.Errorf("%U joins a cluster", r)
		}
	}
}

func BenchmarkSanitize(b *testing.B) {
	for _, s := range []string{"Refund request from 555-0100", "Müller 山田 注文 refund", "Müller 山田 😀 refund",
		"a \x1b[31mred\x1b[0m b"} {
		b.Run("", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = Sanitize(s)
			}
		})
	}
}

// FuzzSanitize checks that no control, bidirectional or invisible character survives whatever the
// input, that the output is valid UTF-8, that sanitizing twice changes nothing, and that what is
// drawn on a terminal is as wide by wcwidth as by grapheme width (but for combining scripts).
func FuzzSanitize(f *testing.F) {
	for _, s := range []string{"\x1b]52;c;x\x07", "\x1b[2J\u009b1m\x1b", "\x1b]0;open", "\u009dopen",
		"a\u200b\u200c\u200d\u2060\ufeffb", "x\u2028y\u2029", "\u202ertl\u2066", "👨\u200d👩\u200d👧",
		"❤\ufe0f👍🏽🇺🇸🇺", "#\ufe0f\u20e3", "\xff\xfe", "=HYPERLINK(\"x\")", "e\u0301山"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		screen, data := Sanitize(s), SanitizeData(s)
		for _, out := range []string{screen, data} {
			if !utf8.ValidString(out) {
				t.Fatalf("invalid UTF-8 out of %q", s)
			}
			for _, r := range out {
				if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || isBidiControl(r) || isInvisible(r) ||
					r == 0x2028 || r == 0x2029 || (r == 0x200d && out == screen) {
					t.Fatalf("%U survived in %q (from %q)", r, out, s)
				}
			}
		}
		if again := Sanitize(screen); again != screen {
			t.Fatalf("Sanitize not idempotent: %q -> %q -> %q", s, screen, again)
		}
		if again := SanitizeData(data); again != data {
			t.Fatalf("SanitizeData not idempotent: %q -> %q -> %q", s, data, again)
		}
		checkCells(t, screen)
	})
}

// checkCells fails if a grapheme cluster of s is measured differently by wcwidth and grapheme
// width, unless it is a cluster of a combining script (which fitCells keeps).
func checkCells(t *testing.T, s string) {
	for rest := s; rest != ""; {
		c, g := ansi.FirstGraphemeCluster(rest, ansi.GraphemeWidth)
		rest = rest[len(c):]
		if _, wc := ansi.FirstGraphemeCluster(c, ansi.WcWidth); wc != g && !combining(c) {
			t.Fatalf("cluster %q of %q: grapheme width %d, wcwidth %d", c, s, g, wc)
		}
	}
}

func combining(c string) bool {
	if utf8.RuneCountInString(c) < 2 {
		return false
	}
	for _, r := range c {
		if unicode.In(r, unicode.M, unicode.Hangul) {
			return true
		}
	}
	return false
}

func isBidiControl(r rune) bool {
	return (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == 0x200e || r == 0x200f ||
		r == 0x061c
}
