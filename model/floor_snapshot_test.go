package model

import (
	"math/rand/v2"
	"reflect"
	"sync"
	"testing"
)

// TestFloorSnapshotImmutable: readers compute figures and read state histories from snapshots while
// the writer applies a random stream; under -race any write to a published record or span is
// reported, and a snapshot's figures read again after the stream has ended are unchanged.
func TestFloorSnapshotImmutable(t *testing.T) {
	t.Parallel()
	s := NewStore(WithKPILimits(propLimits))
	g := &floorGen{r: rand.New(rand.NewPCG(7, 14)), at: t0, open: map[string]*Interaction{}, down: map[string]bool{}}
	events := make([]refEvent, 3000)
	for i := range events {
		events[i] = g.next()
	}
	end := events[len(events)-1].at
	type seen struct {
		sn    *Snapshot
		ff    FloorFigures
		spans int
	}
	var mu sync.Mutex
	var kept []seen
	var wg sync.WaitGroup
	done, first := make(chan struct{}), make(chan struct{})
	var once sync.Once
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-done:
					return
				default:
				}
				sn := s.Snapshot()
				ff := sn.Floor.Figures(end, Rolling)
				spans := 0
				for _, a := range sn.Agents {
					for _, sp := range a.States {
						spans += len(sp.State)
					}
				}
				mu.Lock()
				if len(kept) < 200 {
					kept = append(kept, seen{sn, ff, spans})
				}
				mu.Unlock()
				once.Do(func() { close(first) })
			}
		}()
	}
	for i, e := range events {
		if i == len(events)/2 {
			<-first // a reader has read while the stream goes on, however busy the machine
		}
		s.Apply(e.event(), e.at)
	}
	close(done)
	wg.Wait()
	for _, k := range kept {
		spans := 0
		for _, a := range k.sn.Agents {
			for _, sp := range a.States {
				spans += len(sp.State)
			}
		}
		if ff := k.sn.Floor.Figures(end, Rolling); !reflect.DeepEqual(ff, k.ff) || spans != k.spans {
			t.Fatalf("snapshot %d changed:\n then %+v\n  now %+v", k.sn.Version, k.ff, ff)
		}
	}
	if len(kept) == 0 {
		t.Fatal("no snapshot taken")
	}
}
