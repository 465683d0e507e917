package model

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/internal/proptest"
)

// TestCheckpointOtherService: past maxFloorServices, interactions count under OtherService; a
// restore makes their open-row facts again under the same keys, so their transfers, answers and
// ends after it count where a fresh replay counts them.
func TestCheckpointOtherService(t *testing.T) {
	t.Parallel()
	at := t0
	var ops []ckOp
	ix := func(i int, svc string, st State) ckOp {
		at = at.Add(time.Second)
		in := &Interaction{ID: fmt.Sprintf("i%d", i), Type: TypeVoice, State: st, Service: &svc}
		ev := Event{Type: EvInteractionStateChange, AgentID: "a", TS: at, Payload: in}
		return func(s *Store) { s.Apply(ev, ev.TS) }
	}
	for i := range maxFloorServices + 3 {
		ops = append(ops, ix(i, fmt.Sprintf("s%d", i), StateQueued))
	}
	k := len(ops)
	for i := maxFloorServices - 2; i < maxFloorServices+3; i++ {
		ops = append(ops, ix(i, fmt.Sprintf("s%d", i), StateDelivered), ix(i, "s0", StateHold),
			ix(i+10000, fmt.Sprintf("x%d", i), StateQueued))
	}
	ops = append(ops, ix(maxFloorServices, "s0", StateCompleted))
	opts := []Option{WithWallClock(func() time.Time { return t0 })}
	want := applyOps(NewStore(opts...), ops)
	got := applyOps(applyOps(NewStore(opts...), ops[:k]).Checkpoint().Restore(), ops[k:])
	if ff := want.Snapshot().Floor.Figures(at, SinceStart); ff.Services[0].Service != OtherService {
		t.Fatalf("no %q among the services: %+v", OtherService, ff.Services[0])
	}
	sameState(t, "past the services' bound", got, want, at.Add(time.Minute))
}

// forgetStep is one step on a forgotten set: add key, or revive it.
type forgetStep struct {
	key    string
	revive bool
}

// forgetSteps makes n random steps for a forgotten set of limit keys, and the keys revived (held
// by the store) after them.
func forgetSteps(r *rand.Rand, limit, n int) ([]forgetStep, map[string]bool) {
	ref, held := newForgotten(limit), map[string]bool{}
	steps := make([]forgetStep, n)
	for i := range steps {
		key := fmt.Sprint(r.IntN(3 * limit))
		steps[i] = forgetStep{key: key}
		if !held[key] && ref.has(key) && r.IntN(4) == 0 {
			steps[i].revive, held[key] = true, true
			ref.revive(key)
		} else {
			delete(held, key)
			ref.add(key)
		}
	}
	return steps, held
}

func (f *forgotten) apply(steps []forgetStep) *forgotten {
	for _, st := range steps {
		if st.revive {
			f.revive(st.key)
		} else {
			f.add(st.key)
		}
	}
	return f
}

// TestForgottenRestored: forgotten sets restored (twice) from one saved at a cut answer has as the
// original for every key not revived (the store asks only of keys it does not hold; a revived key
// it holds until it evicts it again, which adds it anew), as all go on from the cut, in turns;
// the saved set is unchanged by all of it.
func TestForgottenRestored(t *testing.T) {
	t.Parallel()
	proptest.Seeds(t, 40, 7, func(t *testing.T, _ uint64, r *rand.Rand) {
		limit := 1 + r.IntN(3*keyPageSize)
		steps, held := forgetSteps(r, limit, 4*limit)
		k := r.IntN(len(steps) + 1)
		f := newForgotten(limit)
		saved := f.apply(steps[:k]).saved()
		g, h := saved.restored(), saved.restored()
		for i := k; i < len(steps); i++ {
			f.apply(steps[i : i+1])
			g.apply(steps[i : i+1])
			if i%5 == 0 {
				f.saved() // more checkpoints: pages shared again
			}
		}
		h.apply(steps[k:])
		again, ref := saved.restored(), newForgotten(limit)
		ref.apply(steps[:k])
		for n := range 3 * limit {
			key := fmt.Sprint(n)
			if !held[key] && (f.has(key) != g.has(key) || f.has(key) != h.has(key)) {
				t.Fatalf("cut %d: has(%s) %v, restored %v and %v", k, key, f.has(key), g.has(key), h.has(key))
			}
			if again.has(key) != ref.has(key) && ref.has(key) {
				t.Fatalf("cut %d: has(%s) %v after the cut, restored again %v", k, key, ref.has(key), again.has(key))
			}
		}
	})
}

// TestResyncEndLeavesSnapshotsAlone: the end of a resync ends the open rows of the agents it did not
// list, which counts them handled: on a copy of each agent, never on the one a snapshot holds.
func TestResyncEndLeavesSnapshotsAlone(t *testing.T) {
	t.Parallel()
	s := NewStore()
	at := t0
	s.Apply(Event{Type: EvNewInteraction, AgentID: "b", TS: at,
		Payload: &Interaction{ID: "i1", Type: TypeVoice, State: StateDelivered}}, at)
	before := s.Snapshot()
	s.BeginResync()
	s.Apply(Event{Type: EvInteractionsState, AgentID: "a", TS: at, Payload: &InteractionsState{}}, at)
	s.Apply(Event{Type: EvResyncEnd, TS: at, Payload: ResyncEnd{}}, at)
	after := s.Snapshot()
	if got, want := before.Agents[0].Handled, 0; got != want {
		t.Errorf("the earlier snapshot's agent has %d handled, want %d", got, want)
	}
	if got, want := after.Agents[0].Handled, 1; got != want {
		t.Errorf("agent %s has %d handled after the resync, want %d", after.Agents[0].ID, got, want)
	}
}
