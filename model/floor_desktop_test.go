package model

import (
	"testing"
	"time"
)

// floorStore applies events given as (second after t0, agent, payload) to a new store.
type floorStep struct {
	sec     int
	typ     string
	payload any
}

func floorStore(t *testing.T, steps ...floorStep) *Store {
	t.Helper()
	s := NewStore()
	for _, st := range steps {
		at := t0.Add(time.Duration(st.sec) * time.Second)
		s.Apply(Event{Type: st.typ, AgentID: "a", TS: at, Payload: st.payload}, at)
	}
	return s
}

func voiceCall(id string, state State, muted bool) *Interaction {
	start := float64(t0.UnixMilli())
	return &Interaction{ID: id, State: state, Type: TypeVoice, CallMuted: muted, StartTime: &start}
}

// TestFloorDisconnectFreezes: while the hub says an agent's desktop is disconnected its clocks stop
// (time in state, busy, muted, a waiting call's wait), and resume when it is connected again; a
// desktop gone after a disconnect ends its calls and logs it out when it disconnected.
func TestFloorDisconnectFreezes(t *testing.T) {
	t.Parallel()
	steps := []floorStep{
		{0, EvAgentStateChange, &AgentStateChange{State: AgentBusy}},
		{0, EvNewInteraction, voiceCall("c1", StateDelivered, true)},
		{0, EvNewInteraction, voiceCall("c2", StateQueued, false)},
		{10, EvDesktop, &Desktop{Status: DesktopDisconnected}},
	}
	af, sf := floorAt(floorStore(t, steps...), 30)
	// Frozen at 10: busy 10, muted 10, in state 10, c2 waited 10.
	if af.Busy != sec(10) || af.Muted != sec(10) || af.InState != sec(10) || sf.LongestWait != sec(10) {
		t.Errorf("disconnected: %+v %+v", af, sf)
	}
	back := append(steps, floorStep{50, EvDesktop, &Desktop{Status: DesktopConnected}})
	af, _ = floorAt(floorStore(t, back...), 60)
	// Busy and muted 0–10 and 50–60.
	if af.Busy != sec(20) || af.Muted != sec(20) || af.LoggedInTime != sec(20) {
		t.Errorf("reconnected: %+v", af)
	}
	gone := append(steps, floorStep{100, EvDesktop, &Desktop{Status: DesktopGone}})
	af, sf = floorAt(floorStore(t, gone...), 200)
	// Logged out at 10; c1 handled 0–10; c2 abandoned at 10; logged out since 10.
	if af.State != StateLoggedOut || af.LoggedInTime != sec(10) || af.Handled != 1 || af.AHT != sec(10) ||
		af.InState != sec(190) || sf.Abandoned != 1 || sf.Open != 0 {
		t.Errorf("gone: %+v %+v", af, sf)
	}
}

// floorAt is the only agent's and the only service's since-start figures at t0 plus sec.
func floorAt(s *Store, at int) (AgentFigures, ServiceFigures) {
	ff := s.Snapshot().Floor.Figures(t0.Add(time.Duration(at)*time.Second), SinceStart)
	return ff.Agents[0], ff.Services[0]
}

// TestFloorStateSpansBounded: Agent.States keeps the agent's last spans, oldest first, at most
// maxStateSpans of them; a snapshot's spans are not changed by later ones.
func TestFloorStateSpansBounded(t *testing.T) {
	t.Parallel()
	s := NewStore()
	states := []AgentState{AgentReady, AgentBusy, AgentAfterCallWork}
	var early *Snapshot
	for i := range 3 * maxStateSpans {
		at := t0.Add(time.Duration(i) * time.Second)
		s.Apply(Event{Type: EvAgentStateChange, AgentID: "a", TS: at,
			Payload: &AgentStateChange{State: states[i%3]}}, at)
		if i == 10 {
			early = s.Snapshot()
		}
	}
	spans := s.Snapshot().Agents[0].States
	if n := len(spans); n > maxStateSpans || n < maxStateSpans*3/4 {
		t.Fatalf("%d spans", n)
	}
	last := spans[len(spans)-1]
	if want := t0.Add(time.Duration(3*maxStateSpans-1) * time.Second); !last.At.Equal(want) ||
		last.State != states[(3*maxStateSpans-1)%3] {
		t.Errorf("last span %+v", last)
	}
	for i := 1; i < len(spans); i++ {
		if !spans[i].At.After(spans[i-1].At) {
			t.Fatalf("spans out of order at %d", i)
		}
	}
	if got := early.Agents[0].States; len(got) != 11 || !got[10].At.Equal(t0.Add(10*time.Second)) {
		t.Errorf("early snapshot's spans changed: %d", len(got))
	}
}

// TestWithoutFloorStats: the hub's store keeps no figures.
func TestWithoutFloorStats(t *testing.T) {
	t.Parallel()
	s := NewStore(WithoutFloorStats())
	s.Apply(Event{Type: EvNewInteraction, AgentID: "a", TS: t0, Payload: voiceCall("c1", StateDelivered, false)}, t0)
	sn := s.Snapshot()
	if ff := sn.Floor.Figures(t0, SinceStart); len(ff.Services)+len(ff.Agents) != 0 || !sn.Rows[0].AnsweredAt.IsZero() {
		t.Errorf("figures without stats: %+v", ff)
	}
}

// TestFloorResyncGone: an agent a hub's resync no longer lists is gone: its calls end (answered on
// hold: handled) and it is logged out then, with a logged-out span.
func TestFloorResyncGone(t *testing.T) {
	t.Parallel()
	s := NewStore()
	apply(t, s, evAgent("b.smith", EvAgentStateChange, `"busy"`), snapEv("b.smith", 0, "c2"),
		snapEv("a.jones", 0, "c1"))
	s.BeginResync()
	apply(t, s, snapEv("a.jones", 60, "c1"),
		`{"type":"DESKWATCH_RESYNC_END","ts":`+itoa(t0.Add(61*time.Second).UnixMilli())+`,"params":[]}`)
	sn := s.Snapshot()
	ff := sn.Floor.Figures(t0.Add(100*time.Second), SinceStart)
	b, _ := ff.Agent("b.smith")
	// Busy from the first event (apply's t0, the snapshots carry ts t0 too) until gone at 61;
	// c2 seen on hold at 0 (answered then), ended at 61: handled in 61 s.
	if b.State != StateLoggedOut || b.Busy != sec(61) || b.Handled != 1 || b.AHT != sec(61) || b.InState != sec(39) {
		t.Errorf("b.smith %+v", b)
	}
	spans := sn.Agents[0].States
	if last := spans[len(spans)-1]; last.State != StateLoggedOut || !last.At.Equal(t0.Add(61*time.Second)) {
		t.Errorf("b.smith's spans %+v", spans)
	}
	if a, _ := ff.Agent("a.jones"); a.State != StateLoggedOut || a.Handled != 0 {
		t.Errorf("a.jones %+v", a)
	}
}

// TestFloorServiceCap: past maxFloorServices, new services count under OtherService.
func TestFloorServiceCap(t *testing.T) {
	t.Parallel()
	s := NewStore()
	for i := range maxFloorServices + 5 {
		in := voiceCall(itoa(int64(i)), StateQueued, false)
		svc := "s" + itoa(int64(i))
		in.Service = &svc
		s.Apply(Event{Type: EvNewInteraction, AgentID: "a", TS: t0, Payload: in}, t0)
	}
	ff := s.Snapshot().Floor.Figures(t0.Add(time.Minute), SinceStart)
	other, ok := ff.Service(OtherService)
	if len(ff.Services) != maxFloorServices+1 || !ok || other.Open != 5 || other.Waiting != 5 ||
		other.LongestWait != time.Minute || ff.Total.Waiting != maxFloorServices+5 {
		t.Errorf("%d services, other %+v, total waiting %d", len(ff.Services), other, ff.Total.Waiting)
	}
}

// TestFloorServicesThatPrintAlikeAreOne: services whose names print alike (an invisible character,
// a control, spaces around) count as one service, under the name as it prints.
func TestFloorServicesThatPrintAlikeAreOne(t *testing.T) {
	t.Parallel()
	s := NewStore()
	for i, svc := range []string{"Sales", "Sa\u200bles", "Sales\u00ad", " Sales", "Sales\u2060", "\x1b[31mSales", "Support"} {
		in := voiceCall(itoa(int64(i)), StateQueued, false)
		in.Service = &svc
		s.Apply(Event{Type: EvNewInteraction, AgentID: "a", TS: t0, Payload: in}, t0)
	}
	ff := s.Snapshot().Floor.Figures(t0.Add(time.Minute), SinceStart)
	sales, ok := ff.Service("Sales")
	if len(ff.Services) != 2 || !ok || sales.Waiting != 6 {
		t.Errorf("%d services (%+v), Sales %+v; want Sales with 6 waiting, and Support", len(ff.Services), ff.Services, sales)
	}
}

// TestServiceFilterMatchesThePrintedName: the filter service:NAME takes the rows the floor counts
// under NAME, invisible characters and spaces around a row's service included.
func TestServiceFilterMatchesThePrintedName(t *testing.T) {
	t.Parallel()
	s := NewStore()
	for i, svc := range []string{"Sales", "Sa\u200bles", " Sales", "Support"} {
		in := voiceCall(itoa(int64(i)), StateQueued, false)
		in.Service = &svc
		s.Apply(Event{Type: EvNewInteraction, AgentID: "a", TS: t0, Payload: in}, t0)
	}
	f, err := ParseFilter("service:Sales")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range s.Snapshot().Rows {
		if f.Match(r, t0) {
			n++
		}
	}
	if n != 3 {
		t.Errorf("service:Sales takes %d rows, want the 3 the floor counts as Sales", n)
	}
}
