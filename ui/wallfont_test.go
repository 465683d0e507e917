package ui

import (
	"strings"
	"testing"
)

// Every glyph is five rows of one width, and a figure drawn at each size is that size's lines of
// one width, the width blockWidth says.
func TestBlockFontShapes(t *testing.T) {
	for r, g := range glyphs {
		for i, row := range g {
			if len(row) != len(g[0]) || strings.Trim(row, "#.") != "" {
				t.Errorf("glyph %q row %d is %q: want %d of # and .", r, i, row, len(g[0]))
			}
		}
	}
	for _, z := range digitSizes {
		for _, s := range []string{"0123456789", "12:05", "99.5%", "-", " 7"} {
			lines, ok := blockLines(s, z)
			want, _ := blockWidth(s, z)
			if !ok || len(lines) != z.lines() {
				t.Fatalf("size %d %q: %d lines (ok %v), want %d", z, s, len(lines), ok, z.lines())
			}
			for i, l := range lines {
				if got := width(l); got != want {
					t.Errorf("size %d %q line %d is %d cells, want %d: %q", z, s, i, got, want, l)
				}
			}
		}
	}
}

// The digits read as drawn by hand at the small and big sizes; a rune the font lacks is refused.
func TestBlockFontDraws(t *testing.T) {
	for _, tc := range []struct {
		s    string
		z    digitSize
		want []string
	}{
		{"0", digitsSmall, []string{"█▀█", "█ █", "▀▀▀"}},
		{"1:2", digitsSmall, []string{"▄█  ▄ ▀▀█", " █  ▄ █▀▀", "▀▀▀   ▀▀▀"}},
		{"7%", digitsBig, []string{"██████  ██  ██", "    ██      ██", "  ██      ██", "  ██    ██", "  ██    ██  ██"}},
		{"-", digitsHuge, []string{"", "", "", "", "█████████", "█████████", "", "", "", ""}},
		{"42", digitsPlain, []string{"42"}},
	} {
		got, ok := blockLines(tc.s, tc.z)
		if !ok {
			t.Fatalf("%q at size %d refused", tc.s, tc.z)
		}
		for i := range tc.want {
			if strings.TrimRight(got[i], " ") != tc.want[i] {
				t.Errorf("%q at size %d line %d = %q, want %q", tc.s, tc.z, i, got[i], tc.want[i])
			}
		}
	}
	for _, s := range []string{"30h02m", "4d04h", "x"} {
		if _, ok := blockLines(s, digitsBig); ok {
			t.Errorf("%q drawn, but the font has no letters", s)
		}
		if _, ok := blockWidth(s, digitsSmall); ok {
			t.Errorf("%q measured, but the font has no letters", s)
		}
	}
}
