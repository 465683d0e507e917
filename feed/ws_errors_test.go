package feed

import (
	"net/http"
	"strings"
	"testing"
)

// The attacker's pass: a server's HTTP status line reached the terminal as sent (an OSC title, a
// clear screen, U+202E), in the refusal the monitor prints. It is sanitized and cut, as its body
// already was.
func TestRefusalQuotesTheServerSafely(t *testing.T) {
	t.Parallel()
	hostile := "401 Nope \x1b]0;PWNED\x07\x1b[2J\x1b[31mRED\x1b[0m \u202eevil\u009b31m" + strings.Repeat("x", 5000)
	for _, code := range []int{http.StatusUnauthorized, http.StatusServiceUnavailable} {
		err := refusedError(&http.Response{StatusCode: code, Status: hostile})
		msg := err.Error()
		if strings.ContainsAny(msg, "\x1b\x07\u202e\u009b") || !strings.Contains(msg, "Nope") || len(msg) > 400 {
			t.Errorf("HTTP %d: %q", code, msg)
		}
	}
}
