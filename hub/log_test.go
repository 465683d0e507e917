package hub

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/deskwatch/deskwatch/internal/jetlog"
	"github.com/deskwatch/deskwatch/model"
)

// deskEvents are agent a1's login and state, a call opened and one more event per seq up to n.
func deskEvents(agent string, n int) []string {
	out := []string{
		event("ON_LOGIN", agent, t0, 1, fmt.Sprintf(`[{"isLoggedIn":true,"agentId":%q,"username":"ann"}]`, agent)),
		event("ON_AGENT_STATE_CHANGE", agent, t0+1, 2, `["busy"]`),
		event("ON_NEW_INTERACTION", agent, t0+2, 3, "["+interaction(agent+"-c1", "delivered", "Sales")+"]"),
	}
	for i := 4; i <= n; i++ {
		out = append(out, event("ON_INTERACTION_STATE_CHANGE", agent, t0+int64(i), int64(i),
			"["+interaction(agent+"-c1", []string{"connected", "hold"}[i%2], "Sales")+"]"))
	}
	return out
}

// TestRestartFromCheckpointKeepsTheFloor: a hub killed (no last checkpoint) and started again on
// its data restores the newest checkpoint, applies what followed it, and gives a new monitor the
// snapshot it gave before; a bridge that resends what it sent is not relayed twice.
func TestRestartFromCheckpointKeepsTheFloor(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := Config{CheckpointEvery: 4}
	first := startLogHub(t, dir, cfg)
	br := first.dial(t, "/ingest?session=s1", nil)
	msgs := append(deskEvents("a1", 6), deskEvents("b2", 5)...)
	send(t, br, msgs...)
	first.waitApplied(t, uint64(len(msgs)))
	// Seq 8's checkpoint, or a later one when it came due while seq 4's was being saved.
	ck := first.waitCheckpointed(t, 8)
	before, _ := snapshotOf(t, first.testHub, "/stream")
	first.crash()

	again := startLogHub(t, dir, cfg)
	if r := again.restored; r.Checkpoint != ck || r.Replayed != uint64(len(msgs))-ck {
		t.Errorf("restored %+v, want the checkpoint at seq %d and the messages after it", r, ck)
	}
	after, mon := snapshotOf(t, again.testHub, "/stream")
	if !slices.Equal(before, after) {
		t.Errorf("snapshot after the restart:\n%s\nwant the one before:\n%s", strings.Join(after, "\n"),
			strings.Join(before, "\n"))
	}
	// The bridge reconnects and sends everything again, then one new event: only that one arrives.
	br = again.dial(t, "/ingest?session=s1", nil)
	send(t, br, msgs...)
	next := event("ON_AGENT_STATE_CHANGE", "a1", t0+100, 7, `["ready"]`)
	send(t, br, next)
	if got := readN(t, mon, 1); got[0] != next {
		t.Fatalf("after the resend the monitor got %s, want only %s", got[0], next)
	}
	expectSilence(t, mon)
}

// seqsOf returns each message's agent and seq ("a1:3"), the end of a snapshot as "END".
func seqsOf(t *testing.T, msgs []string) []string {
	t.Helper()
	out := make([]string, 0, len(msgs))
	for _, m := range msgs {
		if strings.HasPrefix(m, resyncEnd) {
			out = append(out, "END")
			continue
		}
		ev, err := model.Decode([]byte(m))
		if err != nil {
			t.Fatalf("%v: %s", err, m)
		}
		out = append(out, fmt.Sprintf("%s:%d", ev.AgentID, ev.Seq))
	}
	return out
}

// readRaw reads n messages as they come, the end of a snapshot included.
func readRaw(t *testing.T, c *websocket.Conn, n int) []string {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	var out []string
	for len(out) < n {
		_, data, err := c.ReadMessage()
		if err != nil {
			t.Fatalf("message %d of %d: %v (got %q)", len(out)+1, n, err, out)
		}
		out = append(out, string(data))
	}
	return out
}

// TestSinceDeliversHistoryThenLive: /stream?since= gives the floor at the checkpoint before the
// first message since then (seq 5 here), then every event after it and the live ones, each once,
// in order; without a checkpoint, every event from the log's first.
func TestSinceDeliversHistoryThenLive(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		every int
		want  []string
	}{
		{every: 1000, want: []string{"END", "a1:1", "a1:2", "a1:3", "a1:4", "a1:5", "a1:6"}},
		// The checkpoint at seq 4 describes a1 at seq 4: login, state, its call.
		{every: 4, want: []string{"a1:4", "a1:4", "a1:4", "END", "a1:5", "a1:6"}},
	} {
		th := startLogHub(t, t.TempDir(), Config{CheckpointEvery: c.every})
		br := th.dial(t, "/ingest?session=s1", nil)
		msgs := deskEvents("a1", 6)
		send(t, br, msgs[:4]...)
		th.waitApplied(t, 4)
		since := time.Now()
		time.Sleep(20 * time.Millisecond) // the log's clock passes since before message 5
		send(t, br, msgs[4])
		th.waitApplied(t, 5)
		mon := th.dial(t, "/stream?since="+since.UTC().Format(time.RFC3339Nano), nil)
		got := readRaw(t, mon, len(c.want)-1)
		send(t, br, msgs[5])
		got = append(got, readRaw(t, mon, 1)...)
		if s := seqsOf(t, got); !slices.Equal(s, c.want) {
			t.Errorf("checkpoints every %d: got %v, want %v", c.every, s, c.want)
		}
		expectSilence(t, mon)
	}
}

// TestSinceWithAFilterNeverDeliversOtherAgents: history passes through the monitor's agent and
// service filters as live events do.
func TestSinceWithAFilterNeverDeliversOtherAgents(t *testing.T) {
	t.Parallel()
	th := startLogHub(t, t.TempDir(), Config{CheckpointEvery: 3})
	br := th.dial(t, "/ingest?session=s1", nil)
	support := event("ON_NEW_INTERACTION", "a1", t0+50, 7, "["+interaction("a1-c9", "delivered", "Support")+"]")
	send(t, br, append(append(deskEvents("a1", 6), deskEvents("b2", 6)...), support)...)
	th.waitApplied(t, 13)
	for _, path := range []string{"/stream?since=1h&agent=a1", "/stream?since=1h&service=Sales&agent=a1"} {
		mon := th.dial(t, path, nil)
		send(t, br, event("ON_AGENT_STATE_CHANGE", "b2", t0+60, 7, `["ready"]`),
			event("ON_AGENT_STATE_CHANGE", "a1", t0+60, 8, `["ready"]`))
		_ = mon.SetReadDeadline(time.Now().Add(10 * time.Second))
		for {
			_, data, err := mon.ReadMessage()
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			m := string(data)
			if strings.Contains(m, `"b2"`) || strings.Contains(m, "b2-c1") {
				t.Fatalf("%s delivered agent b2: %s", path, m)
			}
			if strings.Contains(path, "service") && strings.Contains(m, "Support") {
				t.Fatalf("%s delivered a Support call: %s", path, m)
			}
			if strings.Contains(m, fmt.Sprintf(`"agentId":"a1","ts":%d`, t0+60)) {
				break // a1's live event (sent again, it is history the second time): everything before it was history
			}
		}
	}
}

// TestSinceRefusals: ?since= is refused (400, and the log says why) by a hub without a log, past
// the hub's history, and when it does not parse.
func TestSinceRefusals(t *testing.T) {
	t.Parallel()
	mem := startHub(t, Config{})
	if st := mem.dialStatus(t, "/stream?since=15m", nil); st != http.StatusBadRequest {
		t.Errorf("in memory: HTTP %d, want 400", st)
	}
	mem.log.waitLog(t, "this hub keeps no history (--in-memory)")
	th := startLogHub(t, t.TempDir(), Config{History: time.Hour})
	for q, want := range map[string]string{
		"2h":        "further than this hub's history of 1h0m0s (--history)",
		"yesterday": `?since="yesterday": want a duration (15m, 2h) or an RFC 3339 time`,
		"-5m":       "want a positive duration",
	} {
		if st := th.dialStatus(t, "/stream?since="+q, nil); st != http.StatusBadRequest {
			t.Errorf("since=%s: HTTP %d, want 400", q, st)
		}
		th.log.waitLog(t, want)
	}
}

// TestMonitorWaitsForTheFloor: a monitor that connects to a hub still rebuilding its floor from the
// log gets its snapshot once the floor is whole, never a part of it.
func TestMonitorWaitsForTheFloor(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	first := startLogHub(t, dir, Config{})
	msgs := append(deskEvents("a1", 5), deskEvents("b2", 5)...)
	send(t, first.dial(t, "/ingest?session=s1", nil), msgs...)
	first.waitApplied(t, uint64(len(msgs)))
	before, _ := snapshotOf(t, first.testHub, "/stream")
	first.crash()

	l := openLog(t, dir)
	t.Cleanup(func() { _ = l.Close() })
	th := unstartedHubOnLog(t, l, Config{})
	h := th.Hub
	got := make(chan []string, 1)
	go func() {
		snap, _ := snapshotOf(t, th, "/stream")
		got <- snap
	}()
	select {
	case snap := <-got:
		t.Fatalf("a monitor got a snapshot before the hub started: %q", snap)
	case <-time.After(300 * time.Millisecond):
	}
	if _, err := h.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	select {
	case snap := <-got:
		if !slices.Equal(snap, before) {
			t.Errorf("snapshot after the start:\n%s\nwant:\n%s", strings.Join(snap, "\n"), strings.Join(before, "\n"))
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no snapshot 20s after the start")
	}
}

// TestQuietFloorIsCheckpointed: events applied and then nothing: the floor is saved
// CheckpointInterval later all the same, and a restart starts from that checkpoint.
func TestQuietFloorIsCheckpointed(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := Config{CheckpointInterval: 100 * time.Millisecond}
	first := startLogHub(t, dir, cfg)
	send(t, first.dial(t, "/ingest?session=s1", nil), deskEvents("a1", 3)...)
	first.waitApplied(t, 3)
	first.waitCheckpointed(t, 3)
	first.crash()
	if r := startLogHub(t, dir, cfg).restored; r.Checkpoint != 3 || r.Replayed != 0 {
		t.Errorf("restored %+v, want the checkpoint at seq 3 and nothing after it", r)
	}
}

// TestCapAtApplyIsCountedAndLogged: an event over a cap when it is applied (another hub on the log
// checked it against a floor without the events that came first) is not applied, and is logged
// and counted, as on every hub that applies the log.
func TestCapAtApplyIsCountedAndLogged(t *testing.T) {
	t.Parallel()
	th := startLogHub(t, t.TempDir(), Config{Limits: Limits{MaxAgents: 1}})
	mon := th.firstMonitor(t)
	for _, agent := range []string{"a1", "b2"} {
		data := event("ON_AGENT_STATE_CHANGE", agent, t0, 1, `["busy"]`)
		if _, _, err := th.l.Append(context.Background(), jetlog.Msg{Agent: agent, Session: "s1", Data: []byte(data)}, ""); err != nil {
			t.Fatal(err)
		}
	}
	th.waitApplied(t, 2)
	th.log.waitLog(t, `log seq 2 (agent "b2") not applied: agent "b2" would be agent number 2, over the limit of 1 (--max-agents)`)
	if got := readN(t, mon, 1); !strings.Contains(got[0], `"a1"`) {
		t.Fatalf("got %s, want a1's event", got[0])
	}
	expectSilence(t, mon)
	metrics, _ := th.get(t, "/metrics")
	if v := metricValue(t, metrics, `deskwatch_hub_log_refused_total{reason="agent-cap"}`); v != 1 {
		t.Errorf("log_refused_total{agent-cap} = %v, want 1", v)
	}
}

// TestEventTheLogCannotTakeIsNotAcknowledged: when the log refuses an event (here it is closed),
// the bridge gets no ack for it and its connection is closed with 1013, so that it sends the event
// again after it reconnects (to this hub or another).
func TestEventTheLogCannotTakeIsNotAcknowledged(t *testing.T) {
	t.Parallel()
	th := startLogHub(t, t.TempDir(), Config{})
	br := th.dial(t, "/ingest?session=s1&ack=1", nil)
	send(t, br, deskEvents("a1", 1)[0])
	if got := readN(t, br, 1); got[0] != `{"ack":1,"agentId":"a1"}` {
		t.Fatalf("got %s, want the ack of seq 1", got[0])
	}
	_ = th.l.Close()
	send(t, br, deskEvents("a1", 2)[1])
	_ = br.SetReadDeadline(time.Now().Add(20 * time.Second))
	_, data, err := br.ReadMessage()
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != websocket.CloseTryAgainLater || !strings.Contains(ce.Text, "could not store") {
		t.Fatalf("read %s, %v; want a close with 1013 and why\n%s", data, err, th.log.String())
	}
	th.log.waitLog(t, "ingest conn 1 msg 2 (agent \"a1\") rejected: the hub could not store it")
}

// TestCapAtApplySaysSkipped: an event of an agent on the floor, over a cap when it is applied (it
// passed the check against a floor that had not yet applied the agent's earlier events), is said
// skipped to the monitors, as at ingest: they count its seq as arrived, not lost.
func TestCapAtApplySaysSkipped(t *testing.T) {
	t.Parallel()
	th := startLogHub(t, t.TempDir(), Config{Limits: Limits{MaxInteractionsPerAgent: 1}})
	mon := th.firstMonitor(t)
	msgs := []string{
		event("ON_NEW_INTERACTION", "a1", t0, 1, "["+interaction("i1", "delivered", "Sales")+"]"),
		event("ON_NEW_INTERACTION", "a1", t0, 2, "["+interaction("i2", "delivered", "Sales")+"]"),
		event("ON_INTERACTION_REMOVED", "a1", t0, 3, "["+interaction("i1", "completed", "Sales")+"]"),
	}
	for _, data := range msgs {
		if _, _, err := th.l.Append(context.Background(), jetlog.Msg{Agent: "a1", Session: "s1", Data: []byte(data)}, ""); err != nil {
			t.Fatal(err)
		}
	}
	th.waitApplied(t, 3)
	got := readN(t, mon, 3)
	if got[0] != msgs[0] || got[2] != msgs[2] ||
		!strings.HasPrefix(got[1], `{"type":"DESKWATCH_SKIPPED","agentId":"a1","ts":`+fmt.Sprint(t0)+`,"seq":2,"params":[{"reason":"interaction-cap"`) {
		t.Fatalf("relayed\n%s\nwant a1's first event, the DESKWATCH_SKIPPED of seq 2, its third", strings.Join(got, "\n"))
	}
	if st := th.store.Snapshot().Stats; st.Lost != 0 || st.Rejected != 1 {
		t.Errorf("the floor counts %d lost, %d rejected; want none lost, one rejected", st.Lost, st.Rejected)
	}
}
