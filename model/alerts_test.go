package model

import (
	"strings"
	"testing"
	"time"
)

// alertStore plays a floor at t0+i seconds for the i-th event:
//
//	H voice delivered, on hold from t0+1
//	Q email queued from t0+2
//	M voice delivered and recording, came muted at t0+3, unmuted at t0+4, muted again at t0+5
//	N voice delivered at t0+6, not recording; C a chat delivered at t0+7 (chats are not recorded)
//	A voice recording, audio-quality alert at t0+9; E ended at t0+11 while on hold since t0+10
//	agent b: a server error at t0+12, 3 events lost at t0+14, an audio alert on an unknown call at t0+15
func alertStore(t *testing.T) *Store {
	s := NewStore(WithWallClock(func() time.Time { return t0 }))
	rec := `"callRecording":true`
	apply(t, s,
		evAgent("a", EvNewInteraction, iv("H", "delivered", "voice", rec)),
		evAgent("a", EvInteractionStateChange, iv("H", "hold", "voice", rec)),
		evAgent("a", EvNewInteraction, iv("Q", "queued", "email", "")),
		evAgent("a", EvNewInteraction, ivs("M", "delivered", "voice", "s", `"callParties":[],"callRecording":true,"callMuted":true`)),
		evAgent("a", EvInteractionStateChange, ivs("M", "delivered", "voice", "s", `"callParties":[],"callRecording":true,"callMuted":false`)),
		evAgent("a", EvInteractionStateChange, ivs("M", "delivered", "voice", "s", `"callParties":[],"callRecording":true,"callMuted":true`)),
		evAgent("a", EvNewInteraction, iv("N", "delivered", "voice", "")),
		evAgent("a", EvNewInteraction, iv("C", "delivered", "chat", "")),
		evAgent("a", EvNewInteraction, iv("A", "delivered", "voice", rec)),
		evAgent("a", EvAudioQualityAlert, `"A","packet loss"`),
		evAgent("a", EvNewInteraction, iv("E", "hold", "voice", rec)),
		evAgent("a", EvInteractionRemoved, iv("E", "hold", "voice", rec)),
		`{"type":"ON_SERVER_ERROR","agentId":"b","params":[{"code":503,"name":"unavailable","timestamp":1}]}`,
		`{"type":"ON_LOGOUT","agentId":"b","seq":1,"params":[]}`,
		`{"type":"ON_LOGOUT","agentId":"b","seq":5,"params":[]}`,
		evAgent("b", EvAudioQualityAlert, `"zz","jitter"`),
	)
	return s
}

func alertsText(as []RowAlert) string {
	var out []string
	for _, a := range as {
		out = append(out, string(a.Kind)+": "+a.Text)
	}
	return strings.Join(out, "; ")
}

func TestAlertRulesRows(t *testing.T) {
	s := alertStore(t)
	rules := DefaultAlertRules()
	row := func(id string) *Row { return s.Row(RowKey("a", id)) }
	tests := []struct {
		id   string
		at   time.Duration // after t0
		want string
	}{
		{"H", 61 * time.Second, ""},
		{"H", 62 * time.Second, "long hold: on hold 1:01 (over 1:00)"},
		{"Q", 122 * time.Second, ""},
		{"Q", 123 * time.Second, "long queue: queued 2:01 (over 2:00)"},
		{"M", 35 * time.Second, ""}, // muted 30 s since the second mute, not 32 s since the first
		{"M", 36 * time.Second, "muted: muted 0:31 (over 0:30)"},
		{"N", 7 * time.Second, "not recording: delivered voice call not recording"},
		{"C", time.Hour, ""},
		{"A", 10 * time.Second, "audio quality: audio quality: packet loss"},
		{"E", time.Hour, ""}, // ended rows never alert
	}
	for _, tt := range tests {
		now := t0.Add(tt.at)
		got := rules.Check(row(tt.id), now)
		if alertsText(got) != tt.want {
			t.Errorf("%s at t0+%v: %q, want %q", tt.id, tt.at, alertsText(got), tt.want)
		}
		if rules.Alerting(row(tt.id), now) != (tt.want != "") {
			t.Errorf("%s at t0+%v: Alerting disagrees with Check", tt.id, tt.at)
		}
	}
}

func TestAlertRulesCanBeTurnedOff(t *testing.T) {
	s := alertStore(t)
	now := t0.Add(time.Hour)
	rows := s.Snapshot().Rows
	if n := DefaultAlertRules().Count(rows, now); n != 5 {
		t.Errorf("default rules: %d alerting rows, want 5 (H Q M N A)", n)
	}
	var off AlertRules
	if n := off.Count(rows, now); n != 0 {
		t.Errorf("zero rules: %d alerting rows", n)
	}
	only := AlertRules{Hold: 10 * time.Minute, Queued: 10 * time.Minute, Muted: 10 * time.Minute}
	if n := only.Count(rows, t0.Add(10*time.Minute)); n != 0 {
		t.Errorf("thresholds not reached: %d alerting rows", n)
	}
	if n := only.Count(rows, t0.Add(11*time.Minute)); n != 3 {
		t.Errorf("thresholds passed: %d alerting rows, want 3", n)
	}
}

func TestAlertRulesNext(t *testing.T) {
	s := alertStore(t)
	rows := s.Snapshot().Rows // H Q M N C A E
	rules := DefaultAlertRules()
	now := t0.Add(time.Hour)
	var seen []string
	for i, k := -1, 0; k < 6; k++ {
		i = rules.Next(rows, i, now)
		seen = append(seen, rows[i].Data.ID)
	}
	if got := strings.Join(seen, ","); got != "H,Q,M,N,A,H" {
		t.Errorf("next alerts: %s", got)
	}
	if got := (AlertRules{}).Next(rows, 0, now); got != -1 {
		t.Errorf("no alerts: %d", got)
	}
	if got := rules.Next(nil, -1, now); got != -1 {
		t.Errorf("no rows: %d", got)
	}
	seen = nil
	for i, k := len(rows), 0; k < 6; k++ {
		i = rules.Prev(rows, i, now)
		seen = append(seen, rows[i].Data.ID)
	}
	if got := strings.Join(seen, ","); got != "A,N,M,Q,H,A" {
		t.Errorf("previous alerts: %s", got)
	}
	if got := rules.Prev(nil, 0, now); got != -1 {
		t.Errorf("no rows: %d", got)
	}
}

func TestAlertRulesAgentsAndLog(t *testing.T) {
	s := alertStore(t)
	sn := s.Snapshot()
	rules := DefaultAlertRules()
	var b *Agent
	for _, a := range sn.Agents {
		if a.ID == "b" {
			b = a
		}
	}
	now := t0.Add(time.Minute)
	want := "audio quality: audio quality: jitter; server error: server error 503 unavailable; " +
		"events lost: 3 events lost from b"
	if got := alertsText(rules.CheckAgent(b, sn.Alerts, now)); got != want {
		t.Errorf("agent b:\n got %s\nwant %s", got, want)
	}
	if got := len(rules.OpenLog(sn.Alerts, now)); got != 2 {
		t.Errorf("open log entries: %d, want 2", got)
	}
	tally := rules.Tally(sn, now)
	if _, own := rules.TallyAgents(sn, now); len(own) != 1 || !own["b"] {
		t.Errorf("agents with their own alerts: %v, want b", own)
	}
	// b's three reasons are one alerting agent: one "!" on screen.
	if tally != (AlertTally{Rows: 3, Agents: 1}) || tally.String() != "4 alerts" {
		t.Errorf("tally %+v %q", tally, tally)
	}
	// Five minutes after the errors they are closed; the audio alert stays while it is active.
	later := t0.Add(15*time.Second + 5*time.Minute)
	if got := alertsText(rules.CheckAgent(b, sn.Alerts, later)); got != "audio quality: audio quality: jitter" {
		t.Errorf("agent b later: %s", got)
	}
	forever := rules
	forever.Recent = 0
	if got := len(forever.OpenLog(sn.Alerts, t0.Add(24*time.Hour))); got != 2 {
		t.Errorf("Recent 0 keeps log alerts open: %d", got)
	}
	if (AlertTally{Rows: 1}).String() != "1 alert" {
		t.Error("singular")
	}
}

func TestAlertCheckDoesNotAllocateWhenQuiet(t *testing.T) {
	s := alertStore(t)
	rows := s.Snapshot().Rows
	rules := DefaultAlertRules()
	now := t0.Add(time.Hour)
	allocs := testing.AllocsPerRun(100, func() {
		_ = rules.Count(rows, now)
		_ = rules.Check(rows[4], now) // the chat: no alert
	})
	if allocs != 0 {
		t.Errorf("%v allocations", allocs)
	}
}
