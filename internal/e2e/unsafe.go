package e2e

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Unsafe returns a description of the first thing in text (the output of --print, an export, a
// log) that an event must never put there: invalid UTF-8, a control character other than a line
// break, DEL, a C1 control, a bidirectional override or isolate, an invisible zero-width character
// or a line or paragraph separator. It returns "" when text is safe. It is an oracle written apart
// from the sanitizer, so a test that uses it does not take the sanitizer's word for it.
func Unsafe(text string) string {
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		if r == utf8.RuneError && size == 1 {
			return fmt.Sprintf("invalid UTF-8 at byte %d: %q", i, around(text, i))
		}
		if why := unsafeRune(r); why != "" {
			return fmt.Sprintf("%s (U+%04X) at byte %d: %q", why, r, i, around(text, i))
		}
		i += size
	}
	return ""
}

func unsafeRune(r rune) string {
	switch {
	case r == '\n':
		return ""
	case r < 0x20 || r == 0x7f:
		return "control character"
	case r >= 0x80 && r < 0xa0:
		return "C1 control"
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f, r == 0x061c:
		return "bidirectional control"
	case r == 0x200b, r == 0x2060, r == 0xfeff, r == 0x180e:
		return "zero-width character"
	case r == 0x2028 || r == 0x2029:
		return "line or paragraph separator"
	}
	return ""
}

// UnsafeTerminal returns a description of the first thing in raw (the bytes a program wrote to
// its terminal) that came from an event rather than from the program: an OSC 52 clipboard write, an
// OSC carrying the corpus's marker, a C1 control, a bidirectional control, a zero-width character,
// a separator, or invalid UTF-8. The program's own escape sequences (cursor, colours, its title)
// are allowed.
func UnsafeTerminal(raw []byte, marker string) string {
	if i := bytes.Index(raw, []byte("\x1b]52")); i >= 0 {
		return fmt.Sprintf("OSC 52 (clipboard) at byte %d: %q", i, around(string(raw), i))
	}
	for off := 0; ; {
		i := bytes.Index(raw[off:], []byte("\x1b]"))
		if i < 0 {
			break
		}
		start := off + i
		end := bytes.IndexAny(raw[start:], "\x07\x1b\\")
		if end < 0 || end > 512 {
			end = min(len(raw)-start, 512)
		}
		if bytes.Contains(raw[start:start+end+1], []byte(marker)) {
			return fmt.Sprintf("an OSC with the marker %q at byte %d: %q", marker, start, around(string(raw), start))
		}
		off = start + 2
	}
	text := string(raw)
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		if r == utf8.RuneError && size == 1 {
			return fmt.Sprintf("invalid UTF-8 at byte %d: %q", i, around(text, i))
		}
		if r >= 0x20 || r == 0x1b || r == '\r' || r == '\n' || r == '\a' || r == '\b' || r == '\t' {
			if why := unsafeRune(r); why != "" && r >= 0x20 {
				return fmt.Sprintf("%s (U+%04X) at byte %d: %q", why, r, i, around(text, i))
			}
		}
		i += size
	}
	return ""
}

func around(s string, i int) string {
	return s[max(0, i-40):min(len(s), i+40)]
}

// PipeTo copies everything the pane's program writes from now on, byte for byte, to path.
func (term *Term) PipeTo(path string) {
	term.t.Helper()
	term.tmux("pipe-pane", "-o", "-t", term.name, "cat >> '"+strings.ReplaceAll(path, "'", "")+"'")
}
