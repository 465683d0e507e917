package model

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// The one sanitizer for text that came from events, customers and outside systems. Nothing from
// them may reach a terminal, a spreadsheet or a log as it came. Its rules (README, "What deskwatch
// does to event text"):
//
//   - Escape sequences (CSI, OSC, DCS, APC, PM, SOS and the short ESC forms, 7- and 8-bit) are
//     removed whole when they end inside the string: a string sequence ends at BEL, ST, CAN, SUB
//     or the next ESC, a CSI at its final byte or at the first byte that cannot be part of it. A
//     string sequence that runs to the end of the string is not removed: its introducer is shown
//     as "␛]" (or ␛P, ␛_, ␛^, ␛X) and the rest stays as text, so it cannot swallow what follows.
//   - Tab, line feed, carriage return, VT, FF, NEL (U+0085) and the line and paragraph separators
//     U+2028 and U+2029 become a space; every other C0 and C1 control and DEL is removed.
//   - Invisible format characters (Unicode category Cf) are removed: the bidirectional controls
//     (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069), soft hyphen U+00AD, zero-width
//     space U+200B and non-joiner U+200C, U+2060–U+2064, U+FEFF, the Arabic number signs
//     U+0600–U+0605, the tag characters U+E0000–U+E007F and the rest of Cf. The zero-width joiner
//     U+200D is kept by SanitizeData only between two pictographs (an emoji ZWJ sequence);
//     Sanitize removes it everywhere.
//   - Invalid UTF-8 becomes U+FFFD.
//
// Sanitize, for terminals, then makes every grapheme cluster as wide by wcwidth (what a terminal
// without grapheme mode draws, code point by code point) as by grapheme width (what lipgloss
// measures): see fitCells.

// Sanitize makes a string safe to draw on a terminal (the TUI, the --print table, stderr, logs):
// the rules above, with emoji ZWJ sequences split into their emoji and clusters whose width a
// terminal could draw differently reduced (see fitCells). Printable ASCII is returned as it is.
func Sanitize(s string) string {
	if isPlain(s) {
		return s
	}
	return fitCells(sanitize(s, false))
}

// SanitizeData makes a string safe to write where programs and spreadsheets read it (CSV cells,
// JSON strings): the rules above, keeping emoji ZWJ sequences, variation selectors and skin
// tones whole. The result is valid UTF-8 with no control characters.
func SanitizeData(s string) string {
	if isPlain(s) {
		return s
	}
	return sanitize(s, true)
}

// isPlain reports whether s is printable ASCII, the common case that needs no copy.
func isPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return false
		}
	}
	return true
}

// isClean reports whether s has nothing the sanitizer would change: valid UTF-8 without
// controls, separators, ZWJ or format characters. Such text (names in other scripts) is not copied.
func isClean(s string) bool {
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c < 0x20 || c == 0x7f {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || r < 0xa0 || r == 0x2028 || r == 0x2029 || r == 0x200d ||
			isInvisible(r) {
			return false
		}
		i += size
	}
	return true
}

func sanitize(s string, keepZWJ bool) string {
	if isClean(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	noEnd := len(s) + 1 // no control string ends at or after this index (escape)
	// pict says whether the last rune written, past emoji decorations, is a pictograph: what a ZWJ
	// joins to (joinsEmoji). Kept as the text is written, since looking back over the decorations at
	// each ZWJ made a run of decorations before many ZWJs cost the square of its length.
	pict := false
	for i := 0; i < len(s); {
		if s[i] == 0x1b {
			n := b.Len()
			i = escape(&b, s, i+1, 0, &noEnd)
			pict = pict && b.Len() == n // what escape writes ends in a letter
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		n := b.Len()
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteRune(utf8.RuneError)
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			switch {
			case r == '\t' || r == '\n' || r == '\r' || r == '\v' || r == '\f' || r == 0x85:
				b.WriteByte(' ')
			case r == 0x9b, r == 0x90, r == 0x98, r == 0x9d, r == 0x9e, r == 0x9f:
				i = escape(&b, s, i, r, &noEnd)
			}
		case r == 0x2028 || r == 0x2029:
			b.WriteByte(' ')
		case r == 0x200d:
			if keepZWJ && pict && joinsEmoji(s, i) {
				b.WriteRune(r)
			}
		case isInvisible(r): // bidirectional controls among them
		default:
			b.WriteRune(r)
			if isEmojiExtend(r) {
				continue // the decoration leaves pict as it was
			}
			pict = isPictograph(r)
			continue
		}
		if b.Len() != n { // a space, U+FFFD, a ZWJ or a control's visible form: no pictograph
			pict = false
		}
	}
	return b.String()
}

// isInvisible reports the zero-width and invisible format characters the sanitizer removes: the
// format characters (Cf) but ZWJ, which is handled apart.
func isInvisible(r rune) bool {
	return r >= 0xad && r != 0x200d && unicode.Is(unicode.Cf, r)
}

// joinsEmoji reports whether a ZWJ, whose next rune starts at s[i], and after a pictograph (the
// last rune written but emoji decorations: sanitize knows), is followed by a pictograph.
func joinsEmoji(s string, i int) bool {
	next, _ := utf8.DecodeRuneInString(s[i:])
	return isPictograph(next)
}

// isPictograph approximates Extended_Pictographic: the blocks emoji ZWJ sequences are made of.
func isPictograph(r rune) bool {
	return r == 0xa9 || r == 0xae || (r >= 0x203c && r <= 0x2bff) || r == 0x3030 || r == 0x303d ||
		r == 0x3297 || r == 0x3299 || (r >= 0x1f000 && r <= 0x1faff)
}

// isEmojiExtend reports the marks that decorate an emoji: variation selectors, skin tones and the
// combining enclosing keycap.
func isEmojiExtend(r rune) bool {
	return (r >= 0xfe00 && r <= 0xfe0f) || (r >= 0x1f3fb && r <= 0x1f3ff) || r == 0x20e3
}

// escape skips the escape sequence whose introducer ends just before s[i] (ESC, or the 8-bit C1
// form c1) and returns the index after it. A string sequence (OSC, DCS, APC, PM, SOS) that does
// not end inside s is not skipped: its introducer is written as visible text and the rest of s is
// sanitized as usual. noEnd is the index from which no string sequence ends: once a search for an
// end failed from there, the string sequences after it are not searched again, so that a run of
// unterminated introducers (40,000 U+009D took a second) costs linear time.
func escape(b *strings.Builder, s string, i int, c1 rune, noEnd *int) int {
	kind := byte(0)
	switch c1 {
	case 0:
		if i >= len(s) {
			return i // a lone ESC at the end
		}
		kind = s[i]
		switch kind {
		case '[', ']', 'P', '_', '^', 'X':
			i++
		default: // nF and Fe/Fp/Fs escapes: intermediates 0x20–0x2f, then one final byte
			for i < len(s) && s[i] >= 0x20 && s[i] <= 0x2f {
				i++
			}
			if i < len(s) && s[i] >= 0x30 && s[i] <= 0x7e {
				i++
			}
			return i
		}
	case 0x9b:
		kind = '['
	case 0x9d:
		kind = ']'
	case 0x90:
		kind = 'P'
	case 0x9f:
		kind = '_'
	case 0x9e:
		kind = '^'
	case 0x98:
		kind = 'X'
	}
	if kind == '[' { // CSI: parameters and intermediates 0x20–0x3f, then a final byte 0x40–0x7e
		for i < len(s) && s[i] >= 0x20 && s[i] <= 0x3f {
			i++
		}
		if i < len(s) && s[i] >= 0x40 && s[i] <= 0x7e {
			i++
		}
		return i
	}
	if i < *noEnd {
		if end, ok := stringEnd(s, i); ok {
			return end
		}
		*noEnd = i
	}
	b.WriteString("␛")
	b.WriteByte(kind)
	return i
}

// stringEnd finds where the body of a control string starting at s[i] ends: after BEL, ST (ESC \
// or U+009C), CAN or SUB, or before the next ESC, which starts a sequence of its own.
func stringEnd(s string, i int) (int, bool) {
	for ; i < len(s); i++ {
		switch s[i] {
		case 0x07, 0x18, 0x1a:
			return i + 1, true
		case 0x1b:
			if i+1 < len(s) && s[i+1] == '\\' {
				return i + 2, true
			}
			return i, true
		case 0xc2:
			if i+1 < len(s) && s[i+1] == 0x9c {
				return i + 2, true
			}
		}
	}
	return i, false
}

// fitCells makes each grapheme cluster of a sanitized string (ZWJs already removed) take as many
// cells by wcwidth, code point by code point, as by grapheme width, so that a row is as wide on a
// terminal without grapheme mode (DEC mode 2027, which Bubble Tea requests and uses where the
// terminal has it) as lipgloss measured it. A cluster that disagrees loses its emoji decorations
// (variation selectors, skin tones, keycap), so "❤️" is drawn as "❤" and "👍🏽" as "👍"; a single
// code point that still disagrees (a lone regional indicator, a mark newer than the width tables)
// becomes U+FFFD, and another cluster is cut to its first code point. Clusters of combining
// scripts (Devanagari vowel signs, decomposed Hangul) are kept as they are: a terminal without
// grapheme mode may draw them a cell wider or narrower.
func fitCells(s string) string {
	if !mayCluster(s) {
		return s
	}
	var b strings.Builder
	changed := false
	for i := 0; i < len(s); {
		c, g := ansi.FirstGraphemeCluster(s[i:], ansi.GraphemeWidth)
		if c == "" {
			break
		}
		fixed := c
		if len(c) > 1 { // an ASCII character is one cell by either measure
			if _, wc := ansi.FirstGraphemeCluster(c, ansi.WcWidth); wc != g {
				fixed = fitCluster(c)
			}
		}
		if fixed != c && !changed {
			changed = true
			b.Grow(len(s))
			b.WriteString(s[:i])
		}
		if changed {
			b.WriteString(fixed)
		}
		i += len(c)
	}
	if !changed {
		return s
	}
	return b.String()
}

// mayCluster reports whether s has a code point that can join a grapheme cluster with another or
// be measured differently by wcwidth and grapheme width. Latin, Greek, Cyrillic, kana, CJK
// ideographs, Hangul syllables and full-width forms cannot, so text made of them is not segmented.
func mayCluster(s string) bool {
	for i := 0; i < len(s); {
		if s[i] < 0xcc { // below U+0300
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r >= 0x370 && r <= 0x482, r >= 0x48a && r <= 0x52f, r >= 0x3041 && r <= 0x3096,
			r >= 0x30a0 && r <= 0x30ff, r >= 0x4e00 && r <= 0x9fff, r >= 0xac00 && r <= 0xd7a3,
			r >= 0xff01 && r <= 0xff60:
		default:
			return true
		}
	}
	return false
}

func fitCluster(c string) string {
	var b strings.Builder
	for _, r := range c {
		if !isEmojiExtend(r) {
			b.WriteRune(r)
		}
	}
	out := b.String()
	if out != "" && ansi.StringWidth(out) == ansi.StringWidthWc(out) {
		return out
	}
	first, size := utf8.DecodeRuneInString(out)
	if size < len(out) {
		for _, r := range out[size:] {
			if unicode.In(r, unicode.M, unicode.Hangul) {
				return out // a combining script: kept as it is
			}
		}
	}
	if f := string(first); size > 0 && ansi.StringWidth(f) == ansi.StringWidthWc(f) {
		return f
	}
	return "\uFFFD"
}
