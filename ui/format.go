package ui

import (
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/deskwatch/deskwatch/model"
)

// clean sanitizes a string from an event and cuts it to width cells with an ellipsis. Every string
// that came from the stream goes through here (or model.Sanitize) before it is drawn. model.Sanitize
// also fits emoji sequences so that the width measured here is the width drawn, whether or not the
// terminal has grapheme mode (DEC 2027).
func clean(s string, width int) string {
	s = model.Sanitize(s)
	if width <= 0 {
		return ""
	}
	if isASCII(s) {
		if len(s) > width {
			return s[:width-1] + "…"
		}
		return s
	}
	if ansi.StringWidth(s) > width {
		return ansi.Truncate(s, width, "…")
	}
	return s
}

// cleanLeft sanitizes s and cuts it to n cells from the left, keeping its end: ids differ at their
// end, and the line number or the connection and message numbers matter more than the start of a
// long path or URL.
func cleanLeft(s string, n int) string {
	s = model.Sanitize(s)
	if n <= 0 {
		return ""
	}
	if w := width(s); w > n {
		return "…" + ansi.TruncateLeft(s, w-n+1, "")
	}
	return s
}

// fmtClock formats an event time for timelines and logs.
func fmtClock(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.Format("15:04:05.000")
}

// typeGlyph is the one-cell glyph drawn before a media type's name.
func typeGlyph(t model.Type) string { return model.TypeGlyph(t) }

// isASCII reports whether s is printable ASCII only, so its width is its length (the common case,
// which skips grapheme segmentation).
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

// width is the number of cells s takes.
func width(s string) int {
	if isASCII(s) {
		return len(s)
	}
	return ansi.StringWidth(s)
}
