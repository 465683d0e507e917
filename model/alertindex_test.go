package model_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/internal/proptest"
	"github.com/deskwatch/deskwatch/internal/synth"
	"github.com/deskwatch/deskwatch/model"
)

// TestAlertIndexMatchesRecount drives stores through random generated event sequences (holds,
// mutes, recording pauses, audio alerts, removals, evictions past a small retention, desktops
// disconnecting, so that their rows are stale and do not alert, and reconnecting), a clock that
// mostly moves on (sometimes a moment back, as a second viewer's would, or far back, as a replay
// moved back), and rules that change as a configuration reload changes them: after every step the
// shared index's counts are exactly the counts recomputed from scratch, and the rows it reports
// as having begun alerting with time bring a recount of the previous step to this one.
func TestAlertIndexMatchesRecount(t *testing.T) {
	t.Parallel()
	proptest.Seeds(t, 8, 7, func(t *testing.T, seed uint64, rng *rand.Rand) {
		store := model.NewStore(model.WithRetention(20 + rng.IntN(40)))
		g := synth.NewGenerator(synth.GeneratorConfig{Seed: int64(seed), Agents: 6 + rng.IntN(10), Rate: 2})
		rules := randomRules(rng)
		var prev *model.AlertCounts
		var prevAlerting map[*model.Row]bool
		var used []model.AlertRules
		var older *model.Snapshot
		clock := g.Now()
		for step := range 600 {
			eachGenerated(t, g, rng.IntN(4)*rng.IntN(8), store.Apply)
			if rng.IntN(15) == 0 {
				desktopEvent(t, rng, store, g.Now())
			}
			clock = moveClock(rng, clock, g.Now())
			if rng.IntN(50) == 0 { // a reload: new rules, or rules used before (an index behind)
				used = append(used, rules)
				rules, prev = randomRules(rng), nil
				if rng.IntN(2) == 0 {
					rules = used[rng.IntN(len(used))]
				}
			}
			sn := store.Snapshot()
			ix := store.AlertIndex(rules)
			c := ix.Counts(sn, clock)
			if older != nil && rng.IntN(5) == 0 && ix.Counts(older, clock) != c {
				t.Fatalf("step %d: a viewer a snapshot behind got other counts", step)
			}
			older = sn
			where := fmt.Sprintf("step %d (version %d, clock %v, rules %+v)", step, sn.Version, clock, rules)
			alerting := checkCounts(t, where, rules, sn, c)
			if prev != nil && prev.Version == c.Version && ix.Flips(c.Version, prev.Gen, c.Gen, func(r *model.Row) {
				prevAlerting[r] = true
			}) && !sameSet(prevAlerting, alerting) {
				t.Fatalf("%s: the previous step's alerting rows and the flips are %d rows, a recount %d",
					where, len(prevAlerting), len(alerting))
			}
			prev, prevAlerting = c, alerting
		}
	})
}

// desktopEvent says, as a hub does, that a random agent's desktop disconnected (its open rows are
// stale: they do not alert), connected again, or is gone (its rows end).
func desktopEvent(t *testing.T, rng *rand.Rand, store *model.Store, at time.Time) {
	t.Helper()
	agents := store.Snapshot().Agents
	if len(agents) == 0 {
		return
	}
	status := []string{"disconnected", "disconnected", "connected", "gone"}[rng.IntN(4)]
	line := fmt.Sprintf(`{"type":%q,"agentId":%q,"ts":%d,"params":[{"status":%q,"reason":"test"}]}`,
		model.EvDesktop, agents[rng.IntN(len(agents))].ID, at.UnixMilli(), status)
	ev, err := model.Decode([]byte(line))
	if err != nil {
		t.Fatal(err)
	}
	store.Apply(ev, at)
}

// randomRules draws rules with short limits, so that rows cross them within a test's minutes.
func randomRules(rng *rand.Rand) model.AlertRules {
	limit := func() time.Duration {
		if rng.IntN(5) == 0 {
			return 0 // the rule off
		}
		return time.Duration(1+rng.IntN(40)) * time.Second
	}
	return model.AlertRules{Hold: limit(), Queued: limit(), Muted: limit(),
		NotRecording: rng.IntN(2) == 0, AudioQuality: rng.IntN(2) == 0,
		ServerError: true, EventsLost: true, Recent: time.Minute}
}

// moveClock mostly moves the clock on to the stream's time and a little past it; sometimes a
// moment back, sometimes minutes back (a replay moved back), sometimes not at all (a frozen clock).
func moveClock(rng *rand.Rand, clock, stream time.Time) time.Time {
	switch rng.IntN(20) {
	case 0:
		return clock.Add(-time.Duration(rng.IntN(1000)) * time.Millisecond)
	case 1:
		return clock.Add(-time.Duration(rng.IntN(300)) * time.Second)
	case 2:
		return clock
	}
	if stream.After(clock) {
		clock = stream
	}
	return clock.Add(time.Duration(rng.IntN(3000)) * time.Millisecond)
}

// checkCounts compares the index's counts with a recount of sn at the counts' clock (the index's
// clock never moves back less than a second) and returns the alerting rows.
func checkCounts(t *testing.T, where string, rules model.AlertRules, sn *model.Snapshot, c *model.AlertCounts) map[*model.Row]bool {
	t.Helper()
	if c.Version != sn.Version {
		t.Fatalf("%s: counts of version %d", where, c.Version)
	}
	if want := rules.Tally(sn, c.Now); c.Tally != want {
		t.Fatalf("%s: tally %+v, recounted %+v", where, c.Tally, want)
	}
	if want := rules.Count(sn.Rows, c.Now); c.Tally.Rows != want {
		t.Fatalf("%s: %d alerting rows, Count says %d", where, c.Tally.Rows, want)
	}
	_, own := rules.TallyAgents(sn, c.Now)
	if !sameSet(own, c.Own) {
		t.Fatalf("%s: agents with alerts of their own %v, recounted %v", where, c.Own, own)
	}
	alerting := map[*model.Row]bool{}
	byAgent := map[string]model.AgentRowAlerts{}
	for _, r := range sn.Rows {
		why := rules.Check(r, c.Now)
		if len(why) == 0 {
			continue
		}
		alerting[r] = true
		a := byAgent[r.AgentID]
		a.Rows++
		for _, w := range why {
			if !slices.Contains(a.Kinds, w.Kind) {
				a.Kinds = append(a.Kinds, w.Kind)
			}
		}
		byAgent[r.AgentID] = a
	}
	if len(byAgent) != len(c.ByAgent) {
		t.Fatalf("%s: %d agents with alerting rows, recounted %d", where, len(c.ByAgent), len(byAgent))
	}
	for id, want := range byAgent {
		got := c.ByAgent[id]
		if got.Rows != want.Rows || !sameSet(setOf(got.Kinds), setOf(want.Kinds)) {
			t.Fatalf("%s: agent %s has %+v alerting, recounted %+v", where, id, got, want)
		}
	}
	return alerting
}

func setOf[T comparable](s []T) map[T]bool {
	m := map[T]bool{}
	for _, v := range s {
		m[v] = true
	}
	return m
}

func sameSet[T comparable](a, b map[T]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}

// TestStoreSharesAlertIndexes checks that viewers with the same rules share one index, and that a
// store keeps only the few most recently used.
func TestStoreSharesAlertIndexes(t *testing.T) {
	t.Parallel()
	s := model.NewStore()
	rules := model.DefaultAlertRules()
	first := s.AlertIndex(rules)
	if s.AlertIndex(rules) != first || first.Rules() != rules {
		t.Fatal("the same rules got another index")
	}
	for i := range 4 {
		other := rules
		other.Hold = time.Duration(i+1) * time.Hour
		if s.AlertIndex(other) == first {
			t.Fatal("other rules got the same index")
		}
	}
	if s.AlertIndex(rules) == first {
		t.Error("an index out of use for four other rule sets was kept")
	}
}
