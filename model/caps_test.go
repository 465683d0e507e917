package model

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestStoreCapsRefuseWithAReason: the attacker's case, a source that opens interaction after
// interaction (or names agent after agent) straight to the monitor. Past the store's caps each such
// event is refused with the reason and changes nothing; what is known still updates, and an
// interaction that ends makes room again.
func TestStoreCapsRefuseWithAReason(t *testing.T) {
	t.Parallel()
	s := NewStore(WithCaps(3, 4))
	at := time.Unix(1700000000, 0)
	open := func(agent, id, typ string) error {
		t.Helper()
		return s.ApplyChecked(decodeT(t, fmt.Sprintf(`{"type":%q,"agentId":%q,"params":[{"interactionId":%q,`+
			`"state":"delivered","type":"voice"}]}`, typ, agent, id)), at)
	}
	for i := range 4 {
		if err := open("a1", fmt.Sprint("c", i), EvNewInteraction); err != nil {
			t.Fatalf("interaction %d under the cap: %v", i, err)
		}
	}
	if err := open("a1", "c9", EvNewInteraction); err == nil || !strings.Contains(err.Error(), "cap of 4 open") {
		t.Errorf("a fifth open interaction: %v, want refused", err)
	}
	if err := open("a1", "c0", EvInteractionStateChange); err != nil {
		t.Errorf("a known interaction's change: %v", err)
	}
	if err := open("a1", "c0", EvInteractionRemoved); err != nil {
		t.Errorf("an interaction's end: %v", err)
	}
	if err := open("a1", "c9", EvNewInteraction); err != nil {
		t.Errorf("after an end there is room: %v", err)
	}
	for _, a := range []string{"a2", "a3"} {
		if err := s.ApplyChecked(decodeT(t, `{"type":"ON_LOGOUT","agentId":"`+a+`","params":[]}`), at); err != nil {
			t.Fatal(err)
		}
	}
	err := s.ApplyChecked(decodeT(t, `{"type":"ON_LOGOUT","agentId":"a4","params":[]}`), at)
	if err == nil || !strings.Contains(err.Error(), "cap of 3 agents") {
		t.Errorf("a fourth agent: %v, want refused", err)
	}
	st := s.Snapshot().Stats
	if st.Open != 4 || st.Refused != 2 || len(s.Snapshot().Agents) != 3 {
		t.Errorf("open %d, refused %d, agents %d; want 4, 2, 3", st.Open, st.Refused, len(s.Snapshot().Agents))
	}
}

func decodeT(t testing.TB, line string) Event {
	t.Helper()
	ev, err := Decode([]byte(line))
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

// TestAgentCapsRefuseAndCountOnlyWhatIsOpen: WithAgentCaps bounds one agent's open interactions
// (a change to one already open passes, an end makes room), the interactions one INTERACTIONS_STATE
// lists and the parties of one interaction; a refused event is not counted as open.
func TestAgentCapsRefuseAndCountOnlyWhatIsOpen(t *testing.T) {
	t.Parallel()
	s := NewStore(WithAgentCaps(2, 1))
	at := time.Unix(1700000000, 0)
	apply := func(typ, agent, params string) *CapError {
		t.Helper()
		err := s.ApplyChecked(decodeT(t, fmt.Sprintf(`{"type":%q,"agentId":%q,"params":%s}`, typ, agent, params)), at)
		ce, _ := err.(*CapError)
		if err != nil && ce == nil {
			t.Fatalf("%s: %v, want a *CapError", typ, err)
		}
		return ce
	}
	in := func(id, parties string) string {
		return fmt.Sprintf(`{"interactionId":%q,"state":"delivered","type":"voice","callParties":[%s]}`, id, parties)
	}
	for _, id := range []string{"c1", "c2"} {
		if ce := apply(EvNewInteraction, "a1", "["+in(id, "")+"]"); ce != nil {
			t.Fatalf("%s under the cap: %v", id, ce)
		}
	}
	if ce := apply(EvNewInteraction, "a1", "["+in("c3", "")+"]"); ce == nil || ce.Cap != CapAgentOpen || ce.N != 3 ||
		ce.Interaction != "c3" {
		t.Errorf("a third open interaction: %+v, want CapAgentOpen, number 3", ce)
	}
	if ce := apply(EvInteractionStateChange, "a1", "["+in("c1", "")+"]"); ce != nil {
		t.Errorf("a change to an open interaction: %v", ce)
	}
	if ce := apply(EvNewInteraction, "a2", "["+in("c3", "")+"]"); ce != nil {
		t.Errorf("another agent's interaction: %v", ce)
	}
	if ce := apply(EvInteractionRemoved, "a1", "["+in("c1", "")+"]"); ce != nil {
		t.Fatal(ce)
	}
	if ce := apply(EvNewInteraction, "a1", "["+in("c3", "")+"]"); ce != nil {
		t.Errorf("after an end there is room: %v", ce)
	}
	two := `{"id":"p1","name":"n"},{"id":"p2","name":"n"}`
	if ce := apply(EvNewInteraction, "a3", "["+in("c9", two)+"]"); ce == nil || ce.Cap != CapParties || ce.N != 2 {
		t.Errorf("two parties: %+v, want CapParties", ce)
	}
	list := `[{"activeInteractionId":null,"interactions":[` + in("x1", "") + "," + in("x2", "") + "," + in("x3", "") + `]}]`
	if ce := apply(EvInteractionsState, "a3", list); ce == nil || ce.Cap != CapListed || ce.N != 3 {
		t.Errorf("three listed: %+v, want CapListed", ce)
	}
	if ce := apply(EvNewInteraction, "a3", "["+in("c1", "")+"]"); ce != nil {
		t.Errorf("refused events left a3 no room: %v", ce)
	}
}
