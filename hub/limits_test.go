package hub

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/deskwatch/deskwatch/model"
)

// waitMetric waits until a sample of /metrics reaches want.
func (th *testHub) waitMetric(t *testing.T, name string, want float64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		body, _ := th.get(t, "/metrics")
		v := metricValue(t, body, name)
		if v == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s = %v, want %v\n%s", name, v, want, th.log.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// sentMsg is a message a test's bridge sends, and whether the hub relays it.
type sentMsg struct {
	msg  string
	pass bool
	// skip is, for a rejected message, the reason of the DESKWATCH_SKIPPED the hub relays in its
	// place ("" for none: an agent refused by a cap, or a message without seq).
	skip string
}

// sendRelayed sends msgs on br and checks that mon gets those that pass, in order, and for those
// rejected the hub's DESKWATCH_SKIPPED when it says one (its agent, seq and reason).
func sendRelayed(t *testing.T, br, mon *websocket.Conn, msgs []sentMsg) (read []string) {
	t.Helper()
	var want []string
	for _, m := range msgs {
		send(t, br, m.msg)
		switch h := model.PeekHead([]byte(m.msg)); {
		case m.pass:
			want = append(want, m.msg)
		case m.skip != "":
			want = append(want, fmt.Sprintf(`{"type":"DESKWATCH_SKIPPED","agentId":%q,"ts":%d,"seq":%d,"params":[{"reason":%q,"text":`,
				h.AgentID(), h.TS.UnixMilli(), h.Seq, m.skip))
		}
	}
	var got []string // the hub's DESKWATCH_DESKTOP and DESKWATCH_RECLAIMED left out: said as the floor changes
	for len(got) < len(want) {
		m := readN(t, mon, 1)[0]
		read = append(read, m)
		if !strings.HasPrefix(m, `{"type":"DESKWATCH_DESKTOP"`) && !strings.HasPrefix(m, `{"type":"DESKWATCH_RECLAIMED"`) {
			got = append(got, m)
		}
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) || !strings.HasPrefix(want[i], `{"type":"DESKWATCH_SKIPPED"`) && got[i] != want[i] {
			t.Fatalf("relayed %d\n%.300s\nwant\n%.300s", i, got[i], want[i])
		}
	}
	return read
}

// parties returns n call parties as JSON.
func parties(n int) string {
	p := make([]string, n)
	for i := range p {
		p[i] = fmt.Sprintf(`{"id":"p%d","name":"n"}`, i)
	}
	return "[" + strings.Join(p, ",") + "]"
}

// TestLimitsRejectLocatedAndCounted: events over the agent, interaction and party caps are
// rejected with the connection and message number, counted, and not relayed; the rest goes on.
func TestLimitsRejectLocatedAndCounted(t *testing.T) {
	t.Parallel()
	th, mon, br := startRelay(t, Config{Limits: Limits{MaxAgents: 3, MaxAgentsPerBridge: 2, MaxInteractionsPerAgent: 2, MaxParties: 3}})
	ia := func(id string) string { return "[" + interaction(id, "delivered", "Sales") + "]" }
	withParties := strings.Replace(interaction("i9", "delivered", "Sales"), `"callParties":[]`, `"callParties":`+parties(4), 1)
	msgs := []sentMsg{
		{event("ON_NEW_INTERACTION", "a1", t0, 1, ia("i1")), true, ""},
		{event("ON_NEW_INTERACTION", "a1", t0, 2, ia("i2")), true, ""},
		{event("ON_NEW_INTERACTION", "a1", t0, 3, ia("i3")), false, "interaction-cap"}, // a third open interaction
		{event("ON_INTERACTION_REMOVED", "a1", t0, 4, ia("i1")), true, ""},
		{event("ON_NEW_INTERACTION", "a1", t0, 5, ia("i3")), true, ""}, // room again
		{event("ON_NEW_INTERACTION", "a1", t0, 6, "["+withParties+"]"), false, "party-cap"},
		{event("INTERACTIONS_STATE", "a1", t0, 7, `[{"activeInteractionId":null,"interactions":[`+
			interaction("x1", "delivered", "S")+","+interaction("x2", "delivered", "S")+","+interaction("x3", "delivered", "S")+`]}]`), false, "interaction-cap"},
		{event("ON_LOGOUT", "b2", t0, 1, `[]`), true, ""},
		{event("ON_LOGOUT", "c3", t0, 1, `[]`), false, ""}, // this bridge's third agent
	}
	sendRelayed(t, br, mon, msgs)
	// Another bridge may bring one more agent; the hub-wide cap stops the one after.
	br2 := th.dial(t, "/ingest", nil)
	send(t, br2, event("ON_LOGOUT", "d4", t0, 1, `[]`), event("ON_LOGOUT", "e5", t0, 1, `[]`))
	readN(t, mon, 1)
	for _, line := range []string{
		`ingest conn 2 msg 3 (agent "a1", seq 3) rejected: interaction "i3" would be agent "a1"'s open interaction number 3, over the limit of 2 (--max-interactions-per-agent)`,
		`ingest conn 2 msg 6 (agent "a1", seq 6) rejected: interaction "i9" has 4 call parties, over the limit of 3 (--max-parties)`,
		`ingest conn 2 msg 7 (agent "a1", seq 7) rejected: 3 interactions listed, over the limit of 2 (--max-interactions-per-agent)`,
		`ingest conn 2 msg 9 (agent "c3", seq 1) rejected: agent "c3" would be this connection's agent number 3, over the limit of 2 (--max-agents-per-bridge)`,
		`ingest conn 3 msg 2 (agent "e5", seq 1) rejected: agent "e5" would be agent number 4, over the limit of 3 (--max-agents)`,
	} {
		th.log.waitLog(t, line)
	}
	for reason, n := range map[string]float64{"agent-cap": 2, "interaction-cap": 2, "party-cap": 1} {
		th.waitMetric(t, `deskwatch_hub_events_rejected_total{reason="`+reason+`"}`, n)
	}
	expectSilence(t, mon)
}

// TestConnectionCap: connections past MaxConnections are refused with 503 and counted; a freed
// slot takes a new one.
func TestConnectionCap(t *testing.T) {
	t.Parallel()
	th := startHub(t, Config{Limits: Limits{MaxConnections: 2}})
	m1 := th.dial(t, "/stream", nil)
	th.dial(t, "/ingest", nil)
	th.waitSubscribers(t, 1)
	if code := th.dialStatus(t, "/stream", nil); code != http.StatusServiceUnavailable {
		t.Fatalf("third connection: HTTP %d, want 503", code)
	}
	if code := th.dialStatus(t, "/ingest", nil); code != http.StatusServiceUnavailable {
		t.Fatalf("third connection: HTTP %d, want 503", code)
	}
	th.log.waitLog(t, "refused: 2 connections open, the limit (--max-connections)")
	th.waitMetric(t, `deskwatch_hub_connections_refused_total{endpoint="stream",reason="capacity"}`, 1)
	_ = m1.Close()
	deadline := time.Now().Add(10 * time.Second)
	for th.dialStatus(t, "/stream", nil) != 0 {
		if time.Now().After(deadline) {
			t.Fatal("a freed connection slot was not reused")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// The attacker's pass: one agent's bridge token held every one of --max-connections, and the other
// agents' bridges and every monitor were refused. A token bound to agents holds at most
// maxBridgesPerAgent bridges per agent; monitors cannot take the eighth of the places kept for
// bridges (nor bridges the monitors'); an unbound token has no bound of its own.
func TestConnectionPlacesPerTokenAndKind(t *testing.T) {
	t.Parallel()
	_, in := tokenFile(t, "ingest", "tokA agents=a.one\ntokB agents=b.two\nfloor\n")
	th := startHub(t, Config{IngestTokens: in, Limits: Limits{MaxConnections: 16}})
	for range maxBridgesPerAgent {
		th.dial(t, "/ingest?token=tokA", nil)
	}
	if code := th.dialStatus(t, "/ingest?token=tokA", nil); code != http.StatusServiceUnavailable {
		t.Fatalf("bridge %d of tokA: HTTP %d, want 503", maxBridgesPerAgent+1, code)
	}
	th.log.waitLog(t, "refused: 4 bridge connections open with one token, the most for the 1 agents it is bound to (4 each)")
	th.waitMetric(t, `deskwatch_hub_connections_refused_total{endpoint="ingest",reason="token-cap"}`, 1)
	th.dial(t, "/ingest?token=tokB", nil)
	for range 16 - 16/8 - maxBridgesPerAgent - 1 { // the unbound token, up to the most bridges hold
		th.dial(t, "/ingest?token=floor", nil)
	}
	if code := th.dialStatus(t, "/ingest?token=floor", nil); code != http.StatusServiceUnavailable {
		t.Fatalf("bridge 15: HTTP %d, want 503 (two places kept for monitors)", code)
	}
	th.log.waitLog(t, "refused: 14 bridge connections open, the most of --max-connections 16 they may hold")
	th.dial(t, "/stream", nil)
	th.dial(t, "/stream", nil)
	if code := th.dialStatus(t, "/stream", nil); code != http.StatusServiceUnavailable {
		t.Fatalf("connection 17: HTTP %d, want 503", code)
	}
}

// TestServiceFilterFailsClosed: an entry that cannot be encoded or filtered is left out alone
// (logged, counted): a ?service= monitor never receives other services' interactions, and a new
// monitor's snapshot keeps the agent's other interactions.
func TestServiceFilterFailsClosed(t *testing.T) {
	t.Parallel()
	th := startHubWith(t, Config{}, encodeChecked(func(in *model.Interaction) error {
		if strings.HasPrefix(in.ID, "bad") {
			return fmt.Errorf("cannot encode %s", in.ID)
		}
		return nil
	}))
	br := th.dial(t, "/ingest", nil)
	send(t, br,
		event("ON_NEW_INTERACTION", "a1", t0, 1, "["+interaction("good", "delivered", "Sales")+"]"),
		event("ON_NEW_INTERACTION", "a1", t0, 2, "["+interaction("bad1", "delivered", "Sales")+"]"),
		event("ON_NEW_INTERACTION", "a1", t0, 3, "["+interaction("other", "delivered", "Support")+"]"))
	th.waitMetric(t, "deskwatch_hub_events_in_total", 3)
	interactionsOf := func(msgs []string) string {
		for _, m := range msgs {
			if ev, err := model.Decode([]byte(m)); err == nil && ev.Type == model.EvInteractionsState {
				var ids []string
				for _, in := range ev.Payload.(*model.InteractionsState).Interactions {
					ids = append(ids, in.ID)
				}
				return strings.Join(ids, ",")
			}
		}
		return "none"
	}
	all := th.dial(t, "/stream", nil)
	if got := interactionsOf(readN(t, all, 1)); got != "good,other" {
		t.Errorf("unfiltered snapshot lists %q, want good,other", got)
	}
	sales := th.dial(t, "/stream?service=Sales", nil)
	if got := interactionsOf(readN(t, sales, 1)); got != "good" {
		t.Errorf("?service=Sales snapshot lists %q, want good", got)
	}
	th.log.waitLog(t, `agent "a1": interaction "bad1" left out: cannot encode bad1`)
	th.waitSubscribers(t, 2)

	// A live INTERACTIONS_STATE that may not be cut down (invalid UTF-8 in a member the hub passes
	// through, unless the decoder repairs it) is cut or left out for the filtered monitor, never
	// sent whole.
	bad := event("INTERACTIONS_STATE", "a1", t0, 4, `[{"activeInteractionId":null,"x":"`+"\xff"+`","interactions":[`+
		interaction("good", "delivered", "Sales")+","+interaction("other", "delivered", "Support")+`]}]`)
	next := event("ON_LOGOUT", "a1", t0, 5, `[]`)
	send(t, br, bad, next)
	for _, m := range readThrough(t, sales, next) {
		if strings.Contains(m, `"other"`) {
			t.Fatalf("?service=Sales was sent a Support interaction: %.300s", m)
		}
	}
	body, _ := th.get(t, "/metrics")
	if metricValue(t, body, `deskwatch_hub_entries_skipped_total{where="filter"}`) == 1 {
		th.log.waitLog(t, "INTERACTIONS_STATE of agent \"a1\" left out: filter:")
	}
	got := slices.DeleteFunc(readThrough(t, all, next), func(m string) bool {
		return strings.Contains(m, `"DESKWATCH_DESKTOP"`) // the hub's word on a1's desktop
	})
	if len(got) != 2 || !strings.Contains(got[0], `"other"`) {
		t.Fatalf("the unfiltered monitor got %q", got)
	}
}

// readThrough reads messages up to and including want.
func readThrough(t *testing.T, c *websocket.Conn, want string) []string {
	t.Helper()
	var out []string
	for len(out) == 0 || out[len(out)-1] != want && !sameButSeq(out[len(out)-1], want) {
		out = append(out, readN(t, c, 1)...)
	}
	return out
}

// TestMetricsDoNotWaitForTheStore: a scrape while the store is busy (an event being applied holds
// its lock) answers with the last figures instead of waiting.
func TestMetricsDoNotWaitForTheStore(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	th := startHubWith(t, Config{}, func(h *Hub) {
		read := h.figures.snapshot
		h.figures.snapshot = func() *model.Snapshot {
			<-release
			return read()
		}
	})
	br := th.dial(t, "/ingest", nil)
	send(t, br, event("ON_LOGOUT", "a1", t0, 1, `[]`))
	th.waitMetric(t, "deskwatch_hub_events_in_total", 1)
	done := make(chan string)
	go func() {
		resp, err := http.Get(th.srv.URL + "/metrics")
		if err != nil {
			done <- err.Error()
			return
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		done <- string(body)
	}()
	select {
	case body := <-done:
		if v := metricValue(t, body, "deskwatch_hub_agents"); v != 0 {
			t.Errorf("agents = %v while the store is busy, want the last figures (0)", v)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("/metrics waited for the store")
	}
	close(release)
	th.waitMetric(t, "deskwatch_hub_agents", 1)
}

// TestInteractionSizeBound: an interaction's event over MaxInteractionBytes is rejected (and
// acknowledged, so not sent again), as is an INTERACTIONS_STATE over it times the interactions it
// lists; one within both passes. One agent's desktop cannot make the hub hold, and copy into every
// monitor's snapshot, more than MaxInteractionsPerAgent times the bound.
func TestInteractionSizeBound(t *testing.T) {
	t.Parallel()
	const limit = 4096
	th, mon, br := startRelay(t, Config{Limits: Limits{MaxInteractionBytes: limit}})
	big := func(id string, n int) string {
		return strings.Replace(interaction(id, "delivered", "Sales"), `"subject":"s"`, `"subject":"`+strings.Repeat("x", n)+`"`, 1)
	}
	state := func(seq int64, n int) string {
		return event("INTERACTIONS_STATE", "a1", t0, seq, `[{"activeInteractionId":null,"interactions":[`+
			big("x1", n)+","+big("x2", n)+","+big("x3", n)+`]}]`)
	}
	msgs := []sentMsg{
		{event("ON_NEW_INTERACTION", "a1", t0, 1, "["+big("i1", 3000)+"]"), true, ""},
		{event("ON_NEW_INTERACTION", "a1", t0, 2, "["+big("i2", 5000)+"]"), false, "interaction-size"},
		{state(3, 3500), true, ""},                  // 3 × 3.5 KB within 3 × 4 KiB
		{state(4, 4500), false, "interaction-size"}, // each over
	}
	sendRelayed(t, br, mon, msgs)
	th.log.waitLog(t, `ingest conn 2 msg 2 (agent "a1", seq 2) rejected: interaction "i2": event of`)
	th.log.waitLog(t, `over the limit of 4096 for one interaction (--max-interaction-bytes)`)
	th.log.waitLog(t, `for 3 interactions, over the limit of 4096 per interaction (--max-interaction-bytes)`)
	th.waitMetric(t, `deskwatch_hub_events_rejected_total{reason="interaction-size"}`, 2)
}

// TestMemoryBound: from three quarters of MaxMemory on an agent adds only within its share; a new
// agent within its share is taken past the bound, and the floor's store ends the oldest interaction
// of the agent over its share to make room (counted); at MaxMemory what adds no interaction (a
// login) is refused. Each refusal is logged with the connection and message number and the flag,
// counted, and not relayed; removals are taken, and once they made room a new interaction is again.
func TestMemoryBound(t *testing.T) {
	t.Parallel()
	th, mon, br := startRelay(t, Config{Limits: Limits{MaxMemory: 3584}})
	ia := func(id string) string { return "[" + interaction(id, "delivered", "Sales") + "]" }
	login := func(agent string) string { return event("ON_LOGIN", agent, t0, 1, `[{"isLoggedIn":true}]`) }
	read := sendRelayed(t, br, mon, []sentMsg{ // each interaction holds about 800 bytes, an agent about 400
		{event("ON_NEW_INTERACTION", "a1", t0, 1, ia("i0")), true, ""},
		{event("ON_NEW_INTERACTION", "a1", t0, 2, ia("i1")), true, ""},
		{event("ON_NEW_INTERACTION", "a1", t0, 3, ia("i2")), true, ""},              // 2.8 KB: past three quarters
		{event("ON_NEW_INTERACTION", "a1", t0, 4, ia("i3")), false, "memory-share"}, // a1 holds its share
		{event("ON_NEW_INTERACTION", "a2", t0, 1, ia("j0")), true, ""},              // a new agent: past the bound; a1's i0 ends
		{event("ON_NEW_INTERACTION", "a2", t0, 2, ia("j1")), false, "memory-share"}, // a2 holds its share
		{login("a3"), true, ""},
		{login("a4"), false, ""}, // the bound; a4 is not on the floor: no DESKWATCH_SKIPPED
		{event("ON_INTERACTION_REMOVED", "a1", t0, 5, ia("i1")), true, ""},
		{event("ON_INTERACTION_REMOVED", "a1", t0, 6, ia("i2")), true, ""},
		{event("ON_NEW_INTERACTION", "a2", t0, 3, ia("again")), true, ""},
	})
	th.log.waitLog(t, `ingest conn 2 msg 4 (agent "a1", seq 4) rejected: agent's memory share reached (--max-memory 3.5 KiB): agent "a1" would hold 2.`)
	th.log.waitLog(t, ` (three quarters of the bound, less the agents' own 370 bytes, among 1 agent); its new interactions and changes are refused until some of them end`)
	th.log.waitLog(t, `ingest conn 2 msg 6 (agent "a2", seq 2) rejected: agent's memory share reached (--max-memory 3.5 KiB): agent "a2" would hold `)
	th.log.waitLog(t, `ingest conn 2 msg 8 (agent "a4", seq 1) rejected: memory bound reached (--max-memory 3.5 KiB): `)
	th.waitMetric(t, `deskwatch_hub_events_rejected_total{reason="memory-share"}`, 2)
	th.waitMetric(t, `deskwatch_hub_events_rejected_total{reason="memory-cap"}`, 1)
	th.waitMetric(t, `deskwatch_hub_interactions_reclaimed_total`, 1)
	th.waitMetric(t, `deskwatch_hub_memory_bound_bytes`, 3584)
	if metrics, _ := th.get(t, "/metrics"); metricValue(t, metrics, `deskwatch_hub_memory_held_bytes`) < 3584-3584/4 {
		t.Errorf("memory_held_bytes %v, want the floor's three quarters of the bound at least", metricValue(t, metrics, `deskwatch_hub_memory_held_bytes`))
	}
	if r := th.store.Row(model.RowKey("a1", "i0")); r != nil && !r.Ended {
		t.Error("a1's oldest interaction is open on the hub's floor past the bound")
	}
	// The monitor was told (DESKWATCH_RECLAIMED): what it applies holds open what the floor does.
	if want := fmt.Sprintf(`{"type":"DESKWATCH_RECLAIMED","agentId":"a1","ts":%d,"params":[{"interactions":["i0"],"text":"(--max-memory 3.5 KiB): its agent's interactions held `, t0); !slices.ContainsFunc(read, func(m string) bool { return strings.HasPrefix(m, want) }) {
		t.Errorf("the monitor read %q; want %s…", read, want)
	}
	mine := model.NewStore()
	for _, m := range read {
		ev, err := model.Decode([]byte(m))
		if err != nil {
			t.Fatalf("%s: %v", m, err)
		}
		mine.Apply(ev, model.EventTime(ev, time.Now()))
	}
	if got, want := openKeys(mine.Snapshot()), openKeys(th.store.Snapshot()); !slices.Equal(got, want) {
		t.Errorf("the monitor holds %q open, the floor %q", got, want)
	} else if r := mine.Row(model.RowKey("a1", "i0")); r == nil || !r.Reclaimed ||
		!strings.HasPrefix(r.Timeline[len(r.Timeline)-1].Text, "ended at the hub's memory bound (--max-memory 3.5 KiB): its agent's") {
		t.Errorf("the monitor's a1 i0: %+v, want it ended at the hub's bound, with the reason", r)
	}
	// The rejected events' seqs were said skipped (sendRelayed read each DESKWATCH_SKIPPED), so
	// the floor counts none of them lost, and lists them with the rejected messages.
	th.waitMetric(t, `deskwatch_hub_events_lost_total`, 0)
	sn := th.store.Snapshot()
	i := slices.IndexFunc(sn.Agents, func(a *model.Agent) bool { return a.ID == "a1" })
	if sn.Stats.Lost != 0 || i < 0 || sn.Agents[i].LastSeq != 6 {
		t.Errorf("the floor counts %d lost, a1 (%d) at its seq 6 or not; want none lost", sn.Stats.Lost, i)
	}
	var said []string
	for _, r := range sn.Rejections {
		said = append(said, r.Reason)
	}
	if want := `rejected by the hub (memory-share): agent "a1"'s event seq 4: agent's memory share reached (--max-memory 3.5 KiB)`; len(said) != 2 || !strings.HasPrefix(said[0], want) {
		t.Errorf("the floor lists %q; want two, the first %q…", said, want)
	}
}

// TestLongSessionIsRefused: ?session= is stored with every event of the connection in the log, so
// one over 256 bytes is refused before the upgrade (logged cut, counted); one at the bound is not.
func TestLongSessionIsRefused(t *testing.T) {
	t.Parallel()
	th := startHub(t, Config{})
	if got := th.dialStatus(t, "/ingest?session="+strings.Repeat("s", maxSessionBytes+1), nil); got != http.StatusBadRequest {
		t.Errorf("a session of %d bytes: HTTP %d, want 400", maxSessionBytes+1, got)
	}
	th.log.waitLog(t, "ingest from ")
	th.log.waitLog(t, "refused: ?session= of 257 bytes, over the limit of 256: \"sss")
	th.waitMetric(t, `deskwatch_hub_connections_refused_total{endpoint="ingest",reason="session"}`, 1)
	if got := th.dialStatus(t, "/ingest?session="+strings.Repeat("s", maxSessionBytes), nil); got != 0 {
		t.Errorf("a session of %d bytes: HTTP %d", maxSessionBytes, got)
	}
}

// TestMonitorJoinsAreBoundedPerToken: a monitor token may join /stream thirty times its rate at
// once and its rate a second after; one more is refused with 429 and Retry-After (logged,
// counted), while another token's monitors join as before.
func TestMonitorJoinsAreBoundedPerToken(t *testing.T) {
	t.Parallel()
	_, st := tokenFile(t, "stream", "lead-tok\nother-tok\n")
	th := startHub(t, Config{StreamTokens: st, Limits: Limits{MaxMonitorJoins: 1}})
	for i := range joinBurstSeconds {
		if got := th.dialStatus(t, "/stream", bearer("lead-tok")); got != 0 {
			t.Fatalf("join %d: HTTP %d", i+1, got)
		}
	}
	_, resp, err := websocket.DefaultDialer.Dial(th.wsURL("/stream"), bearer("lead-tok"))
	if err == nil || resp == nil || resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "1" {
		t.Fatalf("join %d: %v %+v, want 429 with Retry-After 1", joinBurstSeconds+1, err, resp)
	}
	th.log.waitLog(t, "over 1 monitor connections a second (30 at once) for its token (--max-monitor-joins); may retry in 1s")
	if got := th.dialStatus(t, "/stream", bearer("other-tok")); got != 0 {
		t.Errorf("another token's monitor: HTTP %d", got)
	}
	th.waitMetric(t, `deskwatch_hub_connections_refused_total{endpoint="stream",reason="rate"}`, 1)
	time.Sleep(1100 * time.Millisecond) // the rate: one more a second
	if got := th.dialStatus(t, "/stream", bearer("lead-tok")); got != 0 {
		t.Errorf("a join a second later: HTTP %d", got)
	}
}

// TestJoinLimiterForgetsWholeAllowances: the keys it remembers are bounded; one whose allowance
// is whole again makes room for a new key, and while none is, a new key is let through.
func TestJoinLimiterForgetsWholeAllowances(t *testing.T) {
	t.Parallel()
	j := newJoinLimiter(1)
	now := time.Now()
	for i := range maxJoinKeys {
		if ok, _ := j.allow(string(rune(i)), now); !ok {
			t.Fatal("a first join refused")
		}
	}
	if ok, _ := j.allow("new", now); !ok || len(j.keys) != maxJoinKeys {
		t.Fatalf("a new key while every allowance is in use: %v, %d keys", ok, len(j.keys))
	}
	later := now.Add(time.Second) // every allowance is whole again
	if ok, _ := j.allow("newer", later); !ok || len(j.keys) != 1 {
		t.Fatalf("a new key once the others' allowances are whole: %v, %d keys", ok, len(j.keys))
	}
}

// TestRefusedRequestsSpendNoJoins: requests refused before they would be served (a bad filter, not
// a WebSocket upgrade) spend nothing of their token's join allowance.
func TestRefusedRequestsSpendNoJoins(t *testing.T) {
	t.Parallel()
	_, st := tokenFile(t, "stream", "lead-tok\n")
	th := startHub(t, Config{StreamTokens: st, Limits: Limits{MaxMonitorJoins: 1}})
	for range 2 * joinBurstSeconds {
		if got := th.dialStatus(t, "/stream?bogus=1", bearer("lead-tok")); got != http.StatusBadRequest {
			t.Fatalf("a bad filter: HTTP %d", got)
		}
		req, _ := http.NewRequest(http.MethodGet, th.srv.URL+"/stream", nil)
		req.Header = bearer("lead-tok")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if got := th.dialStatus(t, "/stream", bearer("lead-tok")); got != 0 {
		t.Errorf("a monitor after %d refused requests: HTTP %d", 4*joinBurstSeconds, got)
	}
}

// TestNoSkippedForAgentsNotOnTheFloor (attacker's pass): a new agent whose first event is rejected
// (here too large) is not on the floor, so the hub says nothing of it: a DESKWATCH_SKIPPED for each
// new agent id, each remembered with its session, let a bridge grow the log and the floor's
// records without bound, reconnecting for more agents.
func TestNoSkippedForAgentsNotOnTheFloor(t *testing.T) {
	t.Parallel()
	th, mon, br := startRelay(t, Config{Limits: Limits{MaxInteractionBytes: 400}})
	big := "[" + strings.Replace(interaction("i1", "delivered", "Sales"), `"subject":"s"`, `"subject":"`+strings.Repeat("x", 500)+`"`, 1) + "]"
	for a := range 5 {
		send(t, br, event("ON_NEW_INTERACTION", fmt.Sprint("new", a), t0, 1, big))
	}
	th.waitMetric(t, `deskwatch_hub_events_rejected_total{reason="interaction-size"}`, 5)
	expectSilence(t, mon)
	th.mu.Lock()
	n := len(th.sessions)
	th.mu.Unlock()
	if n != 0 {
		t.Errorf("the floor remembers %d agents' sessions, want none", n)
	}
}

// openKeys lists the keys of a snapshot's open rows, sorted.
func openKeys(sn *model.Snapshot) []string {
	var keys []string
	for _, r := range sn.Rows {
		if r.Open() {
			keys = append(keys, r.Key)
		}
	}
	slices.Sort(keys)
	return keys
}
