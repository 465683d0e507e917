package model

import (
	"fmt"
	"testing"
)

// TestResyncThatEvictsWhileItEnds: a snapshot that ends an agent's rows can evict older ended rows
// and so compact the store's row order; the resync must end every row it should, whatever moved
// under it (it read the order while compacting it, and found a nil slot: a hub's apply panicked).
func TestResyncThatEvictsWhileItEnds(t *testing.T) {
	s := NewStore(WithRetention(1))
	for i := 0; s.Snapshot().Stats.Evicted < 1024; i++ {
		id := fmt.Sprint(i)
		apply(t, s, evAgent("a", EvNewInteraction, iv(id, "delivered", "voice", "")),
			evAgent("a", EvInteractionRemoved, iv(id, "completed", "voice", "")))
	}
	for i := range 10 {
		apply(t, s, evAgent("b", EvNewInteraction, iv(fmt.Sprint("b", i), "delivered", "chat", "")))
	}
	apply(t, s, evAgent("b", EvInteractionsState, `{"activeInteractionId":null,"interactions":[]}`))
	if sn := s.Snapshot(); sn.Stats.Open != 0 {
		t.Errorf("%d interactions still open after an empty snapshot of their agent", sn.Stats.Open)
	}
}
