package hub

import (
	"fmt"
	"net/url"
	"testing"

	"github.com/deskwatch/deskwatch/model"
)

// TestServiceFilterMemoryIsBounded: the attacker's case. A bridge (even one bound to its own agent)
// opens and ends interaction after interaction; a ?service= monitor's filter must not remember every
// id it was ever sent. Open ones are forgotten when they end, ended ones are kept only in a bounded
// ring, long enough for the activity record that follows the end to pass.
func TestServiceFilterMemoryIsBounded(t *testing.T) {
	t.Parallel()
	f, err := parseFilter(url.Values{"service": {"S"}})
	if err != nil {
		t.Fatal(err)
	}
	pass := func(typ, id, state, service string) bool {
		t.Helper()
		data := event(typ, "a1", t0, 0, "["+interaction(id, state, service)+"]")
		ev, err := model.Decode([]byte(data))
		if err != nil {
			t.Fatal(err)
		}
		_, ok, err := f.pass(ev, []byte(data))
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	for i := range 3 * maxEndedPassed {
		id := fmt.Sprintf("i%d", i)
		if !pass(model.EvNewInteraction, id, "delivered", "S") || !pass(model.EvInteractionRemoved, id, "completed", "S") {
			t.Fatalf("interaction %s of service S did not pass", id)
		}
	}
	if n, m := len(f.passed), len(f.ended.set); n != 0 || m > maxEndedPassed {
		t.Errorf("the filter remembers %d agents' open interactions and %d ended ones; want 0 and at most %d",
			n, m, maxEndedPassed)
	}
	// Transferred away before it ended, an interaction keeps passing up to its activity record.
	if !pass(model.EvNewInteraction, "t1", "delivered", "S") || !pass(model.EvInteractionStateChange, "t1", "delivered", "Other") ||
		!pass(model.EvInteractionRemoved, "t1", "completed", "Other") || !pass(model.EvSaveActivityRecord, "t1", "completed", "Other") {
		t.Error("an interaction transferred away stopped passing before its activity record")
	}
	if pass(model.EvNewInteraction, "o1", "delivered", "Other") {
		t.Error("another service's interaction passed")
	}
	// The attacker's case: an ended interaction's id used again for another service's interaction
	// is that interaction's, not the ended one's: it does not pass, nor do its updates.
	if !pass(model.EvNewInteraction, "r1", "delivered", "S") || !pass(model.EvInteractionRemoved, "r1", "completed", "S") {
		t.Fatal("interaction r1 of service S did not pass")
	}
	if pass(model.EvNewInteraction, "r1", "delivered", "Other") || pass(model.EvInteractionStateChange, "r1", "hold", "Other") ||
		pass(model.EvInteractionRemoved, "r1", "completed", "Other") {
		t.Error("another service's interaction passed under the id of one that ended")
	}
	// The second attacker's case: after an activity record, a resync lists the id under another
	// service; its record and removal that follow are that interaction's, not the ended one's.
	if !pass(model.EvNewInteraction, "r2", "delivered", "S") || !pass(model.EvInteractionStateChange, "r2", "completed", "S") ||
		!pass(model.EvSaveActivityRecord, "r2", "completed", "S") {
		t.Fatal("interaction r2 of service S did not pass")
	}
	state := event(model.EvInteractionsState, "a1", t0, 0, `[{"activeInteractionId":null,"interactions":[`+
		interaction("r2", "delivered", "Other")+`]}]`)
	sev, err := model.Decode([]byte(state))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.pass(sev, []byte(state)); err != nil && err != errNothing {
		t.Fatal(err)
	}
	if pass(model.EvInteractionStateChange, "r2", "completed", "Other") || pass(model.EvSaveActivityRecord, "r2", "completed", "Other") ||
		pass(model.EvInteractionRemoved, "r2", "completed", "Other") {
		t.Error("another service's interaction passed under the id of one that ended, after a resync")
	}
}
