package model

import (
	"math"
	"math/bits"
	"slices"
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
		v[i] = satAdd(v[i], w[i])
	}
}

func (v vec) plus(w vec) vec {
	v.add(w)
	return v
}

// span is a single summed duration (an agent's time not ready for one reason).
type span int64

func (d span) plus(e span) span    { return span(satAdd(int64(d), int64(e))) }
func (d span) scaled(n int64) span { return span(satMul(int64(d), n)) }

// summable is what a bucketRing sums.
type summable[V any] interface {
	comparable
	plus(V) V
	scaled(int64) V
}

// scaled is v × d (a rate over d nanoseconds).
func (v vec) scaled(d int64) vec {
	for i := range v {
		v[i] = satMul(v[i], d)
	}
	return v
}

// satAdd is a + b, held at the int64 bounds instead of wrapping: sums of nanoseconds overflow
// after 292 years, which a hostile stream reaches in a few events (ts may span 1970 to 2200), and
// a figure must never turn negative.
func satAdd(a, b int64) int64 {
	s := a + b
	switch {
	case a > 0 && b > 0 && s < 0:
		return math.MaxInt64
	case a < 0 && b < 0 && s >= 0:
		return math.MinInt64
	}
	return s
}

// satMul is a × b (b ≥ 0, a rate times a span), held at the int64 bounds as satAdd is.
func satMul(a, b int64) int64 {
	if a == 0 || b == 0 {
		return 0
	}
	if hi, lo := bits.Mul64(uint64(max(a, -a)), uint64(b)); hi != 0 || lo > math.MaxInt64 {
		if a < 0 {
			return math.MinInt64
		}
		return math.MaxInt64
	}
	return a * b
}

// floorBuckets is how many buckets the rolling window is cut in; its granularity is the window ÷
// floorBuckets rounded up to whole seconds.
const floorBuckets = 90

// bucketWidth is the granularity of a rolling window of length w.
func bucketWidth(w time.Duration) int64 {
	g := (w + floorBuckets - 1) / floorBuckets
	return int64(max(g.Round(time.Second), time.Second)) // round, then at least 1 s
}

// ringPageSlots is the number of buckets in a page of a bucketRing: the unit it copies on write.
const ringPageSlots = 16

// ringGeom is how a record's rings are laid out: n buckets (a multiple of ringPageSlots) of g
// nanoseconds; epoch is the store's, to copy a page a snapshot may share before writing it.
type ringGeom struct {
	n     int
	g     int64
	epoch uint64
}

// bucketRing sums quantities per bucket of g nanoseconds of event time, for the last n buckets: a
// slot holds the bucket whose index (time ÷ g) is its tag. The slots are in pages shared with the
// snapshots that hold the record and copied before a write (a record's copy copies the page
// pointers only). Allocated on first use.
type bucketRing[V summable[V]] struct {
	pages []*ringPage[V]
}

type ringPage[V summable[V]] struct {
	epoch uint64
	tags  [ringPageSlots]int64
	vals  [ringPageSlots]V
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
func (r *bucketRing[V]) add(geo ringGeom, idx int64, v V) {
	if r.pages == nil {
		r.pages = make([]*ringPage[V], geo.n/ringPageSlots)
		for i := range r.pages {
			r.pages[i] = &ringPage[V]{epoch: geo.epoch}
			for j := range r.pages[i].tags {
				r.pages[i].tags[j] = math.MinInt64
			}
		}
	}
	n := int64(geo.n)
	slot := int((idx%n + n) % n)
	pg, i := slot/ringPageSlots, slot%ringPageSlots
	p := r.pages[pg]
	if p.tags[i] > idx {
		return
	}
	if p.epoch != geo.epoch {
		c := *p
		c.epoch = geo.epoch
		p = &c
		r.pages[pg] = p
	}
	if p.tags[i] == idx {
		p.vals[i] = p.vals[i].plus(v)
	} else {
		p.tags[i], p.vals[i] = idx, v
	}
}

// credit spreads rate × time over [a, b) (nanoseconds) across the buckets it covers: at most the
// ring's length of them, whatever the span.
func (r *bucketRing[V]) credit(geo ringGeom, a, b int64, rate V) {
	var zero V
	if b <= a || rate == zero {
		return
	}
	if oldest := (floorDiv(b-1, geo.g) - int64(geo.n) + 1) * geo.g; a < oldest {
		a = oldest
	}
	for a < b {
		idx := floorDiv(a, geo.g)
		end := min((idx+1)*geo.g, b)
		r.add(geo, idx, rate.scaled(end-a))
		a = end
	}
}

// sum adds the buckets from index from to index to (both included).
func (r *bucketRing[V]) sum(from, to int64) V {
	var v V
	for _, p := range r.pages {
		for i, t := range &p.tags {
			if t >= from && t <= to {
				v = v.plus(p.vals[i])
			}
		}
	}
	return v
}

// clone is a copy of r for a record's copy: the pages are shared until written.
func (r bucketRing[V]) clone() bucketRing[V] {
	return bucketRing[V]{pages: slices.Clone(r.pages)}
}
