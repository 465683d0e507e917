package model

import (
	"testing"
	"time"
)

// TestActivityRecordAloneIsAnEndedRow: a monitor that joins (or resyncs after a reconnect) between an
// interaction's removal and its activity record sees only the record. The row it makes is ended, not
// an open row that nothing would ever close.
func TestActivityRecordAloneIsAnEndedRow(t *testing.T) {
	s := NewStore(WithWallClock(func() time.Time { return t0 }))
	apply(t, s,
		evAgent("a", EvInteractionsState, `{"activeInteractionId":null,"interactions":[]}`),
		evAgent("a", EvSaveActivityRecord, iv("gone", "completed", "chat", `"disposition":"Sale"`)),
	)
	r := s.Row(RowKey("a", "gone"))
	if r == nil || !r.Ended || r.Record == nil {
		t.Fatalf("row %+v: want an ended row with its record", r)
	}
	if sn := s.Snapshot(); sn.Stats.Open != 0 || sn.Stats.Ended != 1 {
		t.Errorf("stats %+v: want 0 open, 1 ended", sn.Stats)
	}
}
