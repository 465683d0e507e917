package model

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestHeldAgentsHistoryGoesNext: agents whose history fills the bound (hundreds of state changes
// with long reasons) keep only their latest history once they hold more than a quarter of it, so
// that a new interaction is taken again, rather than refused for good (nothing ends an agent).
func TestHeldAgentsHistoryGoesNext(t *testing.T) {
	t.Parallel()
	const bound = 4 << 20
	s := NewStore(WithMaxHeld(bound))
	at := t0
	reason := strings.Repeat("r", 250)
	agents := 0
	for ; agents < 200 && (agents == 0 || len(s.Snapshot().Agents[0].Timeline) > keepAgentTimeline); agents++ {
		for j := range 600 {
			at = at.Add(time.Second)
			p := fmt.Sprintf(`["not_ready","%s%d"]`, reason, j)
			if j%2 == 1 {
				p = `["ready"]`
			}
			if err := s.ApplyChecked(decodeT(t, fmt.Sprintf(`{"type":"ON_AGENT_STATE_CHANGE","agentId":"a%d","params":%s}`, agents, p)), at); err != nil {
				t.Fatalf("agent %d's state change %d: %v", agents, j, err)
			}
		}
	}
	checkHeld(t, "agents trimmed", s)
	st := s.Snapshot().Stats
	if st.Trimmed == 0 || st.HeldAgents > bound/2 {
		t.Fatalf("after %d agents: trimmed %d times, agents hold %d of %d", agents, st.Trimmed, st.HeldAgents, bound)
	}
	if a := s.Snapshot().Agents[0]; len(a.Timeline) != keepAgentTimeline || len(a.States) != keepAgentSpans {
		t.Errorf("the first agent keeps %d changes and %d spans, want %d and %d", len(a.Timeline), len(a.States),
			keepAgentTimeline, keepAgentSpans)
	}
	if err := s.ApplyChecked(decodeT(t, ev(EvNewInteraction, iv("new", "delivered", "voice", ""))), at); err != nil {
		t.Errorf("a new interaction once the agents' history went: %v", err)
	}
}

// TestHeldResyncRefusedKeepsRows: snapshots refused at the bound during a resync (each holding more
// than its agent's open rows) leave their agents' rows as they were: the end of the resync does not take the agents for gone and end them.
func TestHeldResyncRefusedKeepsRows(t *testing.T) {
	t.Parallel()
	s := NewStore(WithMaxHeld(64 << 10))
	open, at := fillToBound(t, s, 5, 2000)
	s.BeginResync()
	for a := range 5 {
		at = at.Add(time.Second)
		line := fmt.Sprintf(`{"type":"INTERACTIONS_STATE","agentId":"a%d","params":[{"activeInteractionId":null,"interactions":[%s]}]}`,
			a, iv("x", "delivered", "voice", `"subject":"`+strings.Repeat("s", 100<<10)+`"`)) // more than its open rows
		if s.ApplyChecked(decodeT(t, line), at) == nil {
			t.Fatalf("agent a%d's snapshot was taken at the bound", a)
		}
	}
	if err := s.ApplyChecked(Event{Type: EvResyncEnd, Payload: ResyncEnd{}}, at); err != nil {
		t.Fatal(err)
	}
	if st := s.Snapshot().Stats; st.Open != open {
		t.Errorf("%d open after the resync, want the %d open before", st.Open, open)
	}
	checkHeld(t, "after the resync", s)
}

// TestHeldDesktopAtBound: at the bound the hub's word that a known desktop is gone is taken (it
// ends the agent's rows); that one connected, or of an agent not known, is not, nor a removal of an
// agent not known: nothing makes a new agent past the bound.
func TestHeldDesktopAtBound(t *testing.T) {
	t.Parallel()
	s := NewStore(WithMaxHeld(32 << 10))
	_, at := fillToBound(t, s, 1, 1000)
	at = toBound(t, s, at)
	desktop := func(agent, status string) error {
		return s.ApplyChecked(decodeT(t, fmt.Sprintf(`{"type":"DESKWATCH_DESKTOP","agentId":%q,"params":[{"status":%q}]}`,
			agent, status)), at)
	}
	if desktop("a0", "connected") == nil || desktop("stranger", "gone") == nil {
		t.Error("a desktop connected, or gone of an agent not known, was taken at the bound")
	}
	if s.ApplyChecked(decodeT(t, `{"type":"ON_INTERACTION_REMOVED","agentId":"stranger","params":[`+
		iv("x", "completed", "voice", "")+`]}`), at) == nil {
		t.Error("a removal of an agent not known was taken at the bound")
	}
	if err := desktop("a0", "gone"); err != nil {
		t.Errorf("a known desktop gone at the bound: %v", err)
	}
	if open := openIDs(s, "a0"); len(open) > 0 {
		t.Errorf("a0's rows %v are open after the desktop went", open)
	}
	checkHeld(t, "after the desktop went", s)
}

// TestHeldAgentsHoldingMostSayRaiseTheBound: when the agents hold most of the bound (more agents than
// it has room for), the refusal says to raise --max-memory rather than to wait for ends.
func TestHeldAgentsHoldingMostSayRaiseTheBound(t *testing.T) {
	t.Parallel()
	s := NewStore(WithMaxHeld(64 << 10))
	at := t0
	var err error
	for a := 0; err == nil; a++ {
		at = at.Add(time.Second)
		err = s.ApplyChecked(decodeT(t, fmt.Sprintf(`{"type":"ON_LOGIN","agentId":"a%d","params":[{"isLoggedIn":true}]}`, a)), at)
	}
	want := "memory bound reached (--max-memory 64.0 KiB): the agents hold "
	if !strings.HasPrefix(err.Error(), want) || !strings.HasSuffix(err.Error(), "; new interactions and changes are refused: raise --max-memory") {
		t.Errorf("refusal %q, want it to start %q and say to raise the bound", err, want)
	}
}

// TestHeldSnapshotThatFreesIsTaken: at the bound an agent's snapshot that holds no more than its open
// rows is taken (it ends the rows it leaves out, as after a reconnect); one that holds more is not.
func TestHeldSnapshotThatFreesIsTaken(t *testing.T) {
	t.Parallel()
	s := NewStore(WithMaxHeld(64 << 10))
	_, at := fillToBound(t, s, 3, 2000)
	snapshot := func(agent, listed string) error {
		return s.ApplyChecked(decodeT(t, fmt.Sprintf(`{"type":"INTERACTIONS_STATE","agentId":%q,"params":[{"activeInteractionId":null,"interactions":[%s]}]}`,
			agent, listed)), at)
	}
	big := iv("x", "delivered", "voice", `"subject":"`+strings.Repeat("s", 100<<10)+`"`)
	if snapshot("a1", big) == nil {
		t.Error("a snapshot holding more than the agent's open rows was taken at the bound")
	}
	if err := snapshot("a1", ""); err != nil {
		t.Fatalf("an empty snapshot at the bound: %v", err)
	}
	if open := openIDs(s, "a1"); len(open) > 0 {
		t.Fatalf("a1's rows %v are still open after its empty snapshot", open)
	}
	checkHeld(t, "after the snapshot", s)
}

// openIDs lists the ids of the agent's open rows.
func openIDs(s *Store, agent string) []string {
	var out []string
	for _, r := range s.Snapshot().Rows {
		if r.AgentID == agent && r.Open() {
			out = append(out, r.Data.ID)
		}
	}
	return out
}

// fillToBound opens interactions with subjects of subject bytes for agents a0…a{agents-1} in turn
// until the bound refuses one (their shares of it, CapShare, or the bound); it returns how many were opened and the time of the refused one.
func fillToBound(t *testing.T, s *Store, agents, subject int) (open int, at time.Time) {
	t.Helper()
	at = t0
	for ; ; open++ {
		at = at.Add(time.Second)
		line := fmt.Sprintf(`{"type":"ON_NEW_INTERACTION","agentId":"a%d","params":[%s]}`, open%agents,
			iv(fmt.Sprint("i", open), "delivered", "voice", `"subject":"`+strings.Repeat("s", subject)+`"`))
		if s.ApplyChecked(decodeT(t, line), at) != nil {
			return open, at
		}
	}
}
