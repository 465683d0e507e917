package model

import (
	"testing"
	"time"
	"unsafe"
)

// A retained interaction keeps a dozen timeline entries and a Changed array: their size is the
// memory target's main term (BenchmarkRetainedBytes).
func TestChangeIsCompact(t *testing.T) {
	if n := unsafe.Sizeof(Change{}); n != 32 {
		t.Errorf("Change is %d bytes, want 32", n)
	}
	at := time.UnixMilli(1700000000123)
	c := NewChange(at, ChangePartyJoined, "party joined: Ann", EvInteractionStateChange)
	if !c.At().Equal(at) || c.Kind.String() != "party joined" || c.Source() != EvInteractionStateChange {
		t.Errorf("round trip: %v %q %q", c.At(), c.Kind, c.Source())
	}
	if z := NewChange(time.Time{}, ChangeEnded, "", "ON_SOMETHING_ELSE"); !z.At().IsZero() || z.Source() != "" {
		t.Errorf("zero time and unknown source: %v %q", z.At(), z.Source())
	}
	for k := range numChangeKinds {
		if k.String() == "" || k.String() == "?" {
			t.Errorf("kind %d has no name", k)
		}
	}
}
