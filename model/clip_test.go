package model

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// Texts the store keeps that quote event strings (timeline entries, alerts, rejection reasons) are
// cut to a bound: 500 timeline entries of a row or an agent, quoting a 100 KB value each, cost
// kilobytes, not 50 MB.
func TestKeptTextsAreBounded(t *testing.T) {
	t.Parallel()
	s := NewStore()
	at := time.UnixMilli(1700000000000)
	apply := func(line string) {
		t.Helper()
		e, err := Decode([]byte(line))
		if err != nil {
			t.Fatal(err)
		}
		s.Apply(e, at)
	}
	big := func(i int) string { return strings.Repeat("é", 50000) + string(rune('a'+i%26)) }
	for i := range 20 {
		apply(evAgent("b.smith", EvInteractionStateChange, iv("c1", "delivered", "voice",
			`"service":"`+big(i)+`","disposition":"`+big(i+1)+`"`)))
		apply(evAgent("b.smith", EvAgentStateChange, `"not_ready","`+big(i)+`"`))
		apply(evAgent("b.smith", EvServerError, `{"code":1,"name":"x","timestamp":1,"message":"`+big(i)+`"}`))
	}
	s.Reject(Origin{Source: "t"}, "params[0]."+big(0)+": want string, got number", nil, at)
	s.Warn(Origin{Source: "t"}, big(1), nil, at)
	sn := s.Snapshot()
	check := func(what, text string, limit int) {
		t.Helper()
		if len(text) > limit || !utf8.ValidString(text) {
			t.Errorf("%s: %d bytes (valid UTF-8 %t), want at most %d", what, len(text), utf8.ValidString(text), limit)
		}
	}
	for _, c := range sn.Rows[0].Timeline {
		check("row timeline", c.Text, MaxChangeText)
	}
	for _, c := range sn.Agents[0].Timeline {
		check("agent timeline", c.Text, MaxChangeText)
	}
	for _, a := range sn.Alerts {
		check("alert", a.Text, MaxLogText)
	}
	for _, r := range sn.Rejections {
		check("rejection", r.Reason, MaxLogText)
	}
	if len(sn.Alerts) != 20 || len(sn.Rejections) != 2 || len(sn.Rows[0].Timeline) < 20 {
		t.Fatalf("%d alerts, %d rejections, %d timeline entries", len(sn.Alerts), len(sn.Rejections), len(sn.Rows[0].Timeline))
	}
	if got := sn.Alerts[0].Text; !strings.HasPrefix(got, "server error 1 x: éé") || !strings.HasSuffix(got, "…") {
		t.Errorf("a clipped alert reads %q", got)
	}
}

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
