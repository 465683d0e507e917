package feed

import (
	"sync"
	"sync/atomic"

	"github.com/deskwatch/deskwatch/internal/peak"
	"github.com/deskwatch/deskwatch/internal/positive"
)

// aheadHeld bounds the memory the decoded events read ahead hold, as the decoder estimates it
// (model.Event.HeldBytes). The window bounds the lines read ahead in bytes of text, but a line's
// decoded events can hold tens of times its bytes (a snapshot listing a thousand interactions of
// 256 empty objects each: 33 MB from 1 MB), and the window grows with the cores (4 batches each):
// past aheadHeld a worker waits before its next line unless its batch is the one Run emits next,
// so what is held ahead is at most aheadHeld plus the line each worker is decoding. A line longer
// than aheadBigLine (no usual event comes near) is decoded only when its batch is the next: one at
// a time, so that the cores do not each decode one (a 1 MiB line can hold 35 MB decoded).
const (
	aheadHeld    = 64 << 20
	aheadBigLine = 64 << 10
)

// aheadBudget counts what the decoded lines read ahead hold, and holds back the workers past it.
type aheadBudget struct {
	most int64
	held atomic.Int64
	next atomic.Uint64 // the batch Run emits next: its worker never waits, so Run always gets on
	peak atomic.Int64  // the most held at once (tests read it)

	mu      sync.Mutex
	cond    *sync.Cond
	stopped bool
}

func newAheadBudget(most int64) *aheadBudget {
	b := &aheadBudget{most: most}
	b.cond = sync.NewCond(&b.mu)
	return b
}

// wait returns once the worker of batch seq may decode its next line: batch seq is the next Run
// emits, or the line is not big and the lines ahead hold less than the budget, or the replay has
// stopped.
func (a *aheadBudget) wait(seq uint64, big bool) {
	if a.next.Load() == seq || !big && a.held.Load() < a.most {
		return
	}
	a.mu.Lock()
	for a.next.Load() != seq && (big || a.held.Load() >= a.most) && !a.stopped {
		a.cond.Wait()
	}
	a.mu.Unlock()
}

// add counts a decoded line's n bytes.
func (a *aheadBudget) add(n int64) { peak.Raise(&a.peak, a.held.Add(n)) }

// emitted gives back the n bytes of batch seq, which Run has emitted whole, and lets the workers of
// the batches after it on.
func (a *aheadBudget) emitted(seq uint64, n int64) {
	a.held.Add(-n)
	a.next.Store(seq + 1)
	a.mu.Lock()
	a.cond.Broadcast()
	a.mu.Unlock()
}

// stop lets every waiting worker go: the replay is over.
func (a *aheadBudget) stop() {
	a.mu.Lock()
	a.stopped = true
	a.cond.Broadcast()
	a.mu.Unlock()
}

// aheadBudget is a new budget for runAhead: aheadHeld, or less where a test set it.
func (r *Replay) aheadBudget() *aheadBudget {
	b := newAheadBudget(positive.Or(r.aheadMost, aheadHeld))
	r.lastBudget = b
	return b
}
