package model

import (
	"testing"
	"time"
)

// TestFloorBasic: a call waits 5 s, is answered, held, wrapped up and removed; another waits and is
// abandoned; the agent is ready then busy.
func TestFloorBasic(t *testing.T) {
	t.Parallel()
	s := NewStore()
	start := `"startTime":` + itoa(t0.UnixMilli())
	apply(t, s,
		evAgent("a", EvAgentStateChange, `"ready"`),                                                    // 0
		evAgent("a", EvNewInteraction, iv("c1", "queued", "voice", `"service":"S",`+start)),            // 1
		evAgent("a", EvNewInteraction, iv("c2", "queued", "voice", `"service":"S"`)),                   // 2
		evAgent("a", EvInteractionStateChange, iv("c1", "delivered", "voice", `"service":"S",`+start)), // 3
		evAgent("a", EvAgentStateChange, `"busy"`),                                                     // 4
		evAgent("a", EvInteractionRemoved, iv("c2", "queued", "voice", `"service":"S"`)),               // 5
		evAgent("a", EvInteractionStateChange, iv("c1", "wrap_up", "voice", `"service":"S",`+start)),   // 6
		evAgent("a", EvInteractionRemoved, iv("c1", "wrap_up", "voice", `"service":"S",`+start)),       // 7
	)
	sn := s.Snapshot()
	ff := sn.Floor.Figures(t0.Add(10*time.Second), SinceStart)
	if len(ff.Services) != 1 || len(ff.Agents) != 1 {
		t.Fatalf("figures %+v", ff)
	}
	sf, af := ff.Services[0], ff.Agents[0]
	if sf.Answered != 1 || sf.Abandoned != 1 || sf.ASA != 3*time.Second || sf.AHT != 4*time.Second ||
		sf.ServiceLevel != 50 || sf.Open != 0 {
		t.Errorf("service %+v", sf)
	}
	// ready 0..4, busy 4..10 (now)
	if af.Ready != 4*time.Second || af.Busy != 6*time.Second || af.LoggedInTime != 10*time.Second ||
		af.Handled != 1 || af.AHT != 4*time.Second || af.State != AgentBusy || af.InState != 6*time.Second {
		t.Errorf("agent %+v", af)
	}
	if r := sn.Rows[0]; !r.AnsweredAt.Equal(t0.Add(3 * time.Second)) {
		t.Errorf("AnsweredAt %v", r.AnsweredAt)
	}
	if got := sn.Agents[0].States; len(got) != 2 || got[1].State != AgentBusy {
		t.Errorf("States %+v", got)
	}
}
