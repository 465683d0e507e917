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
// with a checkpoint every 5,000 events kept (as a history keeps them) and without: each iteration
// runs both, alternating which goes first, so a loaded machine slows both alike. It reports the
// mean time of each pass and the overhead of the checkpoints in percent.
func BenchmarkIngestCheckpointEvery(b *testing.B) {
	lines := benchLines(20000)
	b.SetBytes(2 * totalBytes(lines))
	b.ReportAllocs()
	var spent [2]time.Duration // without, with
	for i := 0; b.Loop(); i++ {
		for j := range 2 {
			with := (i+j)%2 == 1
			start := time.Now()
			ingestEvery(b, lines, with)
			spent[b2i(with)] += time.Since(start)
		}
	}
	n := float64(b.N)
	b.ReportMetric(float64(spent[0].Nanoseconds())/n, "ns/without")
	b.ReportMetric(float64(spent[1].Nanoseconds())/n, "ns/every5000")
	b.ReportMetric(100*(float64(spent[1])/float64(spent[0])-1), "%overhead")
}

// ingestEvery decodes and applies lines into a new store, keeping a checkpoint every 5,000 events
// when with is set.
func ingestEvery(b *testing.B, lines [][]byte, with bool) {
	s := NewStore()
	var kept []*Checkpoint
	for i, l := range lines {
		ev, err := Decode(l)
		if err != nil {
			b.Fatal(err)
		}
		s.Apply(ev, ev.TS)
		if with && (i+1)%5000 == 0 {
			kept = append(kept, s.Checkpoint())
		}
	}
	if with && len(kept) != len(lines)/5000 {
		b.Fatal("checkpoints lost")
	}
}
