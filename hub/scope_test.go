package hub

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/deskwatch/deskwatch/model"
)

// startScoped starts a hub with the stream tokens text (plus the floor's teams and an unbound
// token "all"), plays scopeFloor through a bridge and waits until the hub has applied it.
func startScoped(t *testing.T, tokens string) (th *testHub, br *websocket.Conn, path string) {
	t.Helper()
	path, st := tokenFile(t, "stream", scopeTeams+tokens+"all\n")
	th = startHub(t, Config{StreamTokens: st})
	all := th.dial(t, "/stream", bearer("all"))
	th.waitSubscribers(t, 1)
	br = th.dial(t, "/ingest", nil)
	floor := scopeFloor()
	send(t, br, floor...)
	readN(t, all, len(floor))
	return th, br, path
}

// Every way a monitor with a scoped token could ask for more than its scope is refused, with the
// reason in the log: other agents, other services, case variants, encoded names, other tokens.
func TestScopedMonitorAskingForMoreIsRefused(t *testing.T) {
	t.Parallel()
	th, _, path := startScoped(t, "lead teams=East services=Sales\n")
	lead := bearer("lead")
	for _, c := range []struct {
		path   string
		header http.Header
		want   int
	}{
		{"/stream?agent=b1", lead, http.StatusForbidden},
		{"/stream?agent=b1&agent=c1", lead, http.StatusForbidden},
		{"/stream?agent=A1", lead, http.StatusForbidden},       // ids are compared exactly
		{"/stream?agent=b%31", lead, http.StatusForbidden},     // b1, encoded
		{"/stream?agent=%20b1%2C", lead, http.StatusForbidden}, // " b1," is b1
		{"/stream?agent=a1%00", lead, http.StatusForbidden},
		{"/stream?service=Support", lead, http.StatusForbidden},
		{"/stream?service=sales", lead, http.StatusForbidden},
		{"/stream?service=Sales%2F", lead, http.StatusForbidden},
		{"/stream?agent=a1&service=Support", lead, http.StatusForbidden},
		{"/stream?Agent=b1", lead, http.StatusBadRequest},
		{"/stream?token=all", lead, http.StatusBadRequest}, // two tokens: not the wider one
		{"/stream?token=lead&token=all", nil, http.StatusBadRequest},
		{"/stream?token=lead", bearer("all"), http.StatusBadRequest},
		{"/stream", http.Header{"Authorization": {"Bearer lead", "Bearer all"}}, http.StatusBadRequest},
	} {
		if got := th.dialStatus(t, c.path, c.header); got != c.want {
			t.Errorf("%s %v: HTTP %d, want %d", c.path, c.header, got, c.want)
		}
	}
	th.log.waitLog(t, `?agent="b1" not allowed by the token (`+path+":3 is for agent a1,a2 (team East), service Sales)")
	th.log.waitLog(t, `?service="Support" not allowed by the token`)
	th.log.waitLog(t, "refused: two different tokens")
}

// A scoped monitor gets its scope and nothing more, however it asks: in its snapshot and live,
// for every connection open at once with the same token.
func TestScopedMonitorSeesOnlyItsScope(t *testing.T) {
	t.Parallel()
	th, br, _ := startScoped(t, "lead teams=East services=Sales\n")
	east := scope{agentLevel: strSet("a1", "a2"), ids: keys("a1", "i1", "a2", "i6")}
	a1 := scope{agentLevel: strSet("a1"), ids: keys("a1", "i1")}
	lead := bearer("lead")
	cases := []struct {
		path   string
		header http.Header
		scope  scope
	}{
		{"/stream", lead, east},
		{"/stream?agent=", lead, east},
		{"/stream?agent=,&service=", lead, east},
		{"/stream?service=Sales,Support&service=Other", lead, east},
		{"/stream?agent=a1&agent=b1", lead, a1},
		{"/stream?agent=a1,b1,c1", lead, a1},
		{"/stream?agent=a%31", lead, a1},
		{"/stream?agent=a1%2C", lead, a1},
		{"/stream?token=lead", nil, east},
		{"/stream?token=lead", lead, east}, // the same token twice
	}
	conns := make([]*websocket.Conn, len(cases))
	snaps := make([][]string, len(cases))
	for i, c := range cases {
		conns[i], snaps[i] = watchScoped(t, th, c.path, c.header)
		c.scope.check(t, c.path+" snapshot", snaps[i])
	}
	th.waitSubscribers(t, 1+len(cases))
	send(t, br, scopeLive()...)
	for i, c := range cases {
		live := readUntil(t, conns[i], scopeMarker)
		c.scope.check(t, c.path+" live", live)
		open, agents := monitorView(t, append(snaps[i], live...))
		want := map[string]bool{}
		for k := range c.scope.ids {
			want[k] = true
		}
		for k := range open {
			if !want[k] {
				t.Errorf("%s: open %s", c.path, k)
			}
			delete(want, k)
		}
		if len(want) > 0 {
			t.Errorf("%s: missing %v", c.path, want)
		}
		for a := range agents {
			if !c.scope.agentLevel[a] {
				t.Errorf("%s: the monitor has agent %s", c.path, a)
			}
		}
	}
}

// A token scoped to services alone shows an agent only while it has an interaction of those
// services that the monitor was sent: not c1, who never has one; not a2 until its Sales call; a1
// no longer once its Sales call ended. The interaction in front of an agent is one it was sent, or
// none.
func TestServiceScopeShowsAgentsOnlyAtWork(t *testing.T) {
	t.Parallel()
	th, br, _ := startScoped(t, "sales services=Sales\n")
	c, snap := watchScoped(t, th, "/stream", bearer("sales"))
	ids := keys("a1", "i1", "b1", "i4", "b1", "i5", "a2", "i6")
	scope{agentLevel: strSet("a1", "b1"), ids: ids}.check(t, "snapshot", snap)
	th.waitSubscribers(t, 2)
	send(t, br, scopeLive()...)
	live := readUntil(t, c, scopeMarker)
	scope{agentLevel: strSet("a1", "b1", "a2"), ids: ids}.check(t, "live", live)
	for _, want := range []string{
		event("ON_AGENT_STATE_CHANGE", "b1", t0+20, 6, `["not_ready","lunch"]`), // b1 has i4 open
		string(model.AppendEvent(nil, model.EvActiveInteractionSwitch, "a1", t0+29, 10, []byte("[null]"))),
	} {
		if !slices.Contains(live, unnumbered(t, want)) {
			t.Errorf("live lacks %s:\n%s", want, strings.Join(live, "\n"))
		}
	}
	end := []string{
		event("ON_INTERACTION_REMOVED", "a1", t0+40, 12, "["+interaction("i1", "completed", "Sales")+"]"),
		event("ON_SAVE_ACTIVITY_RECORD", "a1", t0+41, 13, "["+interaction("i1", "completed", "Sales")+"]"),
	}
	after := []string{
		event("ON_AGENT_STATE_CHANGE", "a1", t0+42, 14, `["ready"]`),
		event("ON_LOGOUT", "a1", t0+43, 15, `[]`),
		event("INTERACTIONS_STATE", "a1", t0+44, 16, `[{"activeInteractionId":"i2","interactions":[`+
			interaction("i2", "connected", "Support")+`]}]`),
	}
	marker := event("ON_AGENT_STATE_CHANGE", "b1", t0+45, 9, `["busy"]`)
	send(t, br, slices.Concat(end, after, []string{marker})...)
	if got := readUntil(t, c, marker); !slices.Equal(got, unnumberedAll(t, append(end, marker))) {
		t.Errorf("after a1's Sales call ended the monitor got\n%s\nwant its end, its record and b1's marker",
			strings.Join(got, "\n"))
	}
}

// An interaction transferred from the scope's service to another, on an agent of the scope, stays
// visible until it ends (its transfer, its end, its activity record), so the monitor sees it leave
// rather than keep it open; the other service's interactions stay out.
func TestScopedTransferIsSeenUntilItEnds(t *testing.T) {
	t.Parallel()
	th, br, _ := startScoped(t, "desk agents=a1 services=Sales\n")
	c, _ := watchScoped(t, th, "/stream", bearer("desk"))
	th.waitSubscribers(t, 2)
	seen := []string{
		event("ON_INTERACTION_STATE_CHANGE", "a1", t0+40, 12, "["+interaction("i1", "connected", "Support")+"]"),
		event("ON_INTERACTION_REMOVED", "a1", t0+41, 13, "["+interaction("i1", "completed", "Support")+"]"),
		event("ON_SAVE_ACTIVITY_RECORD", "a1", t0+42, 14, "["+interaction("i1", "completed", "Support")+"]"),
	}
	hidden := []string{
		event("ON_NEW_INTERACTION", "a1", t0+43, 15, "["+interaction("i8", "delivered", "Support")+"]"),
		event("ON_INTERACTION_STATE_CHANGE", "a1", t0+44, 16, "["+interaction("i2", "connected", "Sales2")+"]"),
		event("ON_NEW_INTERACTION", "b1", t0+45, 8, "["+interaction("i9", "delivered", "Sales")+"]"),
	}
	marker := event("ON_AGENT_STATE_CHANGE", "a1", t0+46, 17, `["ready"]`)
	send(t, br, slices.Concat(seen, hidden, []string{marker})...)
	if got := readUntil(t, c, marker); !slices.Equal(got, unnumberedAll(t, append(seen, marker))) {
		t.Errorf("the monitor got\n%s\nwant the transfer, end and record of i1, then the marker", strings.Join(got, "\n"))
	}
}

// Narrowing a token's scope in the file (its services, or the members of its team) closes the
// monitors connected with it; a token whose scope did not change stays connected, and one that
// reconnects gets the new scope.
func TestNarrowedScopeClosesTheMonitor(t *testing.T) {
	t.Parallel()
	text := "team East a1,a2\nt1 teams=East\nt2 services=Sales,Support\nt3 agents=a1 services=Sales\n"
	path, st := tokenFile(t, "stream", text)
	th := startHub(t, Config{StreamTokens: st})
	m1 := th.dial(t, "/stream?agent=a1", bearer("t1")) // narrowed even though a1 stays in
	m2 := th.dial(t, "/stream", bearer("t2"))
	m3 := th.dial(t, "/stream", bearer("t3"))
	th.waitSubscribers(t, 3)
	writeFile(t, path, strings.NewReplacer("a1,a2", "a1", "Sales,Support", "Sales").Replace(text))
	for name, c := range map[string]*websocket.Conn{"team member removed": m1, "service removed": m2} {
		if code, why := waitClosed(t, c); code != websocket.ClosePolicyViolation || why != "token's scope changed; reconnect" {
			t.Errorf("%s: closed with %d %q", name, code, why)
		}
	}
	th.log.waitLog(t, "(token of "+path+":2): closing: token's scope changed; reconnect")
	th.waitSubscribers(t, 1)
	br := th.dial(t, "/ingest", nil)
	ev := event("ON_NEW_INTERACTION", "a1", t0, 1, "["+interaction("i1", "delivered", "Sales")+"]")
	send(t, br, ev)
	if got := readN(t, m3, 1)[0]; got != unnumbered(t, ev) {
		t.Errorf("the unchanged token's monitor got %s", got)
	}
	if got := th.dialStatus(t, "/stream?agent=a2", bearer("t1")); got != http.StatusForbidden {
		t.Errorf("t1 asking for a2 after a2 left its team: HTTP %d, want 403", got)
	}
}

// The attacker's report: a monitor with a service filter was sent an agent's events with the
// agent's seq, so the other services' events it was not sent were gaps: it said "2 events lost
// from a1" when none were, and told a Sales supervisor how many Support events a1 had. It is sent
// them, live and in its snapshot, without seq; an agent's monitor still gets every seq.
func TestServiceFilterIsSentNoSeq(t *testing.T) {
	t.Parallel()
	th := startHub(t, Config{})
	sales := th.dial(t, "/stream?service=Sales", nil)
	agent := th.dial(t, "/stream?agent=a1", nil)
	th.waitSubscribers(t, 2)
	br := th.dial(t, "/ingest", nil)
	msgs := []string{
		event("ON_NEW_INTERACTION", "a1", t0, 1, "["+interaction("i1", "delivered", "Sales")+"]"),
		event("ON_NEW_INTERACTION", "a1", t0+1, 2, "["+interaction("i2", "delivered", "Support")+"]"),
		event("ON_NEW_INTERACTION", "a1", t0+2, 3, "["+interaction("i3", "delivered", "Support")+"]"),
		event("ON_INTERACTION_STATE_CHANGE", "a1", t0+3, 4, "["+interaction("i1", "hold", "Sales")+"]"),
	}
	send(t, br, msgs...)
	if got := readN(t, agent, 4); !slices.Equal(got, msgs) {
		t.Errorf("the agent's monitor got\n%s\nwant every event with its seq", strings.Join(got, "\n"))
	}
	store := model.NewStore()
	apply := func(msgs []string) {
		for _, m := range msgs {
			if strings.Contains(m, `"seq"`) {
				t.Errorf("the Sales monitor was sent a seq: %s", m)
			}
			ev, err := model.Decode([]byte(m))
			if err != nil {
				t.Fatalf("%v: %s", err, m)
			}
			store.Apply(ev, ev.TS)
		}
	}
	apply(readN(t, sales, 2))
	later := th.dial(t, "/stream?service=Sales", nil) // its snapshot
	apply(readUntil(t, later, `{"type":"DESKWATCH_RESYNC_END"`))
	if sn := store.Snapshot(); sn.Stats.Lost != 0 || sn.Stats.Open != 1 {
		t.Errorf("the Sales monitor counts %d events lost, %d open; want none lost, i1 open", sn.Stats.Lost, sn.Stats.Open)
	}
}
