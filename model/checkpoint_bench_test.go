package model

import (
	"fmt"
	"testing"
	"time"
)

// benchFloorStore is a store in a busy steady state: 500 agents logged in, 20,000 interactions
// ended (10,000 retained, the default, and the 10,000 evicted remembered) and 1,000 open, in five
// services.
func benchFloorStore() *Store {
	s := NewStore()
	at := t0
	for a := range 500 {
		s.Apply(Event{Type: EvLogin, AgentID: fmt.Sprintf("agent%03d", a), TS: at, Payload: &Login{IsLoggedIn: true}}, at)
	}
	services := []string{"Sales", "Support", "Billing", "Claims", "Retention"}
	for i := range 21000 {
		at = at.Add(100 * time.Millisecond)
		agent := fmt.Sprintf("agent%03d", i%500)
		svc := services[i%len(services)]
		in := &Interaction{ID: fmt.Sprintf("int-%06d", i), Type: TypeVoice, State: StateDelivered, Service: &svc}
		s.Apply(Event{Type: EvNewInteraction, AgentID: agent, TS: at, Payload: in}, at)
		if i < 20000 {
			s.Apply(Event{Type: EvInteractionRemoved, AgentID: agent, TS: at, Payload: in}, at)
		}
	}
	return s
}

// BenchmarkCheckpoint is the cost of a checkpoint of benchFloorStore's store, and of a restore
// from it; B/checkpoint is the checkpoint's Bytes estimate.
func BenchmarkCheckpoint(b *testing.B) {
	s := benchFloorStore()
	if st := s.Snapshot().Stats; st.Ended != DefaultRetention || st.Open != 1000 {
		b.Fatalf("the store holds %d ended, %d open", st.Ended, st.Open)
	}
	b.Run("checkpoint", func(b *testing.B) {
		b.ReportAllocs()
		var ck *Checkpoint
		for b.Loop() {
			ck = s.Checkpoint()
		}
		b.ReportMetric(float64(ck.Bytes()), "B/checkpoint")
	})
	b.Run("restore", func(b *testing.B) {
		ck := s.Checkpoint()
		b.ReportAllocs()
		for b.Loop() {
			ck.Restore()
		}
	})
}

// BenchmarkIngestCheckpointEvery is BenchmarkIngest's path (decode and apply) over 20,000 lines,
// with a checkpoint every 5,000 events kept (as a history keeps them) and without, in the same run:
// what checkpoints cost the ingest.
func BenchmarkIngestCheckpointEvery(b *testing.B) {
	lines := benchLines(20000)
	for _, every := range []int{0, 5000} {
		name := "without"
		if every > 0 {
			name = fmt.Sprintf("every%d", every)
		}
		b.Run(name, func(b *testing.B) {
			b.SetBytes(totalBytes(lines))
			b.ReportAllocs()
			var kept []*Checkpoint
			for b.Loop() {
				s := NewStore()
				kept = kept[:0]
				for i, l := range lines {
					ev, err := Decode(l)
					if err != nil {
						b.Fatal(err)
					}
					s.Apply(ev, ev.TS)
					if every > 0 && (i+1)%every == 0 {
						kept = append(kept, s.Checkpoint())
					}
				}
			}
			b.ReportMetric(float64(len(lines)*b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}
