package model

import (
	"math"
	"time"
)

// The quantities a floor record sums, by index into a vec: a service's counts and summed durations,
// and an agent's. Durations are nanoseconds.
const (
	qAnswered = iota
	qAbandoned
	qWaitSum // the waits of the answered
	qWithinT // answered within the service's T
	qHandled
	qHandleSum
	qTransfers
	nServiceQ
)

const (
	qLoggedIn = iota
	qReady
	qNotReady
	qBusy
	qACW
	qMuted
	qUnrecorded
	qAgentHandled
	qAgentHandleSum
	nAgentQ
)

const nq = max(nServiceQ, nAgentQ)

// vec holds one value of each quantity.
type vec [nq]int64

func (v *vec) add(w vec) {
	for i := range v {
		v[i] += w[i]
	}
}

// scaled is v × d (a rate over d nanoseconds).
func (v vec) scaled(d int64) vec {
	for i := range v {
		v[i] *= d
	}
	return v
}

// floorBuckets is how many buckets the rolling window is cut in; its granularity is the window ÷
// floorBuckets rounded up to whole seconds.
const floorBuckets = 90

// bucketWidth is the granularity of a rolling window of length w.
func bucketWidth(w time.Duration) int64 {
	g := (w + floorBuckets - 1) / floorBuckets
	return int64(max(g.Round(time.Second), time.Second)) // round, then at least 1 s
}

// bucketRing sums quantities per bucket of g nanoseconds of event time, for the last len(tags) buckets:
// a slot holds the bucket whose index (time ÷ g) is its tag. Allocated on first use.
type bucketRing struct {
	tags []int64
	vals []vec
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// add adds v to bucket idx; a bucket older than the ring keeps is dropped (it is outside every
// window the ring answers for).
func (r *bucketRing) add(n int, idx int64, v vec) {
	if r.tags == nil {
		r.tags, r.vals = make([]int64, n), make([]vec, n)
		for i := range r.tags {
			r.tags[i] = math.MinInt64
		}
	}
	i := int((idx%int64(n) + int64(n)) % int64(n))
	switch {
	case r.tags[i] == idx:
		r.vals[i].add(v)
	case r.tags[i] < idx:
		r.tags[i], r.vals[i] = idx, v
	}
}

// credit spreads rate × time over [a, b) (nanoseconds) across the buckets it covers: at most the
// ring's length of them, whatever the span.
func (r *bucketRing) credit(n int, g, a, b int64, rate vec) {
	if b <= a || rate == (vec{}) {
		return
	}
	if oldest := (floorDiv(b-1, g) - int64(n) + 1) * g; a < oldest {
		a = oldest
	}
	for a < b {
		idx := floorDiv(a, g)
		end := min((idx+1)*g, b)
		r.add(n, idx, rate.scaled(end-a))
		a = end
	}
}

// sum adds the buckets from index from to index to (both included).
func (r *bucketRing) sum(from, to int64) vec {
	var v vec
	for i, t := range r.tags {
		if t >= from && t <= to {
			v.add(r.vals[i])
		}
	}
	return v
}

func (r bucketRing) clone() bucketRing {
	if r.tags == nil {
		return r
	}
	return bucketRing{tags: append([]int64(nil), r.tags...), vals: append([]vec(nil), r.vals...)}
}
