package travel_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/feed"
	"github.com/deskwatch/deskwatch/model"
	"github.com/deskwatch/deskwatch/travel"
)

// small are checkpoint bounds that a stream of a few hundred messages already thins.
var small = travel.Options{Every: 37, MaxCheckpoints: 5}

// TestFileSeekMatchesReplay is the property of a file's history: for random streams and random
// targets, the store after Seek(n), and after steps either way from there, equals a fresh replay
// stopped at message n in everything a viewer sees.
func TestFileSeekMatchesReplay(t *testing.T) {
	t.Parallel()
	forStreams(t, false, func(t *testing.T, seed uint64, msgs []feed.Message) {
		path := writeFile(t, msgs, seed, seed%2 == 1)
		h := indexed(t, path, small)
		if n, _, every := h.Checkpoints(); n < small.MaxCheckpoints/2 || n > small.MaxCheckpoints || every <= small.Every {
			t.Fatalf("%d checkpoints every %d messages, want thinned to at most %d", n, every, small.MaxCheckpoints)
		}
		checkSeeks(t, h, func(n int64) *model.Store { return replayTo(t, path, n) }, seed)
	})
}

// TestLiveSeekMatchesPump is the property of a live history: a stream with reconnects (each a
// resync) fed to a pump, and the store after any seek equals a fresh pump's after as many messages.
func TestLiveSeekMatchesPump(t *testing.T) {
	t.Parallel()
	forStreams(t, true, func(t *testing.T, seed uint64, msgs []feed.Message) {
		p, h := livePump(small)
		for _, m := range msgs {
			p.Handle(m)
		}
		sameState(t, "the live store", p.Store(), pumpTo(msgs, int64(len(msgs))), wall)
		checkSeeks(t, h, func(n int64) *model.Store { return pumpTo(msgs, n) }, seed)
	})
}

// forStreams runs check as a parallel subtest on each of four random streams (see stream), with
// reconnects when conns.
func forStreams(t *testing.T, conns bool, check func(t *testing.T, seed uint64, msgs []feed.Message)) {
	for seed := range uint64(4) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			t.Parallel()
			check(t, seed, stream(seed, 500+int(seed)*100, conns))
		})
	}
}

// checkSeeks seeks h to random positions (and its bounds) and steps from there, comparing each
// store with want's.
func checkSeeks(t *testing.T, h travel.History, want func(n int64) *model.Store, seed uint64) {
	t.Helper()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(seed, 3))
	first, last := h.Bounds()
	now := last.At.Add(time.Minute)
	targets := []int64{first.N, last.N, first.N + 1, last.N - 1}
	for range 6 {
		targets = append(targets, first.N+rng.Int64N(last.N-first.N+1))
	}
	for _, n := range targets {
		c, err := h.Seek(ctx, n)
		if err != nil {
			t.Fatalf("Seek(%d): %v", n, err)
		}
		if c.Pos.N != n {
			t.Fatalf("Seek(%d) is at %d", n, c.Pos.N)
		}
		sameState(t, fmt.Sprintf("Seek(%d)", n), c.Store, want(n), now)
		for _, d := range []int64{1, -1, 40, -77} {
			if err := c.Step(ctx, d); err != nil {
				t.Fatalf("Step(%d) from %d: %v", d, c.Pos.N, err)
			}
			to := min(max(n+d, first.N), last.N)
			if c.Pos.N != to {
				t.Fatalf("Step(%d) from %d is at %d, want %d", d, n, c.Pos.N, to)
			}
			sameState(t, fmt.Sprintf("Step(%d) from %d", d, n), c.Store, want(to), now)
			n = to
		}
		to := first.N + rng.Int64N(last.N-first.N+1)
		if err := c.Goto(ctx, to); err != nil || c.Pos.N != to {
			t.Fatalf("Goto(%d) from %d: at %d, %v", to, n, c.Pos.N, err)
		}
		sameState(t, fmt.Sprintf("Goto(%d) from %d", to, n), c.Store, want(to), now)
	}
}
