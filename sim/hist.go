package sim

import (
	"sync/atomic"
	"time"

	"github.com/deskwatch/deskwatch/internal/peak"
)

// histStep is the latency histogram's resolution; histBuckets cover up to 10 s, beyond is the last.
const (
	histStep    = 100 * time.Microsecond
	histBuckets = int(10 * time.Second / histStep)
)

// hist is a latency histogram safe for concurrent use, without locks.
type hist struct {
	buckets [histBuckets + 1]atomic.Int64
	max     atomic.Int64 // microseconds
}

func (h *hist) add(d time.Duration) {
	d = max(d, 0)
	h.buckets[min(int(d/histStep), histBuckets)].Add(1)
	peak.Raise(&h.max, d.Microseconds())
}

// counts returns the samples of each bucket, read once: every figure of one report (count,
// quantiles, late) comes from it, so that they agree while samples keep coming.
func (h *hist) counts() []int64 {
	c := make([]int64, len(h.buckets))
	for i := range h.buckets {
		c[i] = h.buckets[i].Load()
	}
	return c
}

// quantile returns the latency below which the fraction q of the samples counted fall (to
// histStep).
func quantile(counts []int64, q float64) time.Duration {
	var n int64
	for _, c := range counts {
		n += c
	}
	if n == 0 {
		return 0
	}
	want := int64(q*float64(n) + 0.5)
	var seen int64
	for i, c := range counts {
		if seen += c; seen >= max(want, 1) {
			return time.Duration(i+1) * histStep
		}
	}
	return time.Duration(histBuckets) * histStep
}

// atLeast returns the number of samples counted of d or more (d a multiple of histStep).
func atLeast(counts []int64, d time.Duration) int64 {
	var n int64
	for _, c := range counts[min(int(max(d, 0)/histStep), histBuckets):] {
		n += c
	}
	return n
}

// reset empties the histogram (samples added meanwhile may be lost: it is for progress lines).
func (h *hist) reset() {
	for i := range h.buckets {
		h.buckets[i].Store(0)
	}
	h.max.Store(0)
}
