package model

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestHeldShareLeavesRoomForOthers is the attacker's case: a few agents open interactions and never
// end them (a hostile bridge within the hub's caps on counts). Near the bound each is held to its
// share, so the last quarter of the bound stays for the others: agents that join later open theirs,
// and the hostile agents, over their shares as more agents share the bound, are refused theirs, with
// the reason. Without the shares the hostile agents held the whole bound and every newcomer was
// refused.
func TestHeldShareLeavesRoomForOthers(t *testing.T) {
	t.Parallel()
	const bound, hostile = 4 << 20, 4
	s := NewStore(WithMaxHeld(bound))
	open := func(agent, id string, subject int, at time.Time) error {
		return s.ApplyChecked(decodeT(t, fmt.Sprintf(`{"type":"ON_NEW_INTERACTION","agentId":%q,"params":[%s]}`, agent,
			iv(id, "delivered", "voice", `"subject":"`+strings.Repeat("s", subject)+`"`))), at)
	}
	at := t0
	var refused error
	for i := 0; refused == nil; i++ {
		at = at.Add(time.Second)
		refused = open(fmt.Sprint("h", i%hostile), fmt.Sprint("x", i), 8<<10, at)
	}
	var ce *CapError
	if !errors.As(refused, &ce) || ce.Cap != CapShare {
		t.Fatalf("the hostile agents were refused with %v, want CapShare", refused)
	}
	if st := s.Snapshot().Stats; st.Held > bound-bound/4+hostile*16<<10 {
		t.Errorf("the hostile agents hold %d, want at most three quarters of the bound %d and an event each", st.Held, bound)
	}
	checkHeld(t, "the hostile agents at their shares", s)

	// Fifty agents join, each with a few usual interactions: all are taken.
	for a := range 50 {
		for i := range 3 {
			at = at.Add(time.Second)
			if err := open(fmt.Sprint("late", a), fmt.Sprint("i", i), 300, at); err != nil {
				t.Fatalf("agent late%d's interaction %d: %v", a, i, err)
			}
		}
	}
	for h := range hostile {
		err := open(fmt.Sprint("h", h), "more", 8<<10, at)
		if !errors.As(err, &ce) || ce.Cap != CapShare || !strings.HasPrefix(err.Error(), "agent's memory share reached") {
			t.Errorf("hostile agent h%d's next interaction: %v, want CapShare", h, err)
		}
	}
	if st := s.Snapshot().Stats; st.Held > bound+16<<10 {
		t.Errorf("held %d, over the bound %d by more than an event", st.Held, bound)
	}
	checkHeld(t, "after the newcomers", s)
}

// snapshotLine is agent's INTERACTIONS_STATE listing n interactions with subjects of subject bytes.
func snapshotLine(agent string, n, subject int, state string) string {
	var b []string
	for i := range n {
		b = append(b, iv(fmt.Sprint(agent, "-x", i), state, "voice", `"subject":"`+strings.Repeat("s", subject)+`"`))
	}
	return fmt.Sprintf(`{"type":"INTERACTIONS_STATE","agentId":%q,"params":[{"activeInteractionId":null,"interactions":[%s]}]}`,
		agent, strings.Join(b, ","))
}

// TestHeldShareCountsTheEvent (second attacker's pass): near the bound an event is taken only when
// the agent's rows with it stay within its share, a new agent's first event too: an agent just
// under its share could add a whole snapshot at once (317 times its share), and new agent ids were
// not checked at all.
func TestHeldShareCountsTheEvent(t *testing.T) {
	t.Parallel()
	const bound = 16 << 20
	s := NewStore(WithMaxHeld(bound))
	at := t0
	line := func(agent, id string, subject int) string {
		return fmt.Sprintf(`{"type":"ON_NEW_INTERACTION","agentId":%q,"params":[%s]}`, agent,
			iv(id, "delivered", "voice", `"subject":"`+strings.Repeat("s", subject)+`"`))
	}
	for a := range 200 {
		at = at.Add(time.Millisecond)
		if err := s.ApplyChecked(decodeT(t, line(fmt.Sprint("a", a), "i", 100)), at); err != nil {
			t.Fatal(err)
		}
	}
	at = hog(t, s, "filler", at)
	var ce *CapError
	for _, agent := range []string{"a1", "newcomer"} {
		err := s.ApplyChecked(decodeT(t, snapshotLine(agent, 64, 4000, "delivered")), at)
		if !errors.As(err, &ce) || ce.Cap != CapShare || ce.N <= ce.Share {
			t.Errorf("%s's snapshot of 256 KB, over its share of %d: %v, want CapShare", agent, s.rowShare(len(s.agents)), err)
		}
	}
	if err := s.ApplyChecked(decodeT(t, line("newcomer", "n1", 300)), at); err != nil {
		t.Errorf("a new agent's usual interaction within its share: %v", err)
	}
	checkHeld(t, "after the refusals", s)
}

// TestHeldSnapshotsCannotGrowAnAgent (second attacker's pass): at the bound an agent's snapshot is
// taken only when its interactions hold no more than its rows' snapshots do; compared with its whole
// rows (their timelines too), each snapshot could carry more than the last, and 1,500 of them took
// the store to 1.8 times its bound.
func TestHeldSnapshotsCannotGrowAnAgent(t *testing.T) {
	t.Parallel()
	const bound = 4 << 20
	s := NewStore(WithMaxHeld(bound))
	at := t0
	apply(t, s, snapshotLine("h", 256, 10, "delivered"))
	at = toBound(t, s, at)
	states := []string{"connected", "delivered", "hold"}
	for k := range 300 {
		at = at.Add(time.Millisecond)
		as := s.agents["h"]
		subject := max(int((as.rows-as.snap)/256)+10*k, 1) // as long as the rows' timelines would let it be
		_ = s.ApplyChecked(decodeT(t, snapshotLine("h", 256, min(subject, 4000), states[k%3])), at)
	}
	if st := s.Snapshot().Stats; st.Held > bound+2<<20 {
		t.Errorf("held %d after the snapshots, over the bound %d by more than one", st.Held, bound)
	}
	checkHeld(t, "after the snapshots", s)
}

// TestHeldAgentEndedRowsReweighed (second attacker's pass): rows ended by the end of a resync, of an
// agent already gone, count the agent again (its floor records may have grown): Stats.HeldAgents
// drifted from a recount.
func TestHeldAgentEndedRowsReweighed(t *testing.T) {
	t.Parallel()
	s := NewStore()
	at := t0
	step := func(line string) {
		at = at.Add(10 * time.Second)
		if err := s.ApplyChecked(decodeT(t, line), at); err != nil {
			t.Fatal(err)
		}
	}
	step(fmt.Sprintf(`{"type":"ON_NEW_INTERACTION","agentId":"a","params":[%s]}`, iv("c1", "delivered", "voice", "")))
	step(`{"type":"DESKWATCH_DESKTOP","agentId":"a","params":[{"status":"gone","reason":"r"}]}`)
	step(fmt.Sprintf(`{"type":"ON_NEW_INTERACTION","agentId":"a","params":[%s]}`, iv("c2", "delivered", "voice", "")))
	step(`{"type":"ON_AGENT_STATE_CHANGE","agentId":"a","params":["not_ready","Lunch"]}`)
	checkHeld(t, "before the resync", s)
	s.BeginResync()
	step(`{"type":"DESKWATCH_RESYNC_END","params":[]}`)
	checkHeld(t, "after the end of the resync", s)
}

// TestAgentSlotsStayBounded: an agent's list of its rows' slots drops the evicted ones as it grows,
// so that a long replay of one agent's interactions, each ended and forgotten, keeps neither the
// list nor the rows it points to.
func TestAgentSlotsStayBounded(t *testing.T) {
	t.Parallel()
	s := NewStore(WithRetention(10))
	for i := range 5000 {
		apply(t, s, ev(EvNewInteraction, iv(fmt.Sprint("i", i), "delivered", "voice", "")),
			ev(EvInteractionRemoved, iv(fmt.Sprint("i", i), "completed", "voice", "")))
	}
	if n := len(s.agents[""].slots); n > 200 {
		t.Errorf("the agent keeps %d slots for 10 rows retained", n)
	}
}

// TestHeldReclaimsFromAgentsOverTheirShares is the attacker's case the share alone left open: a few
// agents take three quarters of the bound before the store is crowded (the share rule holds only
// from there on), and many others fill the last quarter between them, each within its share. At the
// bound (agents' logins take it there), agents within their shares are still taken (they were all
// refused), and the room is made by ending the oldest interactions of the agents furthest over their
// shares, with the reason in the row's timeline, never those of agents within theirs and never an
// agent below its share; the store stays within its bound by one event. Below the bound, the same
// reclaim keeps the store a little under it as agents within their shares add.
func TestHeldReclaimsFromAgentsOverTheirShares(t *testing.T) {
	t.Parallel()
	const bound, hostile = 4 << 20, 4
	s := NewStore(WithMaxHeld(bound))
	at := t0
	open := func(agent, id string, subject int) error {
		at = at.Add(time.Second)
		return s.ApplyChecked(decodeT(t, fmt.Sprintf(`{"type":"ON_NEW_INTERACTION","agentId":%q,"params":[%s]}`, agent,
			iv(id, "delivered", "voice", `"subject":"`+strings.Repeat("s", subject)+`"`))), at)
	}
	for i := 0; open(fmt.Sprint("h", i%hostile), fmt.Sprint("x", i), 8<<10) == nil; i++ {
	}
	for a := 0; ; a++ { // each within its share, until the rows and agents reach the bound
		if st := s.Snapshot().Stats; st.Held-st.HeldEnded >= bound || st.Reclaimed > 0 {
			break
		}
		if err := open(fmt.Sprint("s", a), "i", 2000); err != nil {
			t.Fatalf("agent s%d filling the last quarter: %v", a, err)
		}
	}
	checkHeld(t, "at the bound", s)
	checkReclaimed(t, s)
	at = toBound(t, s, at) // logins take it to the bound: only interactions within their shares are taken there
	reclaimed := s.Snapshot().Stats.Reclaimed
	hostileRows := func() (n int) {
		for h := range hostile {
			n += len(openIDs(s, fmt.Sprint("h", h)))
		}
		return n
	}
	before := hostileRows()

	for a := range 50 {
		for i := range 3 {
			if err := open(fmt.Sprint("late", a), fmt.Sprint("i", i), 300); err != nil {
				t.Fatalf("agent late%d's interaction %d at the bound: %v", a, i, err)
			}
		}
		if st := s.Snapshot().Stats; st.Held-st.HeldEnded > bound+16<<10 {
			t.Fatalf("the rows and agents hold %d after late%d, past the bound %d by more than an event", st.Held-st.HeldEnded, a, bound)
		}
	}
	checkHeld(t, "after the newcomers", s)
	st := s.Snapshot().Stats
	if after := hostileRows(); after >= before || before-after != int(st.Reclaimed-reclaimed) {
		t.Errorf("the hostile agents kept %d of their %d interactions, %d reclaimed: want theirs, and only theirs, ended",
			after, before, st.Reclaimed)
	}
	share := s.rowShare(len(s.agents))
	for h := range hostile {
		if as := s.agents[fmt.Sprint("h", h)]; as.rows < share {
			t.Errorf("hostile agent h%d holds %d, reclaimed below its share %d", h, as.rows, share)
		}
	}
}

// checkReclaimed checks the ended rows the bound has not forgotten yet (the latest reclaimed, in the
// slack a reclaim leaves under the bound): some, all of the hostile agents h…, ended at the bound
// with the reason.
func checkReclaimed(t *testing.T, s *Store) {
	t.Helper()
	kept := 0
	for _, r := range s.Snapshot().Rows {
		if !r.Ended {
			continue
		}
		kept++
		if text := r.Timeline[len(r.Timeline)-1].Text; !strings.HasPrefix(r.AgentID, "h") ||
			!strings.HasPrefix(text, "ended at the memory bound (--max-memory 4.0 MiB): its agent's interactions held ") {
			t.Errorf("%s ended with %q, want only the hostile agents' ended at the memory bound, with the reason", r.Key, text)
		}
	}
	if kept == 0 {
		t.Error("no interaction ended at the bound is kept")
	}
}

// TestHeldLeavesTheBound (attacker's pass): an event taken at the bound that adds nothing (a state
// change repeated, usual traffic) still has the agents over their shares give room back, so that
// the store leaves the bound: it stayed there, and every next event read every agent again to be
// taken (70 µs an event with 10,000 agents, 250 times the cost below the bound).
func TestHeldLeavesTheBound(t *testing.T) {
	t.Parallel()
	const bound = 4 << 20
	s := NewStore(WithMaxHeld(bound))
	at := t0
	line := func(typ, agent, id string, subject int) string {
		return fmt.Sprintf(`{"type":%q,"agentId":%q,"params":[%s]}`, typ, agent,
			iv(id, "delivered", "voice", `"subject":"`+strings.Repeat("s", subject)+`"`))
	}
	at = hog(t, s, "h", at)
	for a := range 100 {
		apply(t, s, line(EvNewInteraction, fmt.Sprint("a", a), "i", 300))
	}
	at = toBound(t, s, at)
	if st := s.Snapshot().Stats; st.Held-st.HeldEnded < bound {
		t.Fatalf("the rows and agents hold %d, want the bound %d", st.Held-st.HeldEnded, bound)
	}
	if err := s.ApplyChecked(decodeT(t, line(EvInteractionStateChange, "a5", "i", 300)), at); err != nil {
		t.Fatalf("a5's change, within its share, at the bound: %v", err)
	}
	if st := s.Snapshot().Stats; st.Held-st.HeldEnded > bound-bound/256 || st.Reclaimed == 0 {
		t.Errorf("the rows and agents hold %d after an event taken at the bound (%d reclaimed), want the bound %d less a 256th",
			st.Held-st.HeldEnded, st.Reclaimed, bound)
	}
	checkHeld(t, "after the change", s)
}

// TestHeldNewAgentCountsItsRecords (attacker's pass): at the bound, what the agents over their
// shares can give back must cover a new agent's own records too (some 8 KB with its floor
// records), not only its interaction (a few hundred bytes): new agent ids were taken where the room
// given back could not hold them, and shrank every share by more than was reclaimed.
func TestHeldNewAgentCountsItsRecords(t *testing.T) {
	t.Parallel()
	s, at := hoggedAtBound(t, "known")
	line := func(agent string) Event {
		return decodeT(t, `{"type":"ON_NEW_INTERACTION","agentId":"`+agent+`","params":[`+iv("n1", "delivered", "voice", "")+`]}`)
	}
	ev := line("newcomer")
	adds := ev.HeldBytes()
	s.mu.Lock()
	s.over = overCache{ok: true, gen: s.heldGen, n: adds + 1} // the agents over their shares could give back just this
	s.mu.Unlock()
	var ce *CapError
	if err := s.ApplyChecked(ev, at); !errors.As(err, &ce) || ce.Cap != CapHeld {
		t.Errorf("a new agent's interaction, with room for it but not for the agent: %v, want CapHeld", err)
	}
	if err := s.ApplyChecked(line("known"), at); err != nil {
		t.Errorf("a known agent's interaction with room for it: %v", err)
	}
}

// TestHeldAdmitLeavesNoReclaim (the whole change's review): the check the hub makes before it
// stores an event in its log (Admit) decides nothing for the store: taken at the bound there, the
// event reclaims only when the log's copy is applied. A reclaim left pending by the check ran after
// the next event applied, on the ingesting hub's floor alone: the hubs on one log would diverge.
func TestHeldAdmitLeavesNoReclaim(t *testing.T) {
	t.Parallel()
	s, _ := hoggedAtBound(t, "a")
	if err := s.Admit(decodeT(t, `{"type":"ON_NEW_INTERACTION","agentId":"a","params":[`+iv("a2", "delivered", "voice", "")+`]}`)); err != nil {
		t.Fatalf("a's interaction within its share, checked at the bound: %v", err)
	}
	before := s.Snapshot().Stats.Reclaimed
	apply(t, s, `{"type":"ON_INTERACTION_REMOVED","agentId":"a","params":[`+iv("a1", "completed", "voice", "")+`]}`)
	if st := s.Snapshot().Stats; st.Reclaimed != before {
		t.Errorf("a removal after the check reclaimed %d interactions, want none", st.Reclaimed-before)
	}
}
