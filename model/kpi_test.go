package model

import (
	"slices"
	"testing"
	"time"
)

func TestKPIAlerts(t *testing.T) {
	t.Parallel()
	l := DefaultKPILimits() // level alert under 70%, wait over 2m, not ready over 30m
	sales := ServiceFigures{Service: "Sales", ServiceLevel: 63.6, HasServiceLevel: true,
		LongestWait: 151 * time.Second}
	lunch := AgentFigures{Agent: "a.jones", State: AgentNotReady, Reason: "Lunch", InState: 31 * time.Minute}
	cases := []struct {
		name string
		f    FloorFigures
		l    KPILimits
		want []KPIAlert
	}{
		{"nothing", FloorFigures{}, l, nil},
		{"service level and wait", FloorFigures{Services: []ServiceFigures{sales}}, l, []KPIAlert{
			{AlertServiceLevel, "Sales", "", "Sales service level 63% < 70%"},
			{AlertLongestWait, "Sales", "", "longest wait 2:31 in Sales (over 2:00)"}}},
		{"warn only does not alert", FloorFigures{Services: []ServiceFigures{{Service: "S",
			ServiceLevel: 75, HasServiceLevel: true, LongestWait: 90 * time.Second}},
			Agents: []AgentFigures{{Agent: "b", State: AgentNotReady, InState: 20 * time.Minute}}}, l, nil},
		{"at the limit is not over", FloorFigures{Services: []ServiceFigures{{Service: "S",
			ServiceLevel: 70, HasServiceLevel: true, LongestWait: 2 * time.Minute}},
			Agents: []AgentFigures{{Agent: "b", State: AgentNotReady, InState: 30 * time.Minute}}}, l, nil},
		{"no level yet", FloorFigures{Services: []ServiceFigures{{Service: "S"}}}, l, nil},
		{"not ready", FloorFigures{Agents: []AgentFigures{lunch,
			{Agent: "c", State: AgentReady, InState: time.Hour},
			{State: AgentNotReady, InState: time.Hour}}}, l, []KPIAlert{
			{AlertNotReady, "", "a.jones", "a.jones not ready 31:00 (Lunch)"},
			{AlertNotReady, "", "", "not ready 1:00:00"}}},
		{"no service", FloorFigures{Services: []ServiceFigures{{LongestWait: time.Hour}}}, l, []KPIAlert{
			{AlertLongestWait, "", "", "longest wait 1:00:00 in no service (over 2:00)"}}},
		{"limits off", FloorFigures{Services: []ServiceFigures{sales}, Agents: []AgentFigures{lunch}},
			KPILimits{ServiceLevelWarn: 80, LongestWaitWarn: time.Second, NotReadyWarn: time.Second}, nil},
		{"fractional limit", FloorFigures{Services: []ServiceFigures{{Service: "S", ServiceLevel: 72,
			HasServiceLevel: true}}}, KPILimits{ServiceLevelAlert: 72.5}, []KPIAlert{
			{AlertServiceLevel, "S", "", "S service level 72% < 72.5%"}}},
	}
	for _, c := range cases {
		if got := KPIAlerts(c.f, c.l); !slices.Equal(got, c.want) {
			t.Errorf("%s: KPIAlerts = %q, want %q", c.name, got, c.want)
		}
	}
}

// A not-ready alert of a listed agent marks the agent (counted once with its other alerts); a
// service counts once however many KPI alerts it has; an agent the snapshot does not list counts
// on its own.
func TestTallyKPI(t *testing.T) {
	t.Parallel()
	agents := []*Agent{{ID: "a"}, {ID: "b"}}
	own := map[string]bool{"b": true}
	kpi := []KPIAlert{{Kind: AlertNotReady, Agent: "a"}, {Kind: AlertNotReady, Agent: "b"},
		{Kind: AlertNotReady, Agent: "gone"}, {Kind: AlertServiceLevel, Service: "S"},
		{Kind: AlertLongestWait, Service: "S"}, {Kind: AlertServiceLevel}}
	if n := tallyKPI(kpi, agents, own); n != 3 {
		t.Errorf("tallyKPI = %d, want 3 (gone, S once, no service)", n)
	}
	if !own["a"] || !own["b"] || own["gone"] || len(own) != 2 {
		t.Errorf("own = %v, want a and b", own)
	}
}

// The alert counts take the KPI alerts of a real store's figures with the clock: agent a, not
// ready from t0 with an audio-quality alert of its own, counts once; the index and Tally agree.
func TestAlertCountsTakeKPIAlerts(t *testing.T) {
	t.Parallel()
	l := DefaultKPILimits()
	l.NotReadyWarn, l.NotReadyAlert = 30*time.Second, time.Minute
	s := NewStore(WithKPILimits(l), WithWallClock(func() time.Time { return t0 }))
	apply(t, s, evAgent("a", EvLogin, `{"isLoggedIn":true,"agentId":"a"}`),
		evAgent("a", EvAgentStateChange, `"not_ready","Lunch"`))
	sn := s.Snapshot()
	x := NewAlertIndex(DefaultAlertRules())
	if c := x.Counts(sn, t0.Add(time.Minute)); c.Tally.Total() != 0 || len(c.KPI) != 0 {
		t.Fatalf("at the limit: %+v, KPI %v; want no alert", c.Tally, c.KPI)
	}
	now := t0.Add(2 * time.Minute)
	c := x.Counts(sn, now)
	if c.Tally != (AlertTally{Agents: 1}) || !c.Own["a"] || len(c.KPI) != 1 ||
		c.KPI[0].Text != "a not ready 1:59 (Lunch)" {
		t.Errorf("past the limit: %+v own %v KPI %q", c.Tally, c.Own, c.KPI)
	}
	if got := DefaultAlertRules().Tally(sn, now); got != c.Tally {
		t.Errorf("Tally %+v, the index %+v", got, c.Tally)
	}
	apply(t, s, evAgent("a", EvAudioQualityAlert, `"zz","jitter"`))
	if c := x.Counts(s.Snapshot(), now.Add(time.Second)); c.Tally != (AlertTally{Agents: 1}) {
		t.Errorf("with an alert of its own too, a counts %+v, want once", c.Tally)
	}
}
