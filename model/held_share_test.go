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
