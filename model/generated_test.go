package model_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/internal/synth"
	"github.com/deskwatch/deskwatch/model"
)

// TestTinyRetentionOverGeneratedStream drives a store with the smallest retention through a long
// generated stream, where every interaction's activity record follows its end: evicted rows must
// not come back as open "completed" rows that never end, so the store holds only the open
// interactions and the one retained ended row.
func TestTinyRetentionOverGeneratedStream(t *testing.T) {
	events := 20_000
	s := model.NewStore(model.WithRetention(1))
	g := synth.NewGenerator(synth.GeneratorConfig{Seed: 3, Agents: 40})
	removed := map[string]bool{} // the interactions the stream has ended
	eachGenerated(t, g, events, func(ev model.Event, at time.Time) {
		s.Apply(ev, at)
		if in, ok := ev.Payload.(*model.Interaction); ok && ev.Type == model.EvInteractionRemoved {
			removed[model.RowKey(ev.AgentID, in.ID)] = true
		}
	})
	sn := s.Snapshot()
	open, kept, zombies := 0, 0, 0
	for _, r := range sn.Rows {
		switch {
		case r.Ended:
			kept++
		case removed[r.Key]:
			zombies++
		}
		if r.Open() {
			open++
		}
	}
	if zombies != 0 || kept > 1 || open != sn.Stats.Open || len(sn.Rows) != sn.Stats.Open+sn.Stats.Ended {
		t.Errorf("%d rows, %d open (%d counted), %d removed kept, %d of them present after their end",
			len(sn.Rows), open, sn.Stats.Open, kept, zombies)
	}
	if sn.Stats.Evicted < 1000 || sn.Stats.Stale == 0 {
		t.Errorf("evicted %d, stale %d: the stream should have exercised eviction", sn.Stats.Evicted, sn.Stats.Stale)
	}
	t.Logf("%d events: %d rows, %d open, %d evicted, %d stale", events, len(sn.Rows), sn.Stats.Open,
		sn.Stats.Evicted, sn.Stats.Stale)
}

// TestCheckpointOverGeneratedStream: over the simulator's realistic streams (every event type it
// makes: calls and chats through their lives with parties, holds, mutes, recording, audio alerts,
// activity records), with evictions past a small retention and a reconnect's resync in the middle,
// a store restored from a checkpoint at any of several cuts and fed the rest equals a fresh replay.
func TestCheckpointOverGeneratedStream(t *testing.T) {
	t.Parallel()
	for seed := range int64(2) {
		g := synth.NewGenerator(synth.GeneratorConfig{Seed: seed, Agents: 12})
		var lines [][]byte
		for i := range 3000 {
			if i == 1500 { // the source reconnects: its snapshot, then the end of it
				lines = append(lines, nil)
				lines = append(lines, g.Welcome()...)
				lines = append(lines, fmt.Appendf(nil, `{"type":%q,"ts":%d,"params":[]}`, model.EvResyncEnd, g.Now().UnixMilli()))
			}
			data, _ := g.Next()
			lines = append(lines, data)
		}
		opts := []model.Option{model.WithRetention(25), model.WithWallClock(func() time.Time { return g.Now() })}
		feed := func(s *model.Store, lines [][]byte) *model.Store {
			for _, l := range lines {
				if l == nil {
					s.BeginResync()
					continue
				}
				ev, err := model.Decode(l)
				if err != nil {
					t.Fatal(err)
				}
				s.Apply(ev, ev.TS)
			}
			return s
		}
		want := feed(model.NewStore(opts...), lines)
		if st := want.Snapshot().Stats; st.Evicted == 0 {
			t.Fatalf("seed %d: nothing evicted: %+v", seed, st)
		}
		for _, k := range []int{0, 1, 777, 1500, 1501, 2222, len(lines)} {
			got := feed(feed(model.NewStore(opts...), lines[:k]).Checkpoint().Restore(), lines[k:])
			model.SameState(t, fmt.Sprintf("seed %d, cut %d", seed, k), got, want, g.Now().Add(time.Minute))
		}
	}
}

// Every timeline entry a generated stream makes names the event that carried it: the compact
// Change keeps sources as an index into the event types that make changes.
func TestEveryChangeKeepsItsSource(t *testing.T) {
	store := model.NewStore()
	g := synth.NewGenerator(synth.GeneratorConfig{Seed: 3, Agents: 8})
	applyGenerated(t, store, g, 5000)
	sn := store.Snapshot()
	check := func(who string, tl []model.Change) {
		for _, c := range tl {
			if c.Source() == "" || c.At().IsZero() {
				t.Fatalf("%s: change %q has source %q at %v", who, c.Text, c.Source(), c.At())
			}
		}
	}
	for _, r := range sn.Rows {
		check(r.Key, r.Timeline)
	}
	for _, a := range sn.Agents {
		check(a.ID, a.Timeline)
	}
}

// applyGenerated decodes the next n events of g and applies them to store.
func applyGenerated(tb testing.TB, store *model.Store, g *synth.Generator, n int) {
	tb.Helper()
	eachGenerated(tb, g, n, store.Apply)
}

// eachGenerated decodes the next n events of g and hands each to fn with its time.
func eachGenerated(tb testing.TB, g *synth.Generator, n int, fn func(model.Event, time.Time)) {
	tb.Helper()
	for range n {
		data, at := g.Next()
		ev, err := model.Decode(data)
		if err != nil {
			tb.Fatal(err)
		}
		fn(ev, at)
	}
}
