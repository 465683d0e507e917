package model

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestReclaimedIsNotHandled: an interaction the memory bound ended was not handled: the agent may
// still be on it. The floor statistics counted each one handled (or abandoned, when it had not been
// answered), with a handle time that stopped at the bound, and the agent's Handled counted it.
func TestReclaimedIsNotHandled(t *testing.T) {
	t.Parallel()
	s := NewStore(WithMaxHeld(4 << 20))
	at := t0
	line := func(typ, agent, id, state string, subject int) Event {
		return decodeT(t, fmt.Sprintf(`{"type":%q,"agentId":%q,"params":[%s]}`, typ, agent,
			iv(id, state, "voice", `"service":"S","subject":"`+strings.Repeat("s", subject)+`"`)))
	}
	take := func(e Event) error { at = at.Add(time.Second); return s.ApplyChecked(e, at) }
	for _, e := range []Event{line(EvNewInteraction, "h", "done", "delivered", 10), // answered and handled: counts
		line(EvInteractionRemoved, "h", "done", "completed", 10),
		line(EvNewInteraction, "h", "waits", "queued", 10)} { // never answered: reclaimed, not abandoned
		if err := take(e); err != nil {
			t.Fatal(err)
		}
	}
	at = toBound(t, s, hog(t, s, "h", at))
	for a := 0; s.Snapshot().Stats.Reclaimed < 2; a++ {
		if a == 200 {
			t.Fatal("200 newcomers at the bound and nothing reclaimed")
		}
		if err := take(line(EvNewInteraction, fmt.Sprint("late", a), "i", "delivered", 300)); err != nil {
			t.Fatalf("late%d: %v", a, err)
		}
	}
	sn := s.Snapshot()
	if open := openIDs(s, "h"); len(open) == 0 || open[0] == "waits" {
		t.Fatalf("h's open interactions %v: want its oldest reclaimed and some left", open)
	}
	open := 0
	for _, r := range sn.Rows {
		if r.Open() {
			open++
		}
	}
	ff := sn.Floor.Figures(at, SinceStart)
	if sf := ff.Total; sf.Handled != 1 || sf.Abandoned != 0 || sf.AHT != time.Second || sf.Open != open {
		t.Errorf("the floor after %d reclaimed: handled %d (AHT %v), abandoned %d, open %d; want 1 handled in 1s, none abandoned, %d open",
			sn.Stats.Reclaimed, sf.Handled, sf.AHT, sf.Abandoned, sf.Open, open)
	}
	for _, af := range ff.Agents {
		if af.Agent == "h" && af.Handled != 1 {
			t.Errorf("agent h's figures: handled %d, want 1", af.Handled)
		}
	}
	for _, ag := range sn.Agents {
		if ag.ID == "h" && ag.Handled != 1 {
			t.Errorf("agent h's Handled %d, want 1", ag.Handled)
		}
	}
}

// TestReclaimedReopens: an event of an interaction the bound ended reopens it like any other, and
// its end is then its own: counted once, handled.
func TestReclaimedReopens(t *testing.T) {
	t.Parallel()
	s := NewStore()
	apply(t, s, evAgent("a", EvNewInteraction, iv("c", "delivered", "voice", `"service":"S"`)))
	s.mu.Lock()
	s.end(s.rows[RowKey("a", "c")], t0.Add(time.Second), "ended at the memory bound", EvNewInteraction, endedByBound)
	s.mu.Unlock()
	if r := s.Row(RowKey("a", "c")); r == nil || !r.Ended || !r.Reclaimed {
		t.Fatalf("row %+v, want ended by the bound", r)
	}
	apply(t, s, evAgent("a", EvInteractionStateChange, iv("c", "wrap_up", "voice", `"service":"S"`)))
	if r := s.Row(RowKey("a", "c")); r.Ended || r.Reclaimed {
		t.Fatalf("after a change: ended %v, reclaimed %v; want it open again", r.Ended, r.Reclaimed)
	}
	apply(t, s, evAgent("a", EvInteractionRemoved, iv("c", "wrap_up", "voice", `"service":"S"`)))
	sn := s.Snapshot()
	if r := s.Row(RowKey("a", "c")); !r.Ended || r.Reclaimed {
		t.Fatalf("after its removal: ended %v, reclaimed %v; want it ended by the event", r.Ended, r.Reclaimed)
	}
	if sf := sn.Floor.Figures(t0.Add(time.Minute), SinceStart).Services[0]; sf.Handled != 1 || sf.Open != 0 {
		t.Errorf("service S: handled %d, open %d; want 1, 0", sf.Handled, sf.Open)
	}
	if h := sn.Agents[0].Handled; h != 1 {
		t.Errorf("agent a's Handled %d, want 1", h)
	}
}

// TestReclaimedMarker: a hub's DESKWATCH_RECLAIMED ends the open interactions it names of an agent
// the store holds, as the hub's bound ended them (its reason sanitized in their timelines), and
// does nothing else: no agent made, no seq counted, nothing refused, ended ones left as they were.
func TestReclaimedMarker(t *testing.T) {
	t.Parallel()
	s := NewStore(WithAgentCaps(2, 0))
	apply(t, s, evAgent("a", EvNewInteraction, iv("c1", "delivered", "voice", `"service":"S"`)),
		evAgent("a", EvNewInteraction, iv("c2", "delivered", "voice", `"service":"S"`)))
	marker := func(agent, ids string) Event {
		return decodeT(t, `{"type":"DESKWATCH_RECLAIMED","agentId":"`+agent+`","ts":5000,"params":[{"interactions":[`+ids+
			`],"text":"(--max-memory 1.0 GiB): held\u001b[2J"}]}`)
	}
	for _, e := range []Event{marker("a", `"c1","gone"`), marker("b", `"c2"`), marker("a", `"c1"`)} {
		if err := s.ApplyChecked(e, t0.Add(5*time.Second)); err != nil {
			t.Fatalf("%v", err)
		}
	}
	sn := s.Snapshot()
	if len(sn.Agents) != 1 || sn.Stats.Reclaimed != 1 || sn.Stats.Refused != 0 || sn.Agents[0].HasSeq {
		t.Errorf("agents %d, reclaimed %d, refused %d; want 1 agent, 1 reclaimed, none refused", len(sn.Agents), sn.Stats.Reclaimed, sn.Stats.Refused)
	}
	c1, c2 := s.Row(RowKey("a", "c1")), s.Row(RowKey("a", "c2"))
	if text := c1.Timeline[len(c1.Timeline)-1].Text; !c1.Reclaimed || !strings.HasPrefix(text, "ended at the hub's memory bound (--max-memory 1.0 GiB): held") {
		t.Errorf("c1: reclaimed %v, %q", c1.Reclaimed, text)
	}
	if strings.ContainsRune(c1.Timeline[len(c1.Timeline)-1].Text, 0x1b) {
		t.Errorf("the hub's text reached the timeline unsanitized: %q", c1.Timeline[len(c1.Timeline)-1].Text)
	}
	if c2.Ended {
		t.Error("b's marker ended a's c2")
	}
	// The slot c1 held counts no more: a new interaction is taken under the cap of 2 open.
	if err := s.ApplyChecked(decodeT(t, evAgent("a", EvNewInteraction, iv("c3", "delivered", "voice", ""))), t0.Add(6*time.Second)); err != nil {
		t.Errorf("c3 after c1 was reclaimed: %v", err)
	}
	if _, err := Decode([]byte(`{"type":"DESKWATCH_RECLAIMED","agentId":"a","params":[{"interactions":["` + strings.Repeat("x", MaxIDBytes+1) + `"]}]}`)); err == nil {
		t.Error("an id over MaxIDBytes was taken")
	}
}

// TestReclaimedThenItsRealEnd (attacker's passes): the end of an interaction the bound ended (its
// removal, its completion, its desktop gone, a resync that no longer lists it, a new interaction
// event of it completed) is its real end, counted as any end (handled, its agent's too) at that
// time: the row stayed "reclaimed" and its end was counted nowhere.
func TestReclaimedThenItsRealEnd(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ last, text string }{
		{evAgent("a", EvInteractionRemoved, iv("c", "wrap_up", "voice", `"service":"S"`)), "ended (after the memory bound had ended it)"},
		{evAgent("a", EvInteractionStateChange, iv("c", "completed", "voice", `"service":"S"`)), "ended (after the memory bound had ended it)"},
		{evAgent("a", EvDesktop, `{"status":"gone","reason":"no bridge"}`), "desktop gone (after the memory bound had ended it)"},
		{evAgent("a", EvInteractionsState, `{"activeInteractionId":null,"interactions":[]}`),
			"closed: absent from the agent's snapshot (after the memory bound had ended it)"},
		{evAgent("a", EvNewInteraction, iv("c", "completed", "voice", `"service":"S"`)), "reopened"},
	} {
		last := tc.last
		s := NewStore()
		apply(t, s, evAgent("a", EvNewInteraction, iv("c", "delivered", "voice", `"service":"S"`)))
		s.mu.Lock()
		s.end(s.rows[RowKey("a", "c")], t0.Add(time.Second), "ended at the memory bound", EvNewInteraction, endedByBound)
		s.mu.Unlock()
		if err := s.ApplyChecked(decodeT(t, last), t0.Add(30*time.Second)); err != nil {
			t.Fatal(err)
		}
		sn := s.Snapshot()
		r := s.Row(RowKey("a", "c"))
		if text := r.Timeline[len(r.Timeline)-1].Text; r.Reclaimed || r.Open() || text != tc.text {
			t.Errorf("%.60s: reclaimed %v, open %v, %q; want its own end, %q", last, r.Reclaimed, r.Open(), text, tc.text)
		}
		sf := sn.Floor.Figures(t0.Add(time.Minute), SinceStart).Services[0]
		if sf.Handled != 1 || sf.Abandoned != 0 || sf.AHT != 30*time.Second || sf.Open != 0 || sn.Agents[0].Handled > 1 {
			t.Errorf("%.60s: handled %d (AHT %v), abandoned %d, open %d, agent's %d; want 1 handled in 30s, none open",
				last, sf.Handled, sf.AHT, sf.Abandoned, sf.Open, sn.Agents[0].Handled)
		}
	}
}

// TestHeldShareTooSmallSaysSo (newcomer): when an agent's share cannot hold even its first
// interaction, nothing it holds can end to make room: the refusal says to raise the bound, not to
// wait for its interactions to end.
func TestHeldShareTooSmallSaysSo(t *testing.T) {
	t.Parallel()
	s := NewStore(WithMaxHeld(64 << 10))
	at := t0
	for a := 0; s.Snapshot().Stats.HeldAgents < 50<<10; a++ { // past three quarters: the shares hold
		at = at.Add(time.Second)
		if err := s.ApplyChecked(decodeT(t, fmt.Sprintf(`{"type":"ON_LOGIN","agentId":"a%d","params":[{"isLoggedIn":true}]}`, a)), at); err != nil {
			t.Fatalf("login a%d: %v", a, err)
		}
	}
	err := s.ApplyChecked(decodeT(t, evAgent("a1", EvNewInteraction, iv("i", "delivered", "voice", `"subject":"`+strings.Repeat("s", 4000)+`"`))), at)
	if err == nil || !strings.HasSuffix(err.Error(), "; a share this small holds no interaction of this size: raise --max-memory") {
		t.Errorf("a1's first interaction: %v, want a share too small, raise --max-memory", err)
	}
}

// TestReclaimAtItsAgentsTime (attacker's pass): the interactions the bound ends end at their own
// agent's time (its last event's), which the hub's DESKWATCH_RECLAIMED says (Reclaim.At): the event
// that needed the room is another agent's, whose bridge chose its time; a newcomer that said it was
// the year 2200 ended the hog's calls in 2200, 170 years long.
func TestReclaimAtItsAgentsTime(t *testing.T) {
	t.Parallel()
	s := NewStore(WithMaxHeld(4 << 20))
	last := hog(t, s, "h", t0) // the refused one's time: h's last event is a millisecond before
	at := toBound(t, s, last)
	far := time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
	for a := 0; s.Snapshot().Stats.Reclaimed == 0; a++ {
		if a == 200 {
			t.Fatal("200 newcomers at the bound and nothing reclaimed")
		}
		e := decodeT(t, fmt.Sprintf(`{"type":"ON_NEW_INTERACTION","agentId":"late%d","params":[%s]}`, a,
			iv("i", "delivered", "voice", `"subject":"`+strings.Repeat("s", 300)+`"`)))
		if err := s.ApplyChecked(e, far); err != nil {
			t.Fatalf("late%d: %v", a, err)
		}
	}
	rcs := s.LastReclaimed()
	hLast := last.Add(-time.Millisecond)
	if len(rcs) != 1 || rcs[0].Agent != "h" || !rcs[0].At.Equal(hLast) {
		t.Fatalf("reclaimed %+v, want h's interactions at h's last event, %v", rcs, hLast)
	}
	for _, r := range s.Snapshot().Rows {
		if r.Reclaimed && (!r.EndedAt.Equal(hLast) || r.Timeline[len(r.Timeline)-1].At().After(at)) {
			t.Errorf("%s ended at %v (timeline %v), want h's time %v", r.Key, r.EndedAt,
				r.Timeline[len(r.Timeline)-1].At(), hLast)
		}
	}
}
