package model_test

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/internal/synth"
	"github.com/deskwatch/deskwatch/model"
)

// TestLiveQueryMatchesRun drives a store with the generator through thousands of changes of every
// size (one event to hundreds, evictions included), changes the query and moves the clock at random,
// and checks that every LiveQuery result is exactly Query.Run's, and that results already returned
// are never modified.
func TestLiveQueryMatchesRun(t *testing.T) {
	filters := []string{"", "type:voice", "-state:delivered", "state:ended", "state:open caller",
		"dur>2m", "hold>20s", "muted:yes", "rec:no -type:email", "agent:a*", "service:S*", "party:+1",
		"dir:in", "billing"}
	var sorts []model.SortKey // every sort key, however many there are
	for k := model.SortStarted; len(sorts) == 0 || k != model.SortStarted; k = k.Next() {
		sorts = append(sorts, k)
	}
	rng := rand.New(rand.NewPCG(7, 11))
	t.Parallel()
	store := model.NewStore(model.WithRetention(150))
	g := synth.NewGenerator(synth.GeneratorConfig{Seed: 5, Agents: 25})
	randomQuery := func() model.Query {
		f, err := model.ParseFilter(filters[rng.IntN(len(filters))])
		if err != nil {
			t.Fatal(err)
		}
		return model.Query{Filter: f, Sort: sorts[rng.IntN(len(sorts))], Desc: rng.IntN(2) == 0,
			HideEnded: rng.IntN(3) == 0, OpenFirst: rng.IntN(2) == 0}
	}
	applyGenerated(t, store, g, 2000)
	q := randomQuery()
	live := model.NewLiveQuery(q)
	now := g.Now()
	var kept, keptCopy []*model.Row
	batches := []int{0, 0, 1, 1, 1, 2, 3, 5, 10, 40, 200}
	for step := range 1500 {
		applyGenerated(t, store, g, batches[rng.IntN(len(batches))])
		switch rng.IntN(20) {
		case 0:
			q = randomQuery()
			live.SetQuery(q)
		case 1, 2, 3:
			now = g.Now().Add(time.Duration(rng.IntN(90)) * time.Second) // far enough to cross dur>2m, hold>20s
		}
		rows := store.Snapshot().Rows
		got := live.Rows(rows, now)
		want := q.Run(rows, now)
		if !slices.Equal(got, want) {
			t.Fatalf("step %d, query %q sort %v desc %v hide %v: LiveQuery gives %d rows, Run %d (stats %+v)",
				step, q.Filter, q.Sort, q.Desc, q.HideEnded, len(got), len(want), live.Stats())
		}
		if !slices.Equal(kept, keptCopy) {
			t.Fatalf("step %d: a result returned earlier was modified", step)
		}
		kept, keptCopy = got, slices.Clone(got)
	}
	st := live.Stats()
	t.Logf("%+v over %d events", st, store.Snapshot().Stats.Events)
	if st.Incremental < 500 || st.Unchanged < 100 || st.Full < 50 {
		t.Errorf("the test did not exercise every path: %+v", st)
	}
}

// TestLiveQueryNotRedone: the same snapshot again costs nothing, whatever the clock does when the
// query does not depend on it; a one-row change filters one or two rows, not all of them.
func TestLiveQueryNotRedone(t *testing.T) {
	store := model.NewStore()
	g := synth.NewGenerator(synth.GeneratorConfig{Seed: 2, Agents: 10})
	applyGenerated(t, store, g, 2000)
	live := model.NewLiveQuery(model.Query{Sort: model.SortState})
	sn := store.Snapshot()
	now := g.Now()
	first := live.Rows(sn.Rows, now)
	for i := range 10 {
		if got := live.Rows(sn.Rows, now.Add(time.Duration(i)*time.Second)); &got[0] != &first[0] {
			t.Fatal("an unchanged snapshot gave a new result")
		}
	}
	applyGenerated(t, store, g, 1)
	live.Rows(store.Snapshot().Rows, now)
	if st := live.Stats(); st.Full != 1 || st.Unchanged != 10 || st.Incremental != 1 || st.Rows > 2 {
		t.Errorf("stats %+v: want 1 full run, 10 unchanged, 1 incremental over at most 2 rows", st)
	}
	// A duration sort depends on the clock: a new second is a full run, the same one is not.
	live.SetQuery(model.Query{Sort: model.SortDuration})
	sn = store.Snapshot()
	live.Rows(sn.Rows, now)
	live.Rows(sn.Rows, now)
	live.Rows(sn.Rows, now.Add(time.Second))
	if st := live.Stats(); st.Full != 3 || st.Unchanged != 11 {
		t.Errorf("duration sort: stats %+v, want 3 full runs and 11 unchanged", st)
	}
}
