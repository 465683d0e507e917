package model

import "unicode/utf8"

// What the store keeps of a text made from event strings: a timeline entry, an alert or a rejection
// reason quotes values (a disposition, a service, a party, a server error's message, a member
// name) that may be most of a megabyte, and a row's or an agent's timeline keeps 500 entries, the
// logs 500 alerts and 1,000 rejections. Longer texts are cut to a bound, ending in "…", so that
// each entry costs at most a few hundred bytes whatever the stream sends.
const (
	// MaxChangeText bounds a timeline entry's text, in bytes.
	MaxChangeText = 256
	// MaxLogText bounds an alert's text and a rejection's (or warning's) reason, in bytes.
	MaxLogText = 512
)

// clipText returns s cut to at most n bytes on a character boundary, ending in "…" when cut. The cut
// text is a copy: it does not keep a long original alive.
func clipText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := n - len("…")
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}

// SanitizeCut is a peer's text (a server's HTTP status line, a reason) for a terminal or a log:
// sanitized and cut to at most n bytes. It is cut before it is sanitized too, so that its cost is
// bounded by n, however long the text.
func SanitizeCut(s string, n int) string { return clipText(Sanitize(clipText(s, 4*n)), n) }

// pushAlert logs an alert, its text clipped.
func (s *Store) pushAlert(a Alert) {
	a.Text = clipText(a.Text, MaxLogText)
	s.alerts.push(a)
}
