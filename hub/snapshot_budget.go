package hub

import (
	"context"
	"sync/atomic"

	"golang.org/x/sync/semaphore"

	"github.com/deskwatch/deskwatch/internal/peak"
)

// filteredSnapshotBytes bounds the bytes of snapshot messages the hub holds at once for monitors
// with a service filter. Each of those encodes its own snapshot, agent by agent, and holds an
// agent's messages until it has written them: with the per-agent caps that is up to 16 MiB of
// interactions, about three times that while encoded, so a few thousand such monitors joining at
// once (slowly reading, or just many) would otherwise make the hub hold tens of gigabytes. A
// monitor over the budget waits for the others' writes (each bounded by the write timeout).
const filteredSnapshotBytes = 256 << 20

// agentOverhead is what an agent's snapshot takes beyond its interactions (login, state, desktop,
// audio alerts), reserved with each agent.
const agentOverhead = 64 << 10

// byteBudget reserves bytes within a size: what filtered monitors' snapshots hold, one agent at a
// time, and the bridges' large messages decoding at once (ingest.go).
type byteBudget struct {
	sem        *semaphore.Weighted
	size       int64
	held, peak atomic.Int64 // reserved now, and the most ever (for the tests)
}

func newByteBudget(size int64) *byteBudget {
	return &byteBudget{sem: semaphore.NewWeighted(size), size: size}
}

// agentBound is the most an agent's snapshot with open interactions may take, encoded: three
// copies of each interaction at its size bound (its parameters, the event, the frame) and the
// rest, within the whole budget (an agent alone may always go).
func (h *Hub) agentBound(open int) int64 {
	n := 3 * (int64(open)*int64(h.cfg.Limits.MaxInteractionBytes) + agentOverhead)
	return min(n, h.snapBudget.size)
}

// acquire reserves n bytes, waiting while the budget is spent, until done closes (false then).
func (b *byteBudget) acquire(done <-chan struct{}, n int64) bool {
	if !b.sem.TryAcquire(n) {
		ctx, cancel := context.WithCancel(context.Background())
		stop := make(chan struct{})
		go func() {
			select {
			case <-done:
				cancel()
			case <-stop:
			}
		}()
		err := b.sem.Acquire(ctx, n)
		close(stop)
		cancel()
		if err != nil {
			return false
		}
	}
	peak.Raise(&b.peak, b.held.Add(n))
	return true
}

// shrink gives back what of n bytes acquired is more than held, and returns what stays reserved:
// an agent's snapshot is reserved at its worst case to encode, and at its size while it is written
// (to a slow monitor, for up to the write timeout a message).
func (b *byteBudget) shrink(n, held int64) int64 {
	if held >= n {
		return n
	}
	b.release(n - held)
	return held
}

// release gives back n bytes acquired.
func (b *byteBudget) release(n int64) {
	b.held.Add(-n)
	b.sem.Release(n)
}
