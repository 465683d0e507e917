package model

import (
	"slices"
	"testing"
)

// timelineKinds lists the kinds of agent a's timeline in s's latest snapshot.
func timelineKinds(s *Store, agent string) []ChangeKind {
	var out []ChangeKind
	for _, ag := range s.Snapshot().Agents {
		if ag.ID == agent {
			for _, c := range ag.Timeline {
				out = append(out, c.Kind)
			}
		}
	}
	return out
}

// TestAgentTimelineKeepsOnlyItsKinds: a store made WithAgentTimeline (the hub's) records only
// those kinds for agents, and keeps doing so once restored from a checkpoint; a plain store
// records them all.
func TestAgentTimelineKeepsOnlyItsKinds(t *testing.T) {
	t.Parallel()
	lines := []string{
		evAgent("a", "ON_LOGIN", `{"isLoggedIn":true}`),
		evAgent("a", "ON_AGENT_STATE_CHANGE", `"not_ready","Lunch"`),
		desktopEv("a", "disconnected", 3),
		evAgent("a", "ON_AGENT_STATE_CHANGE", `"ready"`),
		evAgent("a", "ON_LOGOUT", ``),
	}
	plain := NewStore()
	apply(t, plain, lines...)
	want := []ChangeKind{ChangeLogin, ChangeAgentState, ChangeDesktop, ChangeAgentState, ChangeLogout}
	if got := timelineKinds(plain, "a"); !slices.Equal(got, want) {
		t.Errorf("plain store: timeline kinds %v, want %v", got, want)
	}

	kept := NewStore(WithAgentTimeline(ChangeLogin, ChangeLogout))
	apply(t, kept, lines...)
	if got, want := timelineKinds(kept, "a"), []ChangeKind{ChangeLogin, ChangeLogout}; !slices.Equal(got, want) {
		t.Errorf("WithAgentTimeline(login, logout): timeline kinds %v, want %v", got, want)
	}
	var ag *Agent
	for _, a := range kept.Snapshot().Agents {
		ag = a
	}
	if ag.State != AgentReady || ag.Desktop != DesktopDisconnected || ag.LoggedIn {
		t.Errorf("the state the timeline leaves out is still applied: state %q desktop %q logged in %v",
			ag.State, ag.Desktop, ag.LoggedIn)
	}

	restored := kept.Checkpoint().Restore()
	apply(t, restored, evAgent("a", "ON_AGENT_STATE_CHANGE", `"busy"`), evAgent("a", "ON_LOGIN", `{"isLoggedIn":true}`))
	if got, want := timelineKinds(restored, "a"), []ChangeKind{ChangeLogin, ChangeLogout, ChangeLogin}; !slices.Equal(got, want) {
		t.Errorf("restored from a checkpoint: timeline kinds %v, want %v", got, want)
	}
}
