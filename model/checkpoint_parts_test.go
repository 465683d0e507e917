package model

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
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

// TestForgottenRestored: a forgotten set saved and restored answers has as the original for every
// key that is not revived (the store asks only of keys it does not hold; a revived key it holds
// until it evicts it again, which adds it anew), as both go on.
func TestForgottenRestored(t *testing.T) {
	t.Parallel()
	for seed := range uint64(50) {
		r := rand.New(rand.NewPCG(seed, 7))
		f := newForgotten(1 + r.IntN(20))
		held := map[string]bool{} // revived keys
		step := func(fs ...*forgotten) {
			key := fmt.Sprint(r.IntN(30))
			if held[key] || r.IntN(4) > 0 {
				delete(held, key)
				for _, f := range fs {
					f.add(key)
				}
			} else if f.has(key) {
				held[key] = true
				for _, f := range fs {
					f.revive(key)
				}
			}
		}
		for range r.IntN(100) {
			step(&f)
		}
		g := f.saved().restored()
		for i := range 100 {
			step(&f, &g)
			for k := range 30 {
				key := fmt.Sprint(k)
				if !held[key] && f.has(key) != g.has(key) {
					t.Fatalf("seed %d, step %d: has(%s) %v, restored %v", seed, i, key, f.has(key), g.has(key))
				}
			}
		}
	}
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
