package model

import (
	"slices"
	"testing"
	"time"
)

// BenchmarkLiveQuery100k compares, over 100,000 rows, a full Query.Run with LiveQuery after a
// one-row change (the row's state changes, as most events do) and with nothing changed (a frame
// between two store versions). The query filters on fields and free text and sorts by start time:
// one that does not depend on the clock (a duration sort or filter re-runs in full each second).
func BenchmarkLiveQuery100k(b *testing.B) {
	rows := synthRows(100000)
	f := mustParse(b, "type:voice -state:completed caller")
	q := Query{Filter: f, Sort: SortStarted, Desc: true}
	now := t0.Add(time.Minute)
	changed := oneRowOnHold(rows)
	b.Run("full", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = q.Run(changed, now)
		}
	})
	b.Run("change=1", func(b *testing.B) {
		live := NewLiveQuery(q)
		live.Rows(rows, now)
		b.ReportAllocs()
		n := 0
		for b.Loop() {
			if n++; n%2 == 0 {
				live.Rows(rows, now)
			} else {
				live.Rows(changed, now)
			}
		}
		if st := live.Stats(); st.Full != 1 {
			b.Fatalf("stats %+v: want incremental updates only", st)
		}
	})
	b.Run("unchanged", func(b *testing.B) {
		live := NewLiveQuery(q)
		live.Rows(rows, now)
		b.ReportAllocs()
		for b.Loop() {
			live.Rows(rows, now.Add(time.Second))
		}
	})
}

// oneRowOnHold returns rows with the middle one replaced by a copy on hold: two snapshots that
// differ in one row, as consecutive store versions do.
func oneRowOnHold(rows []*Row) []*Row {
	changed := slices.Clone(rows)
	i := len(rows) / 2
	r := *rows[i]
	d := *r.Data
	d.State = StateHold
	r.Data = &d
	changed[i] = &r
	return changed
}
