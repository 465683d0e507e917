// Package proptest runs seeded property tests: each seed is a parallel subtest named "seed=N"
// with a random source of its own, so a failure names its seed and
// go test -run 'TestName/seed=N' runs that case alone, as it ran.
package proptest

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// Seeds runs check once for each seed below n, each as a parallel subtest, with a PCG source
// seeded by (seed, stream): tests that pass different streams draw different numbers from the
// same seeds.
func Seeds(t *testing.T, n, stream uint64, check func(t *testing.T, seed uint64, rng *rand.Rand)) {
	t.Helper()
	for seed := range n {
		t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) {
			t.Parallel()
			check(t, seed, rand.New(rand.NewPCG(seed, stream)))
		})
	}
}
