package hub

import (
	"strings"
	"testing"
	"time"

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
		msgs := reclaimedEvents([]model.Reclaim{{Agent: "a1", Reclaimed: model.Reclaimed{Interactions: ids, Text: "why"}}},
			time.UnixMilli(t0))
		if len(msgs) != 1 {
			t.Fatalf("%d markers for %d ids", len(msgs), len(ids))
		}
		return string(msgs[0].data)
	}
	if out, ok := pass(marker("i2")); ok {
		t.Errorf("a Sales monitor was told of Support's i2: %s", out)
	}
	out, ok := pass(marker("i1", "i2"))
	if want := `"params":[{"interactions":["i1"],"text":"why"}]}`; !ok || !strings.HasSuffix(out, want) {
		t.Errorf("the marker of i1 and i2 sent %v as %s, want it cut to …%s", ok, out, want)
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
	msgs := reclaimedEvents([]model.Reclaim{{Agent: "a1", Reclaimed: model.Reclaimed{Interactions: ids}}}, time.UnixMilli(t0))
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
