package synth

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

func TestWarmup(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		rate float64
		want time.Duration
	}{
		{0, 90 * time.Second},     // DefaultRate: 3,000 events would take longer than 90 s
		{20, 90 * time.Second},    // 3,000 events take 150 s
		{100, 30 * time.Second},   // 3,000 events' worth
		{3000, 1 * time.Second},   // likewise
		{0.01, 90 * time.Second},  // a slow stream still opens with 90 s of history
		{-5, Warmup(DefaultRate)}, // a negative rate is the default
	} {
		if got := Warmup(tc.rate); got != tc.want {
			t.Errorf("Warmup(%v) = %v, want %v", tc.rate, got, tc.want)
		}
	}
}

// cancelled waits up to limit for Run to return context.Canceled on done.
func cancelled(t *testing.T, done <-chan error, limit time.Duration) {
	t.Helper()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Run returned %v, want context.Canceled", err)
		}
	case <-time.After(limit):
		t.Fatalf("Run did not return within %v", limit)
	}
}

// TestPacerReleasesHistoryThenFollowsTheClock checks that the warm-up is due at once, in bursts of
// at most Burst, that later events are not released before their time, and that the stream ends
// after Limit events.
func TestPacerReleasesHistoryThenFollowsTheClock(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	p := NewPacer(PacerConfig{Generator: GeneratorConfig{Seed: 2, Agents: 4, Rate: 400},
		Warmup: time.Second, Burst: 50, Limit: 800, Lock: &mu})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var released []time.Time
	early, unlocked := 0, 0
	done := make(chan error, 1)
	go func() {
		done <- p.Run(ctx, func(_ []byte, at time.Time) {
			if mu.TryLock() { // Run holds the lock while it emits
				mu.Unlock()
				unlocked++
			}
			if time.Until(at) > 0 {
				early++
			}
			if released = append(released, at); len(released) == 800 {
				cancel()
			}
		})
	}()
	cancelled(t, done, 20*time.Second) // 800 events at 400/s, a second of them history
	if len(released) != 800 || early != 0 || unlocked != 0 {
		t.Fatalf("%d released, %d before their time, %d without the lock", len(released), early, unlocked)
	}
	history := 0
	for i, at := range released {
		if at.Before(p.Start()) {
			history++
		}
		if i > 0 && at.Before(released[i-1]) {
			t.Fatalf("event %d at %v before event %d at %v", i, at, i-1, released[i-1])
		}
	}
	if history < 250 || history > 550 {
		t.Errorf("%d events of history for a second at 400/s", history)
	}
}

// TestPacerStopsAtLimitAndOnCancel checks that after Limit events Run only waits for its context,
// and that a cancel while waiting for the next event returns at once.
func TestPacerStopsAtLimitAndOnCancel(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		cfg   PacerConfig
		count int
	}{
		{"limit", PacerConfig{Generator: GeneratorConfig{Seed: 1, Rate: 1000}, Warmup: time.Minute, Limit: 30}, 30},
		{"waiting", PacerConfig{Generator: GeneratorConfig{Seed: 1, Rate: 0.001}}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := NewPacer(tc.cfg)
			ctx, cancel := context.WithCancel(context.Background())
			emitted := make(chan struct{}, 100)
			done := make(chan error, 1)
			go func() { done <- p.Run(ctx, func([]byte, time.Time) { emitted <- struct{}{} }) }()
			for range tc.count {
				<-emitted
			}
			select {
			case <-emitted:
				t.Fatalf("more than %d events", tc.count)
			case err := <-done:
				t.Fatalf("Run returned %v before its context ended", err)
			case <-time.After(100 * time.Millisecond):
			}
			cancel()
			cancelled(t, done, 5*time.Second)
		})
	}
}

func TestPacerSkipHistory(t *testing.T) {
	t.Parallel()
	p := NewPacer(PacerConfig{Generator: GeneratorConfig{Seed: 3, Rate: 50}, Warmup: Warmup(50)})
	p.SkipHistory()
	if now := p.Generator().Now(); now.Before(p.Start()) || now.Sub(p.Start()) > 5*time.Second {
		t.Errorf("after the history the stream is at %v, want just after the start %v", now, p.Start())
	}
}
