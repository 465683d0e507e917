package model

import (
	"testing"
	"time"
)

// BenchmarkAlertIndex100k compares, over 100,000 rows, counting the alerts from scratch (what every
// viewer did each second before AlertIndex) with the index after a one-row change (a new store
// version) and after the clock moved a second with nothing changed (a quiet tick).
func BenchmarkAlertIndex100k(b *testing.B) {
	rows := synthRows(100000)
	rules := DefaultAlertRules()
	now := t0.Add(time.Minute)
	changed := oneRowOnHold(rows)
	b.Run("full", func(b *testing.B) {
		sn := &Snapshot{Version: 1, Rows: rows}
		b.ReportAllocs()
		for b.Loop() {
			_ = rules.Tally(sn, now)
		}
	})
	b.Run("change=1", func(b *testing.B) {
		x := NewAlertIndex(rules)
		x.Counts(&Snapshot{Version: 1, Rows: rows}, now)
		v := uint64(1)
		b.ReportAllocs()
		for b.Loop() {
			v++
			list := rows
			if v%2 == 0 {
				list = changed
			}
			_ = x.Counts(&Snapshot{Version: v, Rows: list}, now)
		}
	})
	b.Run("tick", func(b *testing.B) {
		x := NewAlertIndex(rules)
		sn := &Snapshot{Version: 1, Rows: rows}
		clock := now
		x.Counts(sn, clock)
		b.ReportAllocs()
		for b.Loop() {
			clock = clock.Add(time.Second)
			_ = x.Counts(sn, clock)
		}
	})
}
