package model_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/internal/synth"
	"github.com/deskwatch/deskwatch/model"
)

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
