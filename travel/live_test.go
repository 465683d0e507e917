package travel_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/feed"
	"github.com/deskwatch/deskwatch/model"
	"github.com/deskwatch/deskwatch/travel"
)

// livePump is a pump with a live history of opts (the test's store options).
func livePump(opts travel.Options) (*feed.Pump, *travel.Live) {
	p := feed.NewPump(model.NewStore(storeOpts()...), nil)
	opts.Store = storeOpts()
	return p, travel.NewLive(p, opts)
}

// TestLiveForgets: past its bounds a live history forgets its oldest messages, and with them the
// checkpoints before them; what it still holds seeks exactly, what it forgot is outside.
func TestLiveForgets(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		opts travel.Options
	}{
		{"age", travel.Options{Every: 25, MaxAge: 30 * time.Second}},
		{"bytes", travel.Options{Every: 25, MaxBytes: 64 << 10}},
		{"time checkpoints", travel.Options{Every: 1 << 30, EveryTime: 5 * time.Second, MaxAge: 30 * time.Second}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			msgs := stream(21, 800, true)
			p, h := livePump(c.opts)
			for _, m := range msgs {
				p.Handle(m)
			}
			first, last := h.Bounds()
			if first.N == 0 || last.N != int64(len(msgs)) {
				t.Fatalf("Bounds() = #%d, #%d: want the oldest forgotten, the last kept", first.N, last.N)
			}
			if b := h.Bytes(); c.opts.MaxBytes > 0 && b > c.opts.MaxBytes {
				t.Errorf("the history keeps %d bytes, over its bound of %d", b, c.opts.MaxBytes)
			}
			if c.opts.MaxAge > 0 && last.At.Sub(first.At) > c.opts.MaxAge+5*time.Second {
				t.Errorf("the history spans %v, over its bound of %v and a checkpoint", last.At.Sub(first.At), c.opts.MaxAge)
			}
			if _, err := h.Seek(context.Background(), first.N-1); !errors.Is(err, travel.ErrOutside) {
				t.Errorf("Seek(%d) before the first position = %v, want ErrOutside", first.N-1, err)
			}
			if got := h.Find(first.At.Add(-time.Hour)); got != first {
				t.Errorf("Find before the history = %+v, want its first position %+v", got, first)
			}
			checkSeeks(t, h, func(n int64) *model.Store { return pumpTo(msgs, n) }, 21)
		})
	}
}

// TestLiveAttachedLate: a history attached to a pump that has handled messages begins at a
// checkpoint of its store then.
func TestLiveAttachedLate(t *testing.T) {
	t.Parallel()
	msgs := stream(13, 400, true)
	p := feed.NewPump(model.NewStore(storeOpts()...), nil)
	for _, m := range msgs[:150] {
		p.Handle(m)
	}
	h := travel.NewLive(p, travel.Options{Store: storeOpts(), Every: 30})
	for _, m := range msgs[150:] {
		p.Handle(m)
	}
	if first, last := h.Bounds(); first.N != 150 || last.N != 400 {
		t.Fatalf("Bounds() = #%d, #%d; want #150, #400", first.N, last.N)
	}
	checkSeeks(t, h, func(n int64) *model.Store { return pumpTo(msgs, n) }, 13)
}

// TestLiveFind finds event times in a live history: each message's own, and between two.
func TestLiveFind(t *testing.T) {
	t.Parallel()
	msgs := stream(4, 300, true)
	p, h := livePump(travel.Options{Every: 10})
	var times []time.Time
	p.After(func(_ feed.Message, at time.Time) { times = append(times, at) })
	for _, m := range msgs {
		p.Handle(m)
	}
	latest := time.Time{}
	for i, at := range times {
		if at.After(latest) {
			latest = at
		}
		n := int64(i + 1)
		if i+1 < len(times) && !times[i+1].After(latest) {
			continue // the next message is not later: Find(latest) goes past this one
		}
		if got := h.Find(latest); got.N != n || !got.At.Equal(at) {
			t.Fatalf("Find(%v) = %+v, want #%d at %v", latest, got, n, at)
		}
		if got := h.Find(latest.Add(-time.Nanosecond)); got.N >= n {
			t.Fatalf("Find just before #%d's time = #%d", n, got.N)
		}
	}
}

// TestLiveSeekWhileApplying runs viewers seeking and stepping while the pump applies (for -race):
// each store they get equals a fresh pump's at their position. The pump waits for a viewer's check
// every few hundred messages, so that they overlap however the machine schedules them.
func TestLiveSeekWhileApplying(t *testing.T) {
	t.Parallel()
	msgs := stream(8, 3000, true)
	p, h := livePump(travel.Options{Every: 50, MaxBytes: 512 << 10})
	var wg sync.WaitGroup
	done := make(chan struct{})
	var checks atomic.Int64
	for v := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-done:
					return
				default:
				}
				if err := viewerCheck(h, msgs, i); err != nil {
					t.Errorf("viewer %d: %v", v, err)
					return
				}
				checks.Add(1)
			}
		}()
	}
	for i, m := range msgs {
		p.Handle(m)
		if i%300 == 0 {
			for seen := checks.Load(); checks.Load() == seen && !t.Failed(); {
				runtime.Gosched()
			}
		}
	}
	close(done)
	wg.Wait()
	sameState(t, "the live store", p.Store(), pumpTo(msgs, int64(len(msgs))), wall)
}

// viewerCheck seeks h somewhere, steps, and compares the store with a fresh pump's.
func viewerCheck(h *travel.Live, msgs []feed.Message, i int) error {
	ctx := context.Background()
	first, last := h.Bounds()
	c, err := h.Seek(ctx, first.N+int64(i*37)%(last.N-first.N+1))
	if errors.Is(err, travel.ErrOutside) {
		return nil // forgotten between Bounds and Seek
	}
	if err != nil {
		return err
	}
	if err := c.Step(ctx, int64(i%5)-2); err != nil && !errors.Is(err, travel.ErrOutside) {
		return err
	}
	if d := diffState(c.Store, pumpTo(msgs, c.Pos.N), wall); d != "" {
		return fmt.Errorf("at #%d: %s", c.Pos.N, d)
	}
	return nil
}
