package model

import "time"

// The trend keeps one sample per TrendStep of event time, TrendLen of them: the last ten minutes
// of open interactions and events, for the header's sparkline. It follows event time, not the
// wall clock, so a replay at any speed draws the trend the live floor had.
const (
	TrendStep = 10 * time.Second
	TrendLen  = 60
)

// TrendPoint is one step of the trend.
type TrendPoint struct {
	// At is the start of the step.
	At time.Time
	// Open is the most interactions open at once during the step; Events counts the events
	// applied in it.
	Open   int
	Events int
}

// trend is a ring of TrendLen points; the writer holds the store's lock.
type trend struct {
	buf  [TrendLen]TrendPoint
	step int64 // the newest step's index (event time / TrendStep); 0 before the first event
	n    int   // points in use
	last int   // open interactions after the latest event
}

// record counts one event at event time at, with open interactions open after it. Steps without
// events carry the open count over; an event older than the newest step counts in the newest.
func (t *trend) record(at time.Time, open int) {
	step := at.UnixNano() / int64(TrendStep)
	switch {
	case t.n == 0:
		t.step, t.n = step, 1
		t.buf[t.index(step)] = TrendPoint{At: stepTime(step)}
	case step > t.step:
		from := max(t.step+1, step-TrendLen+1)
		for s := from; s <= step; s++ {
			t.buf[t.index(s)] = TrendPoint{At: stepTime(s), Open: t.last}
		}
		t.n = min(t.n+int(step-t.step), TrendLen)
		t.step = step
	}
	p := &t.buf[t.index(t.step)]
	p.Open = max(p.Open, open)
	p.Events++
	t.last = open
}

func (t *trend) index(step int64) int {
	return int(((step % TrendLen) + TrendLen) % TrendLen)
}

func stepTime(step int64) time.Time { return time.Unix(0, step*int64(TrendStep)) }

// points returns the samples oldest first.
func (t *trend) points() []TrendPoint {
	out := make([]TrendPoint, t.n)
	for i := range t.n {
		out[i] = t.buf[t.index(t.step-int64(t.n-1-i))]
	}
	return out
}
