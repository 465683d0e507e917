package ui

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/internal/proptest"
	"github.com/deskwatch/deskwatch/internal/synth"
	"github.com/deskwatch/deskwatch/model"
	"github.com/deskwatch/deskwatch/themes"
)

// TestTickCountsMatchRecount runs three viewers of one store (grouped by agent, with and without
// a filter, and by state) through a generated stream, each taking its store changes and ticks at
// its own times while the clock moves: after every tick the header's tally, the alerting rows per
// agent and every heading's alert count are what counting from scratch gives at the counts' clock.
func TestTickCountsMatchRecount(t *testing.T) {
	t.Parallel()
	proptest.Seeds(t, 3, 11, func(t *testing.T, seed uint64, rng *rand.Rand) {
		store := model.NewStore(model.WithRetention(30))
		g := synth.NewGenerator(synth.GeneratorConfig{Seed: int64(seed), Agents: 8, Rate: 2})
		now := g.Now()
		clock := func() time.Time { return now }
		rules := model.AlertRules{Hold: 5 * time.Second, Queued: 7 * time.Second, Muted: 3 * time.Second,
			NotRecording: true, AudioQuality: true}
		var viewers []*Model
		for _, v := range []struct{ filter, group string }{{"", "b"}, {"type:voice", "b"}, {"", "bbb"}} {
			c := testCommon(themes.Dark, store, clock)
			c.Width, c.Height, c.Alerts, c.Filter = 120, 30, rules, v.filter
			m := New(c, nil)
			press(m, v.group)
			viewers = append(viewers, m)
		}
		for step := range 400 {
			for range rng.IntN(5) {
				applyNext(t, g, store)
			}
			if g.Now().After(now) {
				now = g.Now()
			}
			now = now.Add(time.Duration(rng.IntN(1500)) * time.Millisecond)
			for _, m := range viewers {
				if step == 200 { // other rules, as a new configuration brings them
					m.c.Alerts.Hold, m.c.Alerts.Muted = 9*time.Second, 0
				}
				if rng.IntN(3) > 0 {
					m.Update(changedMsg{})
				}
				m.Update(tickMsg(now))
				checkViewCounts(t, fmt.Sprintf("step %d, %q", step, m.c.Filter), m)
			}
		}
	})
}

// checkViewCounts compares a viewer's counts with counts from scratch at the counts' clock, when
// they are of the viewer's snapshot.
func checkViewCounts(t *testing.T, where string, m *Model) {
	t.Helper()
	v, rules := &m.view, m.c.Alerts
	at := v.counts.Now
	if v.counts.Version != m.snap.Version {
		return // another viewer's newer snapshot: this one catches up at its next change
	}
	if want := rules.Tally(m.snap, at); v.tally != want {
		t.Fatalf("%s: tally %+v, recounted %+v", where, v.tally, want)
	}
	rows := map[string]int{}
	for _, r := range m.snap.Rows {
		if rules.Alerting(r, at) {
			rows[r.AgentID]++
		}
	}
	for id, n := range rows {
		if v.byAgent[id].Rows != n {
			t.Fatalf("%s: agent %s has %d alerting rows, recounted %d", where, id, v.byAgent[id].Rows, n)
		}
	}
	for _, h := range v.heads {
		if want := rules.Count(h.rows, at); h.alerts != want {
			t.Fatalf("%s: heading %q counts %d alerts, recounted %d", where, h.label(), h.alerts, want)
		}
	}
}

// applyNext applies the generator's next event to store and returns its time.
func applyNext(t *testing.T, g *synth.Generator, store *model.Store) time.Time {
	t.Helper()
	data, at := g.Next()
	ev, err := model.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	store.Apply(ev, at)
	return at
}
