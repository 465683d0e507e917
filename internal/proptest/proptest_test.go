package proptest

import (
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
)

// TestSeedsNamesAndSourcesEachSeed: every seed runs once, under its own name, with the source a
// PCG of (seed, stream) gives, so a failure's seed reproduces its numbers.
func TestSeedsNamesAndSourcesEachSeed(t *testing.T) {
	var mu sync.Mutex
	got := map[uint64]uint64{}
	var names []string
	t.Run("all", func(t *testing.T) {
		Seeds(t, 5, 9, func(t *testing.T, seed uint64, rng *rand.Rand) {
			mu.Lock()
			defer mu.Unlock()
			got[seed] = rng.Uint64()
			names = append(names, t.Name())
		})
	})
	if len(got) != 5 {
		t.Fatalf("ran %d seeds, want 5", len(got))
	}
	for seed, first := range got {
		if want := rand.New(rand.NewPCG(seed, 9)).Uint64(); first != want {
			t.Errorf("seed %d drew %d first, want %d", seed, first, want)
		}
	}
	slices.Sort(names)
	if n := strings.Join(names, " "); n != "TestSeedsNamesAndSourcesEachSeed/all/seed=0 TestSeedsNamesAndSourcesEachSeed/all/seed=1 "+
		"TestSeedsNamesAndSourcesEachSeed/all/seed=2 TestSeedsNamesAndSourcesEachSeed/all/seed=3 TestSeedsNamesAndSourcesEachSeed/all/seed=4" {
		t.Errorf("subtests %s", n)
	}
}
