package hub

import (
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// TestLogLinesAreSanitized: what a peer chooses (a key in a rejected message, a close frame's
// text) reaches the log without escapes or C1 controls, and an OSC that never ends does not
// swallow the rest of the line.
func TestLogLinesAreSanitized(t *testing.T) {
	th := startHub(t, Config{MaxMessage: 4096})
	br := th.dial(t, "/ingest", nil)
	send(t, br, event("ON_NEW_INTERACTION", "a1", t0, 1,
		`[{"interactionId":"i1","state":"delivered","type":"voice","attachedData":{"k\u001b]0;evil":5}}]`))
	th.log.waitLog(t, `attachedData.k␛]0;evil: want string, got number`)
	msg := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "bye \x1b]52;c;ZXZpbA==\x07\x1b[2J\u009b31m end")
	if err := br.WriteControl(websocket.CloseMessage, msg, time.Now().Add(5*time.Second)); err != nil {
		t.Fatal(err)
	}
	th.log.waitLog(t, "bridge closed (1000 bye  end)")
	if out := th.log.String(); strings.ContainsAny(out, "\x1b\x07") || strings.Contains(out, "\u009b") {
		t.Errorf("control characters reached the log: %q", out)
	}
}
