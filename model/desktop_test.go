package model

import (
	"strings"
	"testing"
	"time"
)

// desktopEv is a hub's DESKWATCH_DESKTOP for agent at t0 plus sec seconds.
func desktopEv(agent, status string, sec int) string {
	return `{"type":"DESKWATCH_DESKTOP","agentId":"` + agent + `","ts":` +
		itoa(t0.Add(time.Duration(sec)*time.Second).UnixMilli()) +
		`,"params":[{"status":"` + status + `","reason":"bridge closed (1006)"}]}`
}

// snapEv is an agent's INTERACTIONS_STATE listing voice calls on hold, at t0 plus sec.
func snapEv(agent string, sec int, ids ...string) string {
	var list []string
	for _, id := range ids {
		list = append(list, iv(id, "hold", "voice", ""))
	}
	return `{"type":"INTERACTIONS_STATE","agentId":"` + agent + `","ts":` +
		itoa(t0.Add(time.Duration(sec)*time.Second).UnixMilli()) +
		`,"params":[{"activeInteractionId":null,"interactions":[` + strings.Join(list, ",") + `]}]}`
}

func TestDesktopDecodeRejects(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"type":"DESKWATCH_DESKTOP","agentId":"a","params":[]}`, "params: want at least 1 argument(s), got 0"},
		{`{"type":"DESKWATCH_DESKTOP","agentId":"a","params":[null]}`, "params[0]: want object, got null"},
		{`{"type":"DESKWATCH_DESKTOP","agentId":"a","params":[{"status":"away"}]}`,
			`params[0].status: want connected, disconnected or gone, got "away"`},
		{`{"type":"DESKWATCH_DESKTOP","agentId":"a","params":[{"status":"gone","reason":5}]}`,
			"params[0].reason: want string, got number"},
		{`{"type":"DESKWATCH_RESYNC_END","params":[1]}`, "params: want none, got 1 argument(s)"},
	}
	for _, tc := range tests {
		_, err := Decode([]byte(tc.in))
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s: got %v, want %q", tc.in, err, tc.want)
		}
	}
	e, err := Decode([]byte(`{"type":"DESKWATCH_OTHER","params":[]}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := e.Payload.(*Unknown); !ok {
		t.Errorf("an unknown DESKWATCH_ type decoded as %T, want *Unknown", e.Payload)
	}
}

// TestDesktopDisconnectFreezesRows: a disconnected desktop's open rows stop their clocks when it
// disconnected and do not alert; connected again, they run and alert as before.
func TestDesktopDisconnectFreezesRows(t *testing.T) {
	s := NewStore(WithWallClock(func() time.Time { return t0 }))
	apply(t, s, snapEv("b.smith", 0, "c1"), desktopEv("b.smith", "disconnected", 10))
	now := t0.Add(5 * time.Minute)
	r := s.Row(RowKey("b.smith", "c1"))
	if got := r.Duration(now); got != 10*time.Second {
		t.Errorf("stale row's duration at +5m = %v, want 10s (stopped at the disconnect)", got)
	}
	if got := r.InState(now); got != 10*time.Second {
		t.Errorf("stale row in state %v, want 10s", got)
	}
	rules := DefaultAlertRules()
	if rules.Alerting(r, now) {
		t.Errorf("a stale row on hold for 5m alerts: %v", rules.Check(r, now))
	}
	ag := s.Snapshot().Agents[0]
	if ag.Desktop != DesktopDisconnected || !ag.DesktopSince.Equal(t0.Add(10*time.Second)) ||
		ag.DesktopReason != "bridge closed (1006)" {
		t.Errorf("agent desktop %q since %v (%q)", ag.Desktop, ag.DesktopSince, ag.DesktopReason)
	}
	apply(t, s, desktopEv("b.smith", "connected", 20))
	r = s.Row(RowKey("b.smith", "c1"))
	if !r.DisconnectedAt.IsZero() || !rules.Alerting(r, now) || r.Duration(now) != 5*time.Minute {
		t.Errorf("connected again: disconnected at %v, alerting %v, duration %v", r.DisconnectedAt,
			rules.Alerting(r, now), r.Duration(now))
	}
	if ag := s.Snapshot().Agents[0]; ag.Desktop != DesktopConnected {
		t.Errorf("agent desktop %q, want connected", ag.Desktop)
	}
}

// TestDesktopGoneEndsRows: gone ends the agent's open rows when they were last seen (the
// disconnect, not the gone that gave up on them later), leaves other agents alone, and leaves the
// agent gone since it went away, with no active interaction, logged out (as the floor statistics
// count it: a newcomer saw a gone agent "logged in, busy" in its detail and the agents view, and
// logged out in the state timeline and a fresh monitor's).
func TestDesktopGoneEndsRows(t *testing.T) {
	s := NewStore()
	apply(t, s, `{"type":"ON_AGENT_STATE_CHANGE","agentId":"b.smith","params":["busy"]}`,
		snapEv("b.smith", 0, "c1", "c2"), snapEv("a.jones", 0, "c3"),
		`{"type":"ON_ACTIVE_INTERACTION_SWITCHED","agentId":"b.smith","params":["c1"]}`,
		desktopEv("b.smith", "disconnected", 10), desktopEv("b.smith", "gone", 130))
	sn := s.Snapshot()
	if sn.Stats.Open != 1 || sn.Stats.Ended != 2 {
		t.Fatalf("open %d ended %d, want 1 and 2", sn.Stats.Open, sn.Stats.Ended)
	}
	r := s.Row(RowKey("b.smith", "c1"))
	if !r.EndedAt.Equal(t0.Add(10*time.Second)) || r.Timeline[len(r.Timeline)-1].Text != "desktop gone" {
		t.Errorf("ended at %v, timeline %q", r.EndedAt, kinds(r))
	}
	if ag := sn.Agents[0]; ag.Desktop != DesktopGone || !ag.DesktopSince.Equal(t0.Add(10*time.Second)) ||
		ag.ActiveInteraction != "" || ag.LoggedIn || sn.Agents[1].Desktop != "" {
		t.Errorf("desktops %q (since %v, active %q, logged in %v) and %q, want gone since the disconnect, "+
			"none active, logged out, and none", ag.Desktop, ag.DesktopSince, ag.ActiveInteraction, ag.LoggedIn,
			sn.Agents[1].Desktop)
	}
	ff := sn.Floor.Figures(t0.Add(200*time.Second), SinceStart)
	if af, _ := ff.Agent("b.smith"); af.State != StateLoggedOut || af.LoggedIn {
		t.Errorf("the figures say b.smith is %s (logged in %v), want logged out", af.State, af.LoggedIn)
	}
	apply(t, s, snapEv("b.smith", 200, "c4"))
	if ag := s.Snapshot().Agents[0]; ag.Desktop != DesktopConnected {
		t.Errorf("after its own snapshot again the desktop is %q, want connected", ag.Desktop)
	}
}

// TestResyncEndEndsUnlisted: after BeginResync (the source reconnected), RESYNC_END ends the open
// rows of the agents the snapshot did not list, as gone at resync; without BeginResync, or without
// RESYNC_END, nothing ends.
func TestResyncEndEndsUnlisted(t *testing.T) {
	s := NewStore()
	apply(t, s, snapEv("a.jones", 0, "c1"), snapEv("b.smith", 0, "c2"))
	apply(t, s, `{"type":"DESKWATCH_RESYNC_END","ts":`+itoa(t0.Add(time.Second).UnixMilli())+`,"params":[]}`)
	if sn := s.Snapshot(); sn.Stats.Open != 2 || len(sn.Agents) != 2 {
		t.Fatalf("RESYNC_END without a new connection: open %d, %d agents", sn.Stats.Open, len(sn.Agents))
	}
	s.BeginResync()
	apply(t, s, snapEv("a.jones", 60, "c1"))
	if sn := s.Snapshot(); sn.Stats.Open != 2 {
		t.Fatalf("before RESYNC_END: open %d, want 2", sn.Stats.Open)
	}
	apply(t, s, `{"type":"DESKWATCH_RESYNC_END","ts":`+itoa(t0.Add(61*time.Second).UnixMilli())+`,"params":[]}`)
	sn := s.Snapshot()
	if sn.Stats.Open != 1 || len(sn.Agents) != 2 {
		t.Fatalf("after RESYNC_END: open %d, %d agents, want 1 and 2", sn.Stats.Open, len(sn.Agents))
	}
	r := s.Row(RowKey("b.smith", "c2"))
	if !r.Ended || !r.EndedAt.Equal(t0.Add(61*time.Second)) || r.Timeline[len(r.Timeline)-1].Text != goneAtResync {
		t.Errorf("b.smith's call: ended %v at %v, timeline %q", r.Ended, r.EndedAt, kinds(r))
	}
	if sn.Agents[1].Desktop != DesktopGone || sn.Agents[0].Desktop != DesktopConnected {
		t.Errorf("desktops %q, %q", sn.Agents[0].Desktop, sn.Agents[1].Desktop)
	}
	apply(t, s, snapEv("a.jones", 90, "c1"), `{"type":"DESKWATCH_RESYNC_END","params":[]}`)
	if sn := s.Snapshot(); sn.Stats.Open != 1 || sn.Stats.Unknown[EvResyncEnd] != 0 {
		t.Errorf("a second RESYNC_END without a new connection: open %d, unknown %v", sn.Stats.Open, sn.Stats.Unknown)
	}
}
