package demo

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/feed"
	"github.com/deskwatch/deskwatch/internal/e2e"
	"github.com/deskwatch/deskwatch/internal/synth"
	"github.com/deskwatch/deskwatch/model"
)

func TestDemoRunsLiveAndStops(t *testing.T) {
	t.Parallel()
	const want = 60
	d := New(synth.GeneratorConfig{Seed: 5, Agents: 3, Rate: 200})
	var _ feed.Source = d
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	var mu sync.Mutex
	var msgs []feed.Message
	var runErr error
	done := make(chan struct{})
	started := time.Now()
	go func() {
		defer close(done)
		runErr = d.Run(ctx, func(m feed.Message) {
			mu.Lock()
			defer mu.Unlock()
			if msgs = append(msgs, m); len(msgs) == want {
				cancel()
			}
		})
	}()
	// Status is read while Run is writing: the race detector checks that this is safe.
	for range 10 {
		_ = d.Status()
		time.Sleep(time.Millisecond)
	}
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the demo did not emit 60 messages in 10 s at 200 events/s")
	}
	if !errors.Is(runErr, context.Canceled) {
		t.Fatalf("Run returned %v, want context.Canceled", runErr)
	}

	mu.Lock()
	defer mu.Unlock()
	if len(msgs) != want {
		t.Fatalf("%d messages emitted after cancel at %d", len(msgs), want)
	}
	store := model.NewStore()
	var bytes int64
	for i, m := range msgs {
		want := model.Origin{Source: "demo", Conn: 1, Msg: int64(i + 1)}
		if m.Origin != want {
			t.Fatalf("message %d origin %+v, want %+v", i, m.Origin, want)
		}
		if m.Received.Before(started) {
			t.Fatalf("message %d received %v before the run started", i, m.Received)
		}
		ev, err := model.Decode(m.Data)
		if err != nil {
			t.Fatalf("message %d: %v\n%s", i, err, m.Data)
		}
		// Live pacing: event times follow the wall clock.
		if skew := ev.TS.Sub(m.Received); skew > 50*time.Millisecond || skew < -3*time.Second {
			t.Errorf("message %d: ts %v is %v away from when it was emitted", i, ev.TS, skew)
		}
		store.Apply(ev, ev.TS)
		bytes += int64(len(m.Data))
	}
	// The desk opens warm: the first messages are each agent's presence, then its snapshot.
	first, _ := model.Decode(msgs[0].Data)
	if first.Type != model.EvLogin && first.Type != model.EvLogout {
		t.Errorf("first message is %s, want the agents' presence", first.Type)
	}
	snaps := 0
	for _, m := range msgs[:9] {
		if ev, _ := model.Decode(m.Data); ev.Type == model.EvInteractionsState {
			snaps++
		}
	}
	if snaps != 3 {
		t.Errorf("%d INTERACTIONS_STATE among the first messages, want one per agent", snaps)
	}
	snap := store.Snapshot()
	if snap.Stats.Rejected != 0 || snap.Stats.Lost != 0 || snap.Stats.Open == 0 {
		t.Errorf("store: %d rejected, %d lost, %d open", snap.Stats.Rejected, snap.Stats.Lost, snap.Stats.Open)
	}

	st := d.Status()
	if st.Name != "demo" || st.State != "live" || st.Messages != int64(len(msgs)) || st.Bytes != bytes ||
		st.Since.Before(started) {
		t.Errorf("status %+v after %d messages of %d bytes", st, len(msgs), bytes)
	}
	if now := d.Now(); time.Since(now) > time.Second || time.Until(now) > time.Second {
		t.Errorf("Now() = %v, want the wall clock", now)
	}
}

func TestDemoStopsWhenCancelledWhileWaiting(t *testing.T) {
	t.Parallel()
	d := New(synth.GeneratorConfig{Seed: 1, Rate: 0.01}) // the next live event is minutes away
	ctx, cancel := context.WithCancel(context.Background())
	emitted := make(chan struct{}, 64)
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx, func(feed.Message) { emitted <- struct{}{} }) }()
	<-emitted // the presence is sent at once
	cancel()
	if err := e2e.Recv(t, done, 2*time.Second, "return of Run after cancel"); !errors.Is(err, context.Canceled) {
		t.Fatalf("Run returned %v, want context.Canceled", err)
	}
}

// The status line says how many agents the demo has, in words that agree with the number (it said
// "1 agents").
func TestDemoStatusCountsAgents(t *testing.T) {
	t.Parallel()
	for agents, want := range map[int]string{0: "6 agents, seed 5", 1: "1 agent, seed 5", 3: "3 agents, seed 5"} {
		if got := New(synth.GeneratorConfig{Seed: 5, Agents: agents}).Status().Detail; got != want {
			t.Errorf("%d agents: %q, want %q", agents, got, want)
		}
	}
}
