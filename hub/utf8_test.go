package hub

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gorilla/websocket"

	"github.com/deskwatch/deskwatch/model"
)

// Invalid UTF-8 inside an unknown member is repaired where the hub decodes the message: the log
// says where, and monitors that subscribe later get a complete snapshot, filtered (a ?service=
// monitor used to get the whole snapshot unfiltered, and a plain one lost the agent's interactions).
func TestInvalidUTF8IsRepairedBeforeSnapshots(t *testing.T) {
	t.Parallel()
	th, early, br := startRelay(t, Config{})
	bad := strings.Replace(interaction("i1", "delivered", "Sales"), `"subject":"s"`,
		`"subject":"s","chatParties":{"k`+"\xfe"+`":"`+"\xff"+`"}`, 1)
	send(t, br, event("ON_NEW_INTERACTION", "a1", t0, 1, "["+bad+"]"),
		event("ON_NEW_INTERACTION", "a1", t0+10, 2, "["+interaction("i2", "delivered", "Support")+"]"))
	th.log.waitLog(t, "accepted with a warning: invalid UTF-8 replaced with U+FFFD in a member name of "+
		"params[0].chatParties, params[0].chatParties.k\uFFFD")
	for _, m := range readN(t, early, 2) { // live: the repaired message is relayed
		if !utf8.Valid([]byte(m)) {
			t.Fatalf("a live monitor got invalid UTF-8: %q", m)
		}
	}
	all := th.dial(t, "/stream", nil)
	support := th.dial(t, "/stream?service=Support", nil)
	th.waitSubscribers(t, 3)
	marker := event("ON_AGENT_STATE_CHANGE", "a1", t0+20, 3, `["ready"]`)
	send(t, br, marker)
	if got := interactionsUntil(t, all, marker); got != "i1 i2" {
		t.Fatalf("a new monitor has interactions %q, want i1 and i2", got)
	}
	if got := interactionsUntil(t, support, marker); got != "i2" {
		t.Fatalf("a new ?service=Support monitor has interactions %q, want only i2", got)
	}
}

// interactionsUntil reads a monitor's messages up to marker and lists the interactions they carry.
func interactionsUntil(t *testing.T, c *websocket.Conn, marker string) string {
	t.Helper()
	var ids []string
	msgs := readUntil(t, c, marker)
	for _, data := range msgs[:len(msgs)-1] {
		if !utf8.ValidString(data) {
			t.Fatalf("monitor got invalid UTF-8: %q", data)
		}
		ev, err := model.Decode([]byte(data))
		if err != nil {
			t.Fatalf("monitor got %v: %s", err, data)
		}
		switch p := ev.Payload.(type) {
		case *model.Interaction:
			ids = append(ids, p.ID)
		case *model.InteractionsState:
			for _, in := range p.Interactions {
				ids = append(ids, in.ID)
			}
		}
	}
	return strings.Join(ids, " ")
}
