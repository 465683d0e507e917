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
