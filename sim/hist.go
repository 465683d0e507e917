package sim

import (
	"sync/atomic"
	"time"
)

// histStep is the latency histogram's resolution; histBuckets cover up to 10 s, beyond is the last.
const (
	histStep    = 100 * time.Microsecond
	histBuckets = int(10 * time.Second / histStep)
)

// hist is a latency histogram safe for concurrent use, without locks.
type hist struct {
	buckets [histBuckets + 1]atomic.Int64
	count   atomic.Int64
	max     atomic.Int64 // microseconds
}

func (h *hist) add(d time.Duration) {
	d = max(d, 0)
	h.buckets[min(int(d/histStep), histBuckets)].Add(1)
	h.count.Add(1)
	us := d.Microseconds()
	for m := h.max.Load(); us > m && !h.max.CompareAndSwap(m, us); m = h.max.Load() {
	}
}

// quantile returns the latency below which the fraction q of the samples fall (to histStep).
func (h *hist) quantile(q float64) time.Duration {
	var n int64
	for i := range h.buckets {
		n += h.buckets[i].Load()
	}
	if n == 0 {
		return 0
	}
	want := int64(q*float64(n) + 0.5)
	var seen int64
	for i := range h.buckets {
		if seen += h.buckets[i].Load(); seen >= max(want, 1) {
			return time.Duration(i+1) * histStep
		}
	}
	return time.Duration(histBuckets) * histStep
}

// atLeast returns the number of samples of d or more (d a multiple of histStep).
func (h *hist) atLeast(d time.Duration) int64 {
	var n int64
	for i := min(int(max(d, 0)/histStep), histBuckets); i < len(h.buckets); i++ {
		n += h.buckets[i].Load()
	}
	return n
}

// reset empties the histogram (samples added meanwhile may be lost: it is for progress lines).
func (h *hist) reset() {
	for i := range h.buckets {
		h.buckets[i].Store(0)
	}
	h.count.Store(0)
	h.max.Store(0)
}
