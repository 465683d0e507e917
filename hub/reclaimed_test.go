package hub

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/deskwatch/deskwatch/model"
)

// TestReclaimedCutToWhatTheMonitorWasSent: a monitor with a service filter is told of the
// interactions the bound ended that it was sent, and of no other: another service's ids are not its
// business.
func TestReclaimedCutToWhatTheMonitorWasSent(t *testing.T) {
	t.Parallel()
	flt := &filter{services: map[string]bool{"Sales": true}, passed: map[string]map[string]bool{}}
	pass := func(data string) (string, bool) {
		t.Helper()
		_, _, out, ok := sentThrough(t, []byte(data), flt.pass)
		return string(out), ok
	}
	for _, m := range []string{event("ON_NEW_INTERACTION", "a1", t0, 1, "["+interaction("i1", "delivered", "Sales")+"]"),
		event("ON_NEW_INTERACTION", "a1", t0, 2, "["+interaction("i2", "delivered", "Support")+"]")} {
		pass(m)
	}
	marker := func(ids ...string) string {
		msgs := reclaimedEvents([]model.Reclaim{{Agent: "a1", At: time.UnixMilli(t0),
			Reclaimed: model.Reclaimed{Interactions: ids, Text: "why"}}})
		if len(msgs) != 1 {
			t.Fatalf("%d markers for %d ids", len(msgs), len(ids))
		}
		return string(msgs[0].data)
	}
	if out, ok := pass(marker("i2")); ok {
		t.Errorf("a Sales monitor was told of Support's i2: %s", out)
	}
	out, ok := pass(marker("i1", "i2"))
	if want := `"params":[{"interactions":["i1"],"text":""}]}`; !ok || !strings.HasSuffix(out, want) {
		t.Errorf("the marker of i1 and i2 sent %v as %s, want it cut to …%s (the text says what the agent "+
			"held in every service)", ok, out, want)
	}
	if out, ok := pass(marker("i1")); ok {
		t.Errorf("i1 ended: told again %s", out)
	}
}

// TestReclaimedEventsSplit: the ids of one agent's reclaim are said in markers of at most
// model.MaxReclaimedIDs ids and reclaimedBytes of them, each a message the model takes.
func TestReclaimedEventsSplit(t *testing.T) {
	t.Parallel()
	var ids []string
	for i := range 3000 {
		ids = append(ids, strings.Repeat("x", 200)+string(rune('a'+i%26))+strings.Repeat("y", i%7))
	}
	msgs := reclaimedEvents([]model.Reclaim{{Agent: "a1", At: time.UnixMilli(t0), Reclaimed: model.Reclaimed{Interactions: ids}}})
	n := 0
	for _, m := range msgs {
		rc := m.ev.Payload.(*model.Reclaimed)
		size := 0
		for _, id := range rc.Interactions {
			size += len(id)
		}
		if len(rc.Interactions) > model.MaxReclaimedIDs || size > reclaimedBytes || m.ev.AgentID != "a1" {
			t.Errorf("a marker of %d ids, %d bytes of them, agent %q", len(rc.Interactions), size, m.ev.AgentID)
		}
		n += len(rc.Interactions)
	}
	if n != len(ids) || len(msgs) < 2 {
		t.Errorf("%d markers name %d ids, want all %d in several", len(msgs), n, len(ids))
	}
}

// TestReclaimedReachesHistoryMonitors (attacker's pass): a monitor reading the log's history
// (?since=) and following it on is told of what the floor's bound reclaims, as a live monitor is:
// both end what the floor ended. The history reader relayed the log's events alone, and kept the
// reclaimed interactions open.
func TestReclaimedReachesHistoryMonitors(t *testing.T) {
	t.Parallel()
	th := startHubOnLog(t, tempLog(t), Config{Limits: Limits{MaxMemory: 3584}})
	live := th.dial(t, "/stream", nil)
	th.waitSubscribers(t, 1)
	hist := th.dial(t, "/stream?since=1h", nil)
	readUntil(t, hist, `{"type":"DESKWATCH_RESYNC_END"`)
	br := th.dial(t, "/ingest", nil)
	ia := func(id string) string { return "[" + interaction(id, "delivered", "Sales") + "]" }
	send(t, br, event("ON_NEW_INTERACTION", "a1", t0, 1, ia("i0")), event("ON_NEW_INTERACTION", "a1", t0, 2, ia("i1")),
		event("ON_NEW_INTERACTION", "a1", t0, 3, ia("i2")), event("ON_NEW_INTERACTION", "a2", t0, 1, ia("j0")))
	for name, mon := range map[string]*websocket.Conn{"live": live, "history": hist} {
		mine := model.NewStore()
		read := readUntil(t, mon, `{"type":"DESKWATCH_RECLAIMED","agentId":"a1"`)
		floor := openKeys(th.store.Snapshot()) // the marker follows the floor's apply
		for _, m := range read {
			ev, err := model.Decode([]byte(m))
			if err != nil {
				t.Fatalf("%s: %v", m, err)
			}
			mine.Apply(ev, model.EventTime(ev, time.Now()))
		}
		if got := openKeys(mine.Snapshot()); !slices.Equal(got, floor) {
			t.Errorf("the %s monitor holds %q open, the floor %q", name, got, floor)
		}
	}
}

// TestBridgeCannotSendReclaimed: DESKWATCH_RECLAIMED is the hub's word; a bridge that sends it to
// end another's interactions is refused (logged), and nothing ends.
func TestBridgeCannotSendReclaimed(t *testing.T) {
	t.Parallel()
	th, mon, br := startRelay(t, Config{})
	open := event("ON_NEW_INTERACTION", "a1", t0, 1, "["+interaction("i1", "delivered", "Sales")+"]")
	send(t, br, open, `{"type":"DESKWATCH_RECLAIMED","agentId":"a1","params":[{"interactions":["i1"],"text":"x"}]}`)
	if got := readN(t, mon, 1)[0]; got != open {
		t.Fatalf("relayed %s", got)
	}
	th.log.waitLog(t, "DESKWATCH_RECLAIMED is the hub's own event; a bridge may not send it")
	if r := th.store.Row(model.RowKey("a1", "i1")); r == nil || r.Ended {
		t.Errorf("a1's i1 on the floor: %+v, want it open", r)
	}
	_ = mon.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	if _, data, err := mon.ReadMessage(); err == nil {
		t.Errorf("the monitor was sent %s", data)
	}
}

// TestSkippedToAServiceMonitorSaysOnlyWhy (attacker's pass): a DESKWATCH_SKIPPED reaches a monitor
// with a service filter with its reason alone: the rejection's text named another service's
// interaction (and what the agent held in every service); and without seq, as it is sent every
// event (streamWriter.live).
func TestSkippedToAServiceMonitorSaysOnlyWhy(t *testing.T) {
	t.Parallel()
	flt := &filter{services: map[string]bool{"Sales": true}, passed: map[string]map[string]bool{}}
	sentThrough(t, []byte(event("ON_NEW_INTERACTION", "a1", t0, 1, "["+interaction("i1", "delivered", "Sales")+"]")), flt.pass)
	marker := event("DESKWATCH_SKIPPED", "a1", t0, 2,
		`[{"reason":"interaction-cap","text":"interaction \"SECRET\" would be agent \"a1\"'s open interaction number 2"}]`)
	_, sent, out, ok := sentThrough(t, []byte(marker), flt.pass)
	if sk, _ := sent.Payload.(*model.Skipped); !ok || strings.Contains(string(out), "SECRET") || sk == nil ||
		sk.Reason != "interaction-cap" || sent.HasSeq {
		t.Errorf("a Sales monitor was sent %s (%v), want the marker with its reason alone, no seq", out, ok)
	}
	if _, _, out, ok := sentThrough(t, []byte(marker), (&filter{}).pass); !ok || string(out) != marker {
		t.Errorf("a monitor of every service was sent %s, want the marker whole", out)
	}
}
