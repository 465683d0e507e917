package model

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"
)

// heldRecount is what Stats.Held, HeldEnded and HeldAgents should be: every row and agent weighed now.
func heldRecount(s *Store) (held, ended, agents int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sl := range s.rows {
		w := sl.row.weigh()
		held += w
		if sl.row.Ended {
			ended += w
		}
	}
	for _, as := range s.agents {
		agents += s.agentWeight(as.ag)
	}
	return held + agents, ended, agents
}

// checkHeld fails unless the store's running totals are a recount of its rows and agents, and what
// each agent's rows not removed hold a recount of them.
func checkHeld(t testing.TB, what string, s *Store) {
	t.Helper()
	held, ended, agents := heldRecount(s)
	if st := s.Snapshot().Stats; st.Held != held || st.HeldEnded != ended || st.HeldAgents != agents {
		t.Fatalf("%s: held %d (ended %d, agents %d), a recount says %d (%d, %d)", what, st.Held, st.HeldEnded,
			st.HeldAgents, held, ended, agents)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rows, snaps := make(map[string]int64), make(map[string]int64)
	for _, sl := range s.rows {
		if !sl.row.Ended {
			rows[sl.row.AgentID] += sl.row.weigh()
			snaps[sl.row.AgentID] += sl.row.snapHeld
		}
	}
	for id, as := range s.agents {
		if as.rows != rows[id] || as.snap != snaps[id] {
			t.Fatalf("%s: agent %q's rows hold %d (snapshots %d), a recount says %d (%d)", what, id, as.rows, as.snap,
				rows[id], snaps[id])
		}
	}
}

// namedPartiesEvent is a new interaction (or a state change, or its removal) with n call parties of a
// few dozen bytes each.
func namedPartiesEvent(typ, id string, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":"p%d","name":"Party number %d","phone":"+1555000%04d"}`, i, i, i)
	}
	return ev(typ, iv(id, "delivered", "voice", `"callParties":[`+b.String()+`]`))
}

// TestHeldBound: near the memory bound an agent adds only within its share (CapShare); past the
// bound the ended rows are forgotten first; then events that could add are refused with the reason
// (CapHeld), those that end interactions are taken, and once some end, others are taken again. The
// totals are a recount all along.
func TestHeldBound(t *testing.T) {
	t.Parallel()
	const bound = 256 << 10
	s := NewStore(WithMaxHeld(bound), WithRetention(1000))
	apply(t, s, namedPartiesEvent(EvNewInteraction, "e0", 200), namedPartiesEvent(EvInteractionRemoved, "e0", 200))
	checkHeld(t, "one ended", s)
	opened, at := 0, t0
	var refused error
	for i := range 100 {
		at = at.Add(time.Second)
		if refused = s.ApplyChecked(decodeT(t, namedPartiesEvent(EvNewInteraction, fmt.Sprint("c", i), 200)), at); refused != nil {
			break
		}
		opened++
	}
	checkHeld(t, "at the agent's share", s)
	var ce *CapError
	if !errors.As(refused, &ce) || ce.Cap != CapShare {
		t.Fatalf("after %d opened: refused %v; want a CapShare refusal", opened, refused)
	}
	if want := `agent's memory share reached (--max-memory 256.0 KiB): agent "" would hold `; !strings.HasPrefix(refused.Error(), want) ||
		!strings.Contains(refused.Error(), " KiB (three quarters of the bound, less the agents' own 8.2 KiB, among 1 agent); "+
			"its new interactions and changes are refused until some of them end") {
		t.Errorf("reason %q, want it to say %q and the share", refused, want)
	}

	at = toBound(t, s, at)
	checkHeld(t, "at the bound", s)
	st := s.Snapshot().Stats
	if st.Evicted != 1 || st.HeldEnded != 0 {
		t.Errorf("the ended row should have been forgotten first: evicted %d, ended rows hold %d", st.Evicted, st.HeldEnded)
	}
	// One event past the bound at most.
	if st.Held < bound || st.Held > bound+64<<10 {
		t.Errorf("held %d, want from the bound %d to one event past it", st.Held, bound)
	}
	// A state change of an open one is refused too; its removal is taken, and makes room.
	if err := s.ApplyChecked(decodeT(t, namedPartiesEvent(EvInteractionStateChange, "c0", 1)), at); err == nil {
		t.Error("a state change at the bound was taken")
	}
	apply(t, s, namedPartiesEvent(EvInteractionRemoved, "c0", 200), namedPartiesEvent(EvInteractionRemoved, "c1", 200))
	checkHeld(t, "after two ends", s)
	if r := s.Row(RowKey("", "c0")); r != nil && !r.Ended {
		t.Fatal("the removal at the bound was not taken")
	}
	if err := s.ApplyChecked(decodeT(t, namedPartiesEvent(EvNewInteraction, "n", 200)), at); !errors.As(err, &ce) || ce.Cap != CapShare {
		t.Fatalf("a new interaction of the agent over its share once two ended: %v, want CapShare", err)
	}
	if err := s.ApplyChecked(decodeT(t, `{"type":"ON_NEW_INTERACTION","agentId":"late","params":[`+
		iv("n", "delivered", "voice", "")+`]}`), at); err != nil {
		t.Fatalf("a new agent's interaction once others ended: %v", err)
	}
	checkHeld(t, "after the new one", s)
	if st := s.Snapshot().Stats; st.Held > bound+64<<10 {
		t.Errorf("held %d past the bound %d by more than an event", st.Held, bound)
	}
}

// toBound logs in new agents n0, n1, … until the store refuses one at its bound (CapHeld): their own
// records take it there, and nothing at the bound makes room for them (interactions of agents within
// their shares would be taken, and others' ended: held_reclaim.go). It returns the time of the
// refused one.
// hog has agent open interactions of 60 KiB each (x0, x1, …), a millisecond apart from at, until
// the store refuses one; it returns the time of the refused one.
func hog(t *testing.T, s *Store, agent string, at time.Time) time.Time {
	t.Helper()
	for i := 0; ; i++ {
		line := fmt.Sprintf(`{"type":"ON_NEW_INTERACTION","agentId":%q,"params":[%s]}`, agent,
			iv(fmt.Sprint("x", i), "delivered", "voice", `"subject":"`+strings.Repeat("s", 60<<10)+`"`))
		if s.ApplyChecked(decodeT(t, line), at) != nil {
			return at
		}
		at = at.Add(time.Millisecond)
	}
}

// hoggedAtBound is a store of 4 MiB that agent "h" took (hog), where agent holds one interaction
// (its first letter and 1: "a1"), taken to its bound by logins (toBound); it returns the time of the refused login.
func hoggedAtBound(t *testing.T, agent string) (*Store, time.Time) {
	t.Helper()
	s := NewStore(WithMaxHeld(4 << 20))
	at := hog(t, s, "h", t0)
	apply(t, s, evAgent(agent, EvNewInteraction, iv(agent[:1]+"1", "delivered", "voice", "")))
	return s, toBound(t, s, at)
}

func toBound(t *testing.T, s *Store, at time.Time) time.Time {
	t.Helper()
	for n := 0; ; n++ {
		at = at.Add(time.Second)
		err := s.ApplyChecked(decodeT(t, fmt.Sprintf(`{"type":"ON_LOGIN","agentId":"n%d","params":[{"isLoggedIn":true}]}`, n)), at)
		var ce *CapError
		switch {
		case errors.As(err, &ce) && ce.Cap == CapHeld:
			return at
		case err != nil:
			t.Fatalf("newcomer n%d: %v, want it taken or a CapHeld refusal", n, err)
		}
	}
}

// TestHeldBoundTakesWhatEnds: past the bound, the events that end an interaction are taken (a state
// change to completed), and those that trail the end of one the bound forgot (its activity record,
// its last snapshot, dropped as stale); those that open or change an open one are not.
func TestHeldBoundTakesWhatEnds(t *testing.T) {
	t.Parallel()
	const bound = 64 << 10
	s := NewStore(WithMaxHeld(bound))
	for i := 0; s.Snapshot().Stats.Held < bound/2; i++ {
		apply(t, s, namedPartiesEvent(EvNewInteraction, fmt.Sprint("s", i), 1))
	}
	apply(t, s, namedPartiesEvent(EvInteractionRemoved, "s0", 1))
	toBound(t, s, t0) // the bound forgets s0
	if st := s.Snapshot().Stats; st.Held-st.HeldEnded < bound {
		t.Fatalf("open rows hold %d, want the bound %d or more", st.Held-st.HeldEnded, bound)
	}
	for _, c := range []struct {
		line  string
		taken bool
	}{
		{ev(EvSaveActivityRecord, iv("s0", "completed", "voice", `"disposition":"Sale"`)), true},
		{ev(EvInteractionStateChange, iv("s0", "completed", "voice", "")), true},
		{ev(EvInteractionStateChange, iv("s1", "completed", "voice", "")), true},
		{ev(EvInteractionStateChange, iv("s2", "hold", "voice", "")), false},
		{ev(EvInteractionStateChange, iv("s0", "delivered", "voice", "")), false}, // would reopen it
		{ev(EvNewInteraction, iv("new", "delivered", "voice", "")), false},
	} {
		if err := s.ApplyChecked(decodeT(t, c.line), t0); (err == nil) != c.taken {
			t.Errorf("%s: refusal %v, want taken %v", c.line[:60], err, c.taken)
		}
	}
	if st := s.Snapshot().Stats; st.Stale != 2 || s.Row(RowKey("", "s0")) != nil {
		t.Errorf("what trails s0's end, which the bound forgot, should be dropped as stale: %d stale", st.Stale)
	}
	checkHeld(t, "past the bound", s)
}

// TestHeldRecountOverStreams: over the checkpoint tests' streams (every variant, one with a memory
// bound that refuses and forgets), the running totals are a recount after every step.
func TestHeldRecountOverStreams(t *testing.T) {
	t.Parallel()
	refused := false
	for seed := range uint64(60) {
		c := newCkCase(seed, 300)
		s := NewStore(c.opts...)
		for i, op := range c.ops {
			op(s)
			checkHeld(t, c.what(fmt.Sprint("step ", i)), s)
		}
		for _, r := range s.Snapshot().Rejections {
			refused = refused || strings.Contains(r.Reason, "memory bound") || strings.Contains(r.Reason, "memory share")
		}
	}
	if !refused {
		t.Error("no stream reached the memory bound")
	}
}

// TestHeldEstimate: the estimate is within a factor of two of what the store really takes, for the
// generator's usual interactions, for the lists a hostile source fills to the decoder's bounds, for
// one interaction kept of a long listing (the listing must not stay alive behind it), and for
// agents with many not-ready reasons (their floor records). Not parallel: it reads the heap.
func TestHeldEstimate(t *testing.T) {
	empty := strings.Repeat(`{},`, MaxAssociatedObjects-1) + `{}`
	attachedData := func(n, value int) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, `%s"k%d":"%s"`, map[bool]string{true: ",", false: ""}[i > 0], i, strings.Repeat("v", value))
		}
		return `"attachedData":{` + b.String() + `}`
	}
	one := func(line func(id string) string) func(i int) []string {
		return func(i int) []string { return []string{line(fmt.Sprint("i", i))} }
	}
	for _, c := range []struct {
		name  string
		lines func(i int) []string
		count int
		floor bool
	}{
		{"usual", one(func(id string) string {
			return ev(EvNewInteraction, iv(id, "delivered", "voice",
				`"callParties":[{"id":"p1","name":"Ann Lee","phone":"+15550100"},{"id":"p2","name":"Agent","phone":"1001"}],`+
					`"attachedData":{"account":"12345","tier":"gold"},"service":"Support","ANI":"+15550100","startTime":1700000000000`))
		}), 4000, false},
		{"empty objects", one(func(id string) string {
			return ev(EvNewInteraction, iv(id, "delivered", "voice", `"associatedObjects":{"list":[`+empty+`]}`))
		}), 400, false},
		{"parties", one(func(id string) string { return namedPartiesEvent(EvNewInteraction, id, MaxCallParties) }), 200, false},
		{"attached data", one(func(id string) string {
			return ev(EvNewInteraction, iv(id, "delivered", "voice", attachedData(MaxAttachedData, 1)))
		}), 100, false},
		{"one kept of a listing", func(i int) []string {
			var listed []string
			for k := range 60 {
				listed = append(listed, iv(fmt.Sprint("i", k), "delivered", "voice", attachedData(50, 50)))
			}
			lines := []string{fmt.Sprintf(`{"type":"INTERACTIONS_STATE","agentId":"a%d","params":[{"activeInteractionId":null,"interactions":[%s]}]}`,
				i, strings.Join(listed, ","))}
			for k := 1; k < 60; k++ {
				lines = append(lines, fmt.Sprintf(`{"type":"ON_INTERACTION_REMOVED","agentId":"a%d","params":[%s]}`, i,
					iv(fmt.Sprint("i", k), "completed", "voice", "")))
			}
			return lines
		}, 40, false},
		{"agents' reasons", func(i int) []string {
			var lines []string
			for r := range 20 {
				lines = append(lines,
					fmt.Sprintf(`{"type":"ON_AGENT_STATE_CHANGE","agentId":"a%d","params":["not_ready","reason %d"]}`, i, r),
					fmt.Sprintf(`{"type":"ON_AGENT_STATE_CHANGE","agentId":"a%d","params":["ready"]}`, i))
			}
			return lines
		}, 1000, true},
	} {
		before := heapAfterGC()
		var events []Event
		for i := range c.count {
			for _, l := range c.lines(i) {
				events = append(events, decodeT(t, l))
			}
		}
		opts := []Option{WithCaps(DefaultMaxAgents, DefaultMaxOpen)}
		if !c.floor {
			opts = append(opts, WithoutFloorStats())
		}
		s := NewStore(opts...)
		for i, e := range events {
			s.Apply(e, t0.Add(time.Duration(i)*time.Second))
		}
		events = nil // the store holds what it keeps of them now
		real := heapAfterGC() - before
		est := s.Snapshot().Stats.Held
		ratio := float64(real) / float64(est)
		t.Logf("%s: %d times, the store takes %d bytes, estimated %d (%.2f times)", c.name, c.count, real, est, ratio)
		if ratio < 0.5 || ratio > 2 {
			t.Errorf("%s: the store takes %d bytes, its estimate is %d (%.2f times)", c.name, real, est, ratio)
		}
		runtime.KeepAlive(s)
	}
}

func heapAfterGC() int64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}
