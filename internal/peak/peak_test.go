package peak

import (
	"sync"
	"sync/atomic"
	"testing"
)

// TestRaiseKeepsTheLargest: many goroutines raising one value at once leave the largest any wrote.
func TestRaiseKeepsTheLargest(t *testing.T) {
	t.Parallel()
	var p atomic.Int64
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 10000 {
				Raise(&p, int64(i*8+g))
			}
		})
	}
	wg.Wait()
	if got, want := p.Load(), int64(9999*8+7); got != want {
		t.Fatalf("peak %d, want %d", got, want)
	}
	Raise(&p, 5)
	if p.Load() != 9999*8+7 {
		t.Fatal("a smaller value lowered the peak")
	}
}
