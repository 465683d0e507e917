package hub

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/deskwatch/deskwatch/model"
)

// bearer is a monitor's Authorization header.
func bearer(tok string) http.Header { return http.Header{"Authorization": {"Bearer " + tok}} }

// readUntil reads messages until one starts with last (the whole message, or its beginning),
// failing after (a generous) ten seconds; it returns them all.
func readUntil(t *testing.T, c *websocket.Conn, last string) []string {
	t.Helper()
	var out []string
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		_, data, err := c.ReadMessage()
		if err != nil {
			t.Fatalf("read: %v after %q", err, out)
		}
		out = append(out, string(data))
		if strings.HasPrefix(string(data), last) || sameButSeq(string(data), last) {
			return out
		}
	}
}

// unnumbered is msg without its seq, as a monitor with a service filter is sent it.
func unnumbered(t *testing.T, msg string) string {
	t.Helper()
	out, ok := model.Unnumbered([]byte(msg))
	if !ok {
		t.Fatalf("cannot take the seq out of %s", msg)
	}
	return string(out)
}

// unnumberedAll is msgs, each without its seq.
func unnumberedAll(t *testing.T, msgs []string) []string {
	t.Helper()
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = unnumbered(t, m)
	}
	return out
}

// sameButSeq reports whether got is the message want but for its seq: a monitor with a service
// filter is sent its agents' events without it (streamWriter.live).
func sameButSeq(got, want string) bool {
	g, ok1 := model.Unnumbered([]byte(got))
	w, ok2 := model.Unnumbered([]byte(want))
	return ok1 && ok2 && string(g) == string(w)
}

// The attacker's report: bridge B, with its own token, published as agent alice an empty
// INTERACTIONS_STATE, a forged call and ON_LOGOUT; monitors relayed them and a new monitor's
// snapshot lost alice's real call. With tokens bound to agents B's messages for alice are
// rejected, logged and counted; an unbound token (a trusted relay) still publishes for anyone.
func TestBoundTokenPublishesOnlyForItsAgent(t *testing.T) {
	t.Parallel()
	path, in := tokenFile(t, "ingest", "alice-tok agent=alice   # alice's desk\nbob-tok agent=bob,bob2\nrelay-tok # trusted relay\n")
	th := startHub(t, Config{IngestTokens: in})
	th.log.waitLog(t, "ingest tokens: 3 from "+path+", 1 unbound")
	mon := th.firstMonitor(t)

	alice := th.dial(t, "/ingest?token=alice-tok&ack=1", nil)
	real := []string{
		event("ON_LOGIN", "alice", t0, 1, `[{"isLoggedIn":true,"agentId":"alice","username":"al"}]`),
		event("ON_NEW_INTERACTION", "alice", t0+10, 2, "["+interaction("real-call", "delivered", "Sales")+"]"),
	}
	send(t, alice, real...)
	readN(t, mon, len(real))

	bob := th.dial(t, "/ingest?token=bob-tok", nil)
	forged := []string{
		event("INTERACTIONS_STATE", "alice", t0+20, 3, `[{"activeInteractionId":null,"interactions":[]}]`),
		event("ON_NEW_INTERACTION", "alice", t0+30, 4, "["+interaction("forged", "delivered", "Sales")+"]"),
		event("ON_LOGOUT", "alice", t0+40, 5, `[]`),
		event("ON_LOGOUT", "", t0+40, 0, `[]`), // no agent: a bound token must name one of its own
	}
	own := event("ON_AGENT_STATE_CHANGE", "bob2", t0+50, 1, `["ready"]`)
	send(t, bob, append(forged, own)...)
	// The monitor's next message is bob's own event: nothing forged came before it.
	if got := readN(t, mon, 1)[0]; got != own {
		t.Fatalf("monitor got %s, want bob's own event", got)
	}
	relay := th.dial(t, "/ingest?token=relay-tok", nil)
	carol := event("ON_AGENT_STATE_CHANGE", "carol", t0+60, 1, `["ready"]`)
	send(t, relay, carol)
	if got := readN(t, mon, 1)[0]; got != carol {
		t.Fatalf("monitor got %s, want the unbound relay's event for carol", got)
	}

	late := th.dial(t, "/stream", nil)
	th.waitSubscribers(t, 2)
	marker := event("ON_AGENT_STATE_CHANGE", "bob", t0+70, 1, `["ready"]`)
	send(t, bob, marker)
	open, agents := monitorView(t, readUntil(t, late, marker))
	if _, ok := open[model.RowKey("alice", "real-call")]; !ok || len(open) != 1 {
		t.Errorf("new monitor's open interactions %v, want alice's real call only", open)
	}
	if _, ok := agents[""]; ok {
		t.Errorf("an agent without id was created: %v", agents)
	}
	th.log.waitLog(t, `msg 1 (agent "") rejected: INTERACTIONS_STATE for agent "alice", `+
		`but the token (`+path+`:2) is for agent bob,bob2; not relayed`)
	th.log.waitLog(t, `rejected: ON_LOGOUT for agent "", but the token`)
	th.log.waitLog(t, "token of "+path+":1 for agent alice)")
	metrics, _ := th.get(t, "/metrics")
	if v := metricValue(t, metrics, `deskwatch_hub_events_rejected_total{reason="agent_not_allowed"}`); v != 4 {
		t.Errorf("agent_not_allowed = %v, want 4", v)
	}
}

// A bound monitor token sees only its agents, whatever it asks for.
func TestBoundStreamTokenSeesOnlyItsAgents(t *testing.T) {
	t.Parallel()
	path, st := tokenFile(t, "stream", "lead-tok agent=a1,a2\n")
	th := startHub(t, Config{StreamTokens: st})
	if got := th.dialStatus(t, "/stream?agent=b1", bearer("lead-tok")); got != http.StatusForbidden {
		t.Errorf("?agent=b1 with a token for a1,a2: HTTP %d, want 403", got)
	}
	th.log.waitLog(t, `?agent="b1" not allowed by the token (`+path+":1 is for agent a1,a2)")
	all := th.dial(t, "/stream", bearer("lead-tok"))
	one := th.dial(t, "/stream?agent=a2,b1", bearer("lead-tok"))
	th.waitSubscribers(t, 2)
	br := th.dial(t, "/ingest", nil)
	a1 := event("ON_AGENT_STATE_CHANGE", "a1", t0, 1, `["ready"]`)
	b1 := event("ON_AGENT_STATE_CHANGE", "b1", t0, 1, `["ready"]`)
	a2 := event("ON_AGENT_STATE_CHANGE", "a2", t0, 1, `["ready"]`)
	send(t, br, a1, b1, a2)
	if got := readN(t, all, 2); got[0] != a1 || got[1] != a2 {
		t.Errorf("unfiltered bound monitor got %q, want a1's and a2's events", got)
	}
	if got := readN(t, one, 1); got[0] != a2 {
		t.Errorf("?agent=a2,b1 got %q, want a2's event", got)
	}
	expectSilence(t, one)
}

// waitClosed waits (generously) for the hub to close c and returns the close frame's code and text.
func waitClosed(t *testing.T, c *websocket.Conn) (int, string) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(20 * time.Second))
	for {
		_, _, err := c.ReadMessage()
		if err == nil {
			continue
		}
		var ce *websocket.CloseError
		if !errors.As(err, &ce) {
			t.Fatalf("connection ended without a close frame: %v", err)
		}
		return ce.Code, ce.Text
	}
}

// Revoking a token (rewriting the file without it) closes the connections already open with it,
// bridges and monitors, with 1008 and a reason; a token whose agents change is closed too, and the
// others stay open.
func TestRevokedTokenClosesOpenConnections(t *testing.T) {
	t.Parallel()
	inPath, in := tokenFile(t, "ingest", "gone-br\nmoved-br agent=a1\nkept-br agent=a2\n")
	stPath, st := tokenFile(t, "stream", "gone-mon\nkept-mon\n")
	th := startHub(t, Config{IngestTokens: in, StreamTokens: st})
	gone := th.dial(t, "/ingest?token=gone-br", nil)
	moved := th.dial(t, "/ingest?token=moved-br", nil)
	kept := th.dial(t, "/ingest?token=kept-br", nil)
	monGone := th.dial(t, "/stream", bearer("gone-mon"))
	monKept := th.dial(t, "/stream", bearer("kept-mon"))
	th.waitSubscribers(t, 2)

	// The same size and, on a coarse clock, the same modification time: only the content differs.
	writeFile(t, inPath, "xxxx-br\nmoved-br agent=a3\nkept-br agent=a2\n")
	writeFile(t, stPath, "xxxx-mon\nkept-mon\n")
	for name, c := range map[string]*websocket.Conn{"bridge": gone, "monitor": monGone} {
		if code, text := waitClosed(t, c); code != websocket.ClosePolicyViolation || text != "token revoked" {
			t.Errorf("%s closed with %d %q, want 1008 token revoked", name, code, text)
		}
	}
	if code, text := waitClosed(t, moved); code != websocket.ClosePolicyViolation || !strings.Contains(text, "scope changed") {
		t.Errorf("re-bound bridge closed with %d %q", code, text)
	}
	th.log.waitLog(t, "ingest tokens: read "+inPath+" again: 3 tokens, 1 unbound")
	th.log.waitLog(t, "(token of "+inPath+":1): closing: token revoked")
	if got := th.dialStatus(t, "/ingest?token=gone-br", nil); got != http.StatusForbidden {
		t.Errorf("revoked token: HTTP %d, want 403", got)
	}
	// The others still work: the kept bridge's event reaches the kept monitor.
	ev := event("ON_AGENT_STATE_CHANGE", "a2", t0, 1, `["ready"]`)
	send(t, kept, ev)
	if got := readN(t, monKept, 1)[0]; got != ev {
		t.Errorf("kept monitor got %s", got)
	}
	metrics, _ := th.get(t, "/metrics")
	for endpoint, want := range map[string]float64{"ingest": 2, "stream": 1} {
		name := `deskwatch_hub_connections_revoked_total{endpoint="` + endpoint + `"}`
		if v := metricValue(t, metrics, name); v != want {
			t.Errorf("%s = %v, want %v", name, v, want)
		}
	}
}
