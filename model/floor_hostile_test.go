package model

import (
	"strings"
	"testing"
	"time"
)

// TestFloorStateSpanReasonsBounded: an agent's state history keeps each span's not-ready reason cut
// to MaxChangeText, as its timeline does, so 1000 changes with a distinct 64 KB reason each keep
// some 256 KB, not 64 MB.
func TestFloorStateSpanReasonsBounded(t *testing.T) {
	t.Parallel()
	s := NewStore()
	for i := range maxStateSpans {
		at := t0.Add(time.Duration(i) * time.Second)
		reason := strings.Repeat(string(rune('a'+i%26)), 64<<10) + itoa(int64(i))
		s.Apply(Event{Type: EvAgentStateChange, AgentID: "a", TS: at,
			Payload: &AgentStateChange{State: AgentNotReady, Reason: reason}}, at)
	}
	spans := s.Snapshot().Agents[0].States
	total := 0
	for _, sp := range spans {
		total += len(sp.Reason)
		if len(sp.Reason) > MaxChangeText || !strings.HasSuffix(sp.Reason, "…") {
			t.Fatalf("span reason of %d bytes, want at most %d ending in …", len(sp.Reason), MaxChangeText)
		}
	}
	if len(spans) != maxStateSpans || total > maxStateSpans*MaxChangeText {
		t.Errorf("%d spans keep %d bytes of reasons", len(spans), total)
	}
}
