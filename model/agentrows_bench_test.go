package model

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkAgentRowsOnAFullFloor: what one agent's events that read its own rows cost on a floor of
// 100,000 open rows of other agents: its desktop disconnected and back (its rows frozen and
// thawed) and an empty snapshot of it (its rows ended). A source sending these at a high rate held
// the store's lock for a scan of every row each (0.5–0.9 ms with 100,000 rows); the agent's rows
// are read alone.
func BenchmarkAgentRowsOnAFullFloor(b *testing.B) {
	s := NewStore()
	at := t0
	for i := range 100000 {
		at = at.Add(time.Millisecond)
		s.Apply(decodeT(b, fmt.Sprintf(`{"type":"ON_NEW_INTERACTION","agentId":"a%d","params":[%s]}`, i%5000,
			iv(fmt.Sprint("i", i), "delivered", "voice", ""))), at)
	}
	events := []Event{
		decodeT(b, `{"type":"DESKWATCH_DESKTOP","agentId":"x","params":[{"status":"disconnected"}]}`),
		decodeT(b, `{"type":"DESKWATCH_DESKTOP","agentId":"x","params":[{"status":"connected"}]}`),
		decodeT(b, `{"type":"INTERACTIONS_STATE","agentId":"x","params":[{"activeInteractionId":null,"interactions":[]}]}`),
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		at = at.Add(time.Millisecond)
		s.Apply(events[i%len(events)], at)
	}
}
