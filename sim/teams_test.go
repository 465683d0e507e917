package sim_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/internal/synth"
	"github.com/deskwatch/deskwatch/sim"
)

func TestTeamsCutTheFloorInOrder(t *testing.T) {
	t.Parallel()
	got := sim.Teams([]string{"a", "b", "c", "d", "e"}, 2)
	want := [][]string{{"a", "b"}, {"c", "d"}, {"e"}}
	if !slices.EqualFunc(got, want, slices.Equal) {
		t.Fatalf("Teams = %v, want %v", got, want)
	}
	if got := sim.Teams([]string{"a"}, 0); got != nil {
		t.Fatalf("Teams of size 0 = %v, want none", got)
	}
}

// Monitors narrowed to teams that cut the floor once each receive, between them, every event the
// bridges sent exactly once (a monitor of the whole floor would receive them all).
func TestTeamMonitorsEachSeeTheirTeamOnly(t *testing.T) {
	t.Parallel()
	url, _ := startHub(t)
	const bridges, team, events = 12, 4, 240
	ids := synth.NewGenerator(synth.GeneratorConfig{Agents: bridges}).AgentIDs()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	mon, _ := runMonitors(t, ctx, sim.MonitorsConfig{Monitors: bridges / team, URLs: []string{url + "/stream"},
		Teams: sim.Teams(ids, team)})
	for mon.Stats().Connected < bridges/team {
		if ctx.Err() != nil {
			t.Fatal("monitors did not connect")
		}
		time.Sleep(10 * time.Millisecond)
	}
	res, err := sim.RunBridges(ctx, sim.BridgesConfig{Bridges: bridges, URLs: []string{url + "/ingest"}, Rate: 20,
		Events: events, Drain: 30 * time.Second})
	if err != nil || res.Acked != events {
		t.Fatalf("bridges: %v, %s", err, res)
	}
	for mon.Stats().Timed < events && ctx.Err() == nil {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond) // a doubled delivery would arrive meanwhile
	if st := mon.Stats(); st.Timed != events || st.Lost != 0 || st.Repeated != 0 {
		t.Fatalf("team monitors received %d timed events, want each of the %d once: %s", st.Timed, events, st)
	}
}

// TestRunsWithPrefixesShareAHub: two load runs against one hub, one after the other, with their own
// --agent-prefix, publish different agents: the monitors following both count every event once and
// none lost. Without prefixes the second run's agents were the first's, their seq counting again from
// 1: "lost" and "repeated" where nothing was.
func TestRunsWithPrefixesShareAHub(t *testing.T) {
	t.Parallel()
	url, _ := startHub(t)
	const bridges, events = 4, 80
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	mon, _ := runMonitors(t, ctx, sim.MonitorsConfig{Monitors: 1, URLs: []string{url + "/stream"}})
	for mon.Stats().Connected < 1 {
		if ctx.Err() != nil {
			t.Fatal("the monitor did not connect")
		}
		time.Sleep(10 * time.Millisecond)
	}
	for run, prefix := range []string{"r1-", "r2-"} {
		res, err := sim.RunBridges(ctx, sim.BridgesConfig{Bridges: bridges, URLs: []string{url + "/ingest"}, Rate: 20,
			Events: events, Drain: 30 * time.Second, AgentPrefix: prefix})
		if err != nil || res.Acked != events {
			t.Fatalf("run %d: %v, %s", run+1, err, res)
		}
	}
	for mon.Stats().Timed < 2*events && ctx.Err() == nil {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond) // a doubled delivery would arrive meanwhile
	if st := mon.Stats(); st.Timed != 2*events || st.Lost != 0 || st.Repeated != 0 {
		t.Fatalf("the monitor received %d timed events, want each of the %d once, none lost: %s", st.Timed, 2*events, st)
	}
}
