package hub

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// FuzzLogText: whatever a peer sends, what the log helpers make of it is valid UTF-8 of bounded
// length with no line break, control (C0, DEL, C1) or invisible format character (bidirectional
// controls among them). Seeds in testdata/fuzz/FuzzLogText: a forged line after a newline, an OSC,
// a raw C1 CSI, a right-to-left override, invalid UTF-8 and a long value.
func FuzzLogText(f *testing.F) {
	f.Add("x\n2026/12/06 02:00:00 ingest conn 1 connected\x1b]0;OWNED\a")
	f.Add("\xc2\x9b31m\u202eevil")
	f.Add(strings.Repeat("\u202e", 100) + strings.Repeat("h", 2000))
	f.Fuzz(func(t *testing.T, s string) {
		for name, c := range map[string]struct {
			out string
			max int
		}{
			"logValue": {logValue(s), 4*maxLogValue + 30},
			"logWord":  {logWord(s), 3*maxLogValue + 30},
			"logText":  {logText(s), 3*maxLogText + 100},
			"logList":  {logList(map[string]bool{s: true, "a": true}), 4*maxLogValue + 40},
		} {
			if !utf8.ValidString(c.out) {
				t.Errorf("%s(%q) = %q: not valid UTF-8", name, s, c.out)
			}
			if len(c.out) > c.max {
				t.Errorf("%s: %d bytes from %d, over %d", name, len(c.out), len(s), c.max)
			}
			for _, r := range c.out {
				if r < 0x20 || r >= 0x7f && r < 0xa0 || r == 0x2028 || r == 0x2029 || unicode.Is(unicode.Cf, r) {
					t.Errorf("%s(%q) = %q holds %U", name, s, c.out, r)
					break
				}
			}
		}
	})
}
