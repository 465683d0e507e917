package model

import (
	"testing"
	"time"
)

func TestTrendFollowsEventTime(t *testing.T) {
	var tr trend
	if got := tr.points(); len(got) != 0 {
		t.Fatalf("empty trend has %d points", len(got))
	}
	base := time.Unix(1700000000, 0) // a multiple of TrendStep
	tr.record(base, 1)
	tr.record(base.Add(3*time.Second), 3)
	tr.record(base.Add(5*time.Second), 2)
	tr.record(base.Add(35*time.Second), 4) // steps 1 and 2 have no events
	tr.record(base.Add(2*time.Second), 9)  // late: counted in the newest step
	got := tr.points()
	want := []TrendPoint{
		{At: base, Open: 3, Events: 3},
		{At: base.Add(10 * time.Second), Open: 2},
		{At: base.Add(20 * time.Second), Open: 2},
		{At: base.Add(30 * time.Second), Open: 9, Events: 2},
	}
	if len(got) != len(want) {
		t.Fatalf("%d points, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if !got[i].At.Equal(want[i].At) || got[i].Open != want[i].Open || got[i].Events != want[i].Events {
			t.Errorf("point %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestTrendKeepsTheLastTenMinutes(t *testing.T) {
	var tr trend
	base := time.Unix(1700000000, 0)
	for i := range 100 {
		tr.record(base.Add(time.Duration(i)*TrendStep), i)
	}
	got := tr.points()
	if len(got) != TrendLen || got[0].Open != 100-TrendLen || got[TrendLen-1].Open != 99 {
		t.Fatalf("ring: %d points, first %d, last %d", len(got), got[0].Open, got[len(got)-1].Open)
	}
	// A gap longer than the ring leaves only carried-over points and the new one.
	tr.record(base.Add(time.Hour), 5)
	got = tr.points()
	if len(got) != TrendLen || got[0].Open != 99 || got[TrendLen-1].Open != 99 || got[TrendLen-1].Events != 1 {
		t.Errorf("after a long gap: first %+v, last %+v", got[0], got[TrendLen-1])
	}
}

func TestSnapshotCarriesTheTrend(t *testing.T) {
	s := NewStore()
	apply(t, s,
		evAgent("a", EvNewInteraction, iv("A1", "delivered", "voice", "")),
		evAgent("a", EvNewInteraction, iv("A2", "queued", "chat", "")),
	)
	tr := s.Snapshot().Trend
	if len(tr) != 1 || tr[0].Open != 2 || tr[0].Events != 2 {
		t.Errorf("trend %+v, want one point with 2 open and 2 events", tr)
	}
}
