package periodic

import (
	"sync/atomic"
	"testing"
	"time"
)

// TestEveryStopsWhenToldOrDone: calls come a period apart and stop when done is closed; a job that
// returns false is not called again.
func TestEveryStopsWhenToldOrDone(t *testing.T) {
	t.Parallel()
	const d = 5 * time.Millisecond
	done := make(chan struct{})
	var calls atomic.Int64
	ended := make(chan struct{})
	start := time.Now()
	var first time.Time
	go func() {
		defer close(ended)
		Every(done, d, func(now time.Time) bool {
			if calls.Add(1) == 1 {
				first = now
			}
			return true
		})
	}()
	for calls.Load() < 3 {
		time.Sleep(time.Millisecond)
	}
	close(done)
	<-ended
	if first.Sub(start) < d {
		t.Errorf("first call %v after the start, before one period (%v)", first.Sub(start), d)
	}
	n := calls.Load()
	time.Sleep(4 * d)
	if calls.Load() != n {
		t.Errorf("called %d times after done was closed", calls.Load()-n)
	}

	calls.Store(0)
	Every(make(chan struct{}), d, func(time.Time) bool { return calls.Add(1) < 2 })
	if calls.Load() != 2 {
		t.Errorf("a job that said it was done on its second call was called %d times", calls.Load())
	}
}

// TestEveryReturnsAtOnceWhenDone: a done channel already closed returns without a call.
func TestEveryReturnsAtOnceWhenDone(t *testing.T) {
	t.Parallel()
	done := make(chan struct{})
	close(done)
	Every(done, time.Hour, func(time.Time) bool { t.Error("called after done"); return true })
}
