package hub

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/model"
)

// TestLargeAgentSnapshotFitsTheLimit: the attacker's case. One agent's open interactions together
// exceed the message limit, so one INTERACTIONS_STATE of them all would be refused by every monitor
// (which would then reconnect for ever). A new monitor gets them in messages each within the limit,
// and applying those gives every open interaction of the agent.
func TestLargeAgentSnapshotFitsTheLimit(t *testing.T) {
	t.Parallel()
	const limit, calls = 8192, 30
	th := startHub(t, Config{MaxMessage: limit})
	br := th.dial(t, "/ingest", nil)
	blob := strings.Repeat("A", 1500)
	for i := range calls {
		in := strings.Replace(interaction(fmt.Sprintf("big%d", i), "delivered", "Sales"), `"attachedData":{}`,
			`"attachedData":{"blob":"`+blob+`"}`, 1)
		send(t, br, event(model.EvNewInteraction, "b.smith", t0, int64(i+1), "["+in+"]"))
	}
	for deadline := time.Now().Add(10 * time.Second); th.store.Snapshot().Stats.Open < calls; {
		if time.Now().After(deadline) {
			t.Fatalf("the hub has %d open interactions, want %d", th.store.Snapshot().Stats.Open, calls)
		}
		time.Sleep(10 * time.Millisecond)
	}
	mon := th.dial(t, "/stream", nil)
	store := model.NewStore()
	for {
		_ = mon.SetReadDeadline(time.Now().Add(time.Second))
		_, data, err := mon.ReadMessage()
		if err != nil {
			break // a second of silence: the snapshot is over
		}
		if len(data) > limit {
			t.Errorf("a snapshot message of %d bytes, over the limit of %d", len(data), limit)
		}
		ev, err := model.Decode(data)
		if err != nil {
			t.Fatalf("a snapshot message does not decode: %v", err)
		}
		store.Apply(ev, model.EventTime(ev, time.Now()))
	}
	if got := store.Snapshot().Stats.Open; got != calls {
		t.Errorf("the monitor has %d open interactions, want %d", got, calls)
	}
}
