package model_test

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/deskwatch/deskwatch/internal/synth"
	"github.com/deskwatch/deskwatch/model"
)

// TestPublishedRowsNeverChange: the store changes rows and agents in place only while no reader can
// have them; whatever a snapshot or Row handed out stays exactly as it was, however many events
// follow, in bursts of any size.
func TestPublishedRowsNeverChange(t *testing.T) {
	t.Parallel()
	store := model.NewStore(model.WithRetention(200))
	g := synth.NewGenerator(synth.GeneratorConfig{Seed: 8, Agents: 15})
	rng := rand.New(rand.NewPCG(3, 4))
	type kept struct {
		rows   []*model.Row
		copies []model.Row
		agents []*model.Agent
		acopy  []model.Agent
	}
	var all []kept
	var keys []string
	bursts := []int{1, 2, 5, 50, 200}
	for range 150 {
		applyGenerated(t, store, g, bursts[rng.IntN(len(bursts))])
		var k kept
		if rng.IntN(4) == 0 && len(keys) > 0 { // a viewer opening one row's detail, no snapshot
			if r := store.Row(keys[rng.IntN(len(keys))]); r != nil {
				k.rows = []*model.Row{r}
			}
		} else {
			sn := store.Snapshot()
			k.rows, k.agents = sn.Rows, sn.Agents
			keys = keys[:0]
			for _, r := range sn.Rows {
				keys = append(keys, r.Key)
			}
		}
		for _, r := range k.rows {
			c := *r
			c.Timeline = slices.Clone(r.Timeline)
			k.copies = append(k.copies, c)
		}
		for _, a := range k.agents {
			c := *a
			c.Timeline = slices.Clone(a.Timeline)
			k.acopy = append(k.acopy, c)
		}
		all = append(all, k)
	}
	for i, k := range all {
		for j, r := range k.rows {
			if !reflect.DeepEqual(*r, k.copies[j]) {
				t.Fatalf("handout %d: row %s changed after it was published", i, r.Key)
			}
		}
		for j, a := range k.agents {
			if !reflect.DeepEqual(*a, k.acopy[j]) {
				t.Fatalf("handout %d: agent %s changed after it was published", i, a.ID)
			}
		}
	}
}
