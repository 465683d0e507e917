package feed

import (
	"strings"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/model"
)

// TestPumpReportsRefusalsByTheStoreCaps: an event past the store's caps is a located rejection,
// like any other, in the rejected log and to OnReject (--print's stderr).
func TestPumpReportsRefusalsByTheStoreCaps(t *testing.T) {
	t.Parallel()
	store := model.NewStore(model.WithCaps(10, 1))
	p := NewPump(store, nil)
	var reasons []string
	p.OnReject(func(o model.Origin, reason string) { reasons = append(reasons, o.String()+": "+reason) })
	for i, id := range []string{"c1", "c2"} {
		p.Handle(Message{Data: []byte(`{"type":"ON_NEW_INTERACTION","agentId":"a1","params":[{"interactionId":"` + id +
			`","state":"delivered","type":"voice","callParties":[],"attachedData":{},"associatedObjects":{"list":[]}}]}`), Origin: model.Origin{Source: "f.jsonl", Line: int64(i + 1)}, Received: time.Now()})
	}
	st := store.Snapshot().Stats
	if st.Open != 1 || st.Rejected != 1 || len(reasons) != 1 || !strings.HasPrefix(reasons[0], "f.jsonl:2: ") ||
		!strings.Contains(reasons[0], "cap of 1 open") {
		t.Errorf("open %d, rejected %d, reasons %q; want 1, 1, f.jsonl:2 past the cap", st.Open, st.Rejected, reasons)
	}
}
