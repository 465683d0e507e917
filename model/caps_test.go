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

func decodeT(t *testing.T, line string) Event {
	t.Helper()
	ev, err := Decode([]byte(line))
	if err != nil {
		t.Fatal(err)
	}
	return ev
}
