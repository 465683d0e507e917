package model

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/deskwatch/deskwatch/internal/proptest"
)

// TestCheckpointConcurrent (run it with -race): checkpoints are taken while the writer applies and
// readers take snapshots and read every row and agent; each checkpoint is restored twice at once,
// and the restores are fed the rest of the stream concurrently with each other, the writer and the
// readers. Every restore ends equal to a fresh replay.
func TestCheckpointConcurrent(t *testing.T) {
	t.Parallel()
	proptest.Seeds(t, 4, 0, func(t *testing.T, seed uint64, _ *rand.Rand) {
		c := newCkCase(seed, 600)
		want := c.fresh(len(c.ops))
		s := NewStore(c.opts...)
		cks := make(chan ckAt)
		done := make(chan struct{})
		var wg sync.WaitGroup
		for range 2 {
			wg.Go(func() { readUntil(s, c, done) })
		}
		var restored sync.WaitGroup
		restores := make(chan *Store, 64)
		wg.Go(func() {
			for ck := range cks {
				for range 2 {
					restored.Go(func() { restores <- applyOps(ck.ck.Restore(), c.ops[ck.k:]) })
				}
			}
		})
		for i, op := range c.ops {
			if i%100 == 0 {
				cks <- ckAt{s.Checkpoint(), i}
			}
			op(s)
		}
		close(cks)
		close(done)
		wg.Wait()
		restored.Wait()
		close(restores)
		n := 0
		for r := range restores {
			sameState(t, fmt.Sprintf("restore %d", n), r, want, c.now)
			n++
		}
		sameState(t, "the original", s, want, c.now)
	})
}

// ckAt is a checkpoint taken after the first k steps of a stream.
type ckAt struct {
	ck *Checkpoint
	k  int
}

// readUntil reads the store as a viewer does, every row and agent in full, until done.
func readUntil(s *Store, c ckCase, done <-chan struct{}) {
	for {
		select {
		case <-done:
			return
		default:
		}
		o := observe(s, c.now)
		n := 0
		for _, r := range o.Rows {
			for _, ch := range r.Timeline {
				n += len(ch.Text)
			}
		}
		for _, a := range o.Agents {
			n += len(a.Timeline) + len(a.States)
			for _, sp := range a.States {
				n += len(sp.Reason)
			}
		}
		_ = n
	}
}
