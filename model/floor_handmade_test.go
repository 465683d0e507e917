package model

import (
	"bufio"
	"math"
	"os"
	"reflect"
	"testing"
	"time"
)

// The figures of testdata/floor/handmade.jsonl, worked out by hand (times are seconds after its
// first event, t0; default limits: T 20 s, a 15-minute window of 10 s buckets). The story:
//
//	a.jones logs in at 0, ready at 10. c1 (voice, Billing, startTime 15) queued at 20, delivered
//	at 40 (wait 40−15 = 25 s, over T) not recording 40–70, hold 70–90, delivered muted 90–100,
//	wrap_up 120, removed 150 (handle 150−40 = 110 s). a.jones busy 40, after_call_work 120,
//	ready 150. c2 (chat, Sales, no startTime: wait from 160) moves to Billing at 170 (a transfer
//	counted on Sales), delivered at 175 (wait 15 s, within T), completed at 200 (handle 25 s; its
//	removal at 210 is no second end). a.jones busy 175, after_call_work 200, not_ready Lunch 220,
//	logs out at 400, logs in at 500 (its last state, not_ready Lunch, holds) and is ready at 505.
//	c6 (email, Support, startTime 540) is queued from 550: still waiting.
//
//	b.smith not_ready Break at 0 (logged in by it). c3 (voice, Sales, startTime 25) ivr at 30,
//	queued 35, removed at 60 unanswered: abandoned. ready 60, reserved 100 (in no bucket), c4
//	(Sales, startTime 100) delivery_pending 100, delivered 105 (wait 5 s), busy 105, hold 130,
//	wrap_up 140 and after_call_work 140, removed 180 (handle 75 s), not_ready (no reason) 180.
//	c5 (Billing) queued at 240; at 300 b.smith's desktop is gone: c5 is abandoned, b.smith is
//	logged out.
type handmadeCase struct {
	name     string
	at       int // seconds after t0
	window   FloorWindow
	services []ServiceFigures
	total    ServiceFigures
	agents   []AgentFigures
	agentSum AgentFigures
}

func sec(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

var handmadeCases = []handmadeCase{{
	name: "since start at 600", at: 600, window: SinceStart,
	services: []ServiceFigures{
		// Billing: c1 answered (wait 25), c2 answered (wait 15, within T), c5 abandoned.
		// ASA (25+15)/2 = 20; AHT (110+25)/2 = 67.5; SL 1 within ÷ (2+1) = 33.3 %.
		{Service: "Billing", Answered: 2, Abandoned: 1, ASA: sec(20), HasASA: true, AHT: sec(67.5), HasAHT: true,
			Handled: 2, ServiceLevel: 100.0 / 3, HasServiceLevel: true, Target: sec(20)},
		// Sales: c3 abandoned, c4 answered (wait 5, within T, handle 75), c2 transferred away.
		{Service: "Sales", Answered: 1, Abandoned: 1, ASA: sec(5), HasASA: true, AHT: sec(75), HasAHT: true,
			Handled: 1, ServiceLevel: 50, HasServiceLevel: true, Target: sec(20), Transfers: 1},
		// Support: c6 open and waiting since 540: 600−540 = 60 s.
		{Service: "Support", Open: 1, Waiting: 1, LongestWait: sec(60), Target: sec(20)},
	},
	// 3 answered: ASA (25+15+5)/3 = 15, AHT (110+25+75)/3 = 70; SL 2 within ÷ (3+2) = 40 %.
	total: ServiceFigures{Open: 1, Waiting: 1, LongestWait: sec(60), Answered: 3, Abandoned: 2, ASA: sec(15),
		HasASA: true, AHT: sec(70), HasAHT: true, Handled: 3, ServiceLevel: 40, HasServiceLevel: true,
		Target: sec(20), Transfers: 1},
	agents: []AgentFigures{
		// a.jones: logged in 0–400 and 500–600 = 500. ready 10–40, 150–175, 505–600 = 30+25+95 = 150;
		// busy 40–120, 175–200 = 80+25 = 105; acw 120–150, 200–220 = 30+20 = 50; Lunch 220–400,
		// 500–505 = 185. Occupancy (105+50) ÷ (500−185) = 155/315. Muted 90–100 = 10; not
		// recording 40–70 = 30 (c2 is a chat). Ready since 505: 95 s.
		{Agent: "a.jones", State: AgentReady, InState: sec(95), LoggedIn: true, LoggedInTime: sec(500),
			Ready: sec(150), NotReady: sec(185), Busy: sec(105), ACW: sec(50),
			NotReadyBy: map[string]time.Duration{"Lunch": sec(185)}, Handled: 2, AHT: sec(67.5), HasAHT: true,
			Occupancy: 155.0 * 100 / 315, HasOccupancy: true, Muted: sec(10), UnrecordedVoice: sec(30)},
		// b.smith: logged in 0–300. Break 0–60, none 180–300: 180; ready 60–100 = 40; busy 105–140
		// = 35; acw 140–180 = 40. Occupancy (35+40) ÷ (300−180) = 62.5 %. Gone since 300: 300 s.
		{Agent: "b.smith", State: StateLoggedOut, InState: sec(300), LoggedInTime: sec(300), Ready: sec(40),
			NotReady: sec(180), Busy: sec(35), ACW: sec(40),
			NotReadyBy: map[string]time.Duration{"Break": sec(60), "": sec(120)}, Handled: 1, AHT: sec(75),
			HasAHT: true, Occupancy: 62.5, HasOccupancy: true},
	},
	// Sums: logged in 800, not ready 365, busy 140, acw 90: occupancy 230 ÷ 435.
	agentSum: AgentFigures{LoggedIn: true, LoggedInTime: sec(800), Ready: sec(190), NotReady: sec(365),
		Busy: sec(140), ACW: sec(90), NotReadyBy: map[string]time.Duration{"Lunch": sec(185), "Break": sec(60),
			"": sec(120)}, Handled: 3, AHT: sec(70), HasAHT: true, Occupancy: 230.0 * 100 / 435, HasOccupancy: true,
		Muted: sec(10), UnrecordedVoice: sec(30)},
}}

// At 1200 the rolling window starts at 1200 − 900 = 300 (a bucket edge): of the ends only c5's
// abandon (at 300, on the edge: inside) is in it.
var handmadeRolling = handmadeCase{
	name: "rolling at 1200", at: 1200, window: Rolling,
	services: []ServiceFigures{
		// SL 0 within ÷ (0+1) = 0 %.
		{Service: "Billing", Abandoned: 1, ServiceLevel: 0, HasServiceLevel: true, Target: sec(20)},
		{Service: "Sales", Target: sec(20)},
		// c6 waiting since 540: 1200−540 = 660 s.
		{Service: "Support", Open: 1, Waiting: 1, LongestWait: sec(660), Target: sec(20)},
	},
	total: ServiceFigures{Open: 1, Waiting: 1, LongestWait: sec(660), Abandoned: 1, HasServiceLevel: true,
		Target: sec(20)},
	agents: []AgentFigures{
		// a.jones in 300–1200: Lunch 300–400 and 500–505 = 105, ready 505–1200 = 695, logged in
		// 100+5+695 = 800; occupancy 0 ÷ (800−105) = 0 %.
		{Agent: "a.jones", State: AgentReady, InState: sec(695), LoggedIn: true, LoggedInTime: sec(800),
			Ready: sec(695), NotReady: sec(105), NotReadyBy: map[string]time.Duration{"Lunch": sec(105)},
			HasOccupancy: true},
		// b.smith logged out all along: no occupancy (its divisor is 0).
		{Agent: "b.smith", State: StateLoggedOut, InState: sec(900), NotReadyBy: map[string]time.Duration{}},
	},
	agentSum: AgentFigures{LoggedIn: true, LoggedInTime: sec(800), Ready: sec(695), NotReady: sec(105),
		NotReadyBy: map[string]time.Duration{"Lunch": sec(105)}, HasOccupancy: true},
}

// loadHandmade applies testdata/floor/handmade.jsonl to a new store, at each event's ts.
func loadHandmade(t *testing.T) *Store {
	t.Helper()
	file, err := os.Open("testdata/floor/handmade.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	s := NewStore()
	sc := bufio.NewScanner(file)
	for n := 1; sc.Scan(); n++ {
		ev, err := Decode(sc.Bytes())
		if err != nil {
			t.Fatalf("handmade.jsonl:%d: %v", n, err)
		}
		s.Apply(ev, ev.TS)
	}
	return s
}

// TestFloorHandmade checks every figure of the hand-made file against the hand-computed tables
// (the rolling window at 600 covers the whole file, so it equals the since-start figures).
func TestFloorHandmade(t *testing.T) {
	t.Parallel()
	sn := loadHandmade(t).Snapshot()
	rolling600 := handmadeCases[0]
	rolling600.name, rolling600.window = "rolling at 600", Rolling
	for _, c := range []handmadeCase{handmadeCases[0], rolling600, handmadeRolling} {
		ff := sn.Floor.Figures(t0.Add(sec(float64(c.at))), c.window)
		if !ff.From.Equal(t0.Add(sec(float64(max(c.at-900, 0))))) {
			t.Errorf("%s: from %v", c.name, ff.From.Sub(t0))
		}
		for i := range ff.Agents { // nothing not ready: an empty map either way
			if len(ff.Agents[i].NotReadyBy) == 0 && len(c.agents[i].NotReadyBy) == 0 {
				ff.Agents[i].NotReadyBy = c.agents[i].NotReadyBy
			}
		}
		got := []any{ff.Services, ff.Total, ff.Agents, ff.AgentTotal}
		want := []any{c.services, c.total, c.agents, c.agentSum}
		for i := range got {
			if g, w := roundFloats(got[i]), roundFloats(want[i]); !reflect.DeepEqual(g, w) {
				t.Errorf("%s:\n got %+v\nwant %+v", c.name, g, w)
			}
		}
	}
	ff := sn.Floor.Figures(t0.Add(600*time.Second), SinceStart)
	if !reflect.DeepEqual(ff.ByState, map[AgentState]int{AgentReady: 1, StateLoggedOut: 1}) {
		t.Errorf("by state %v", ff.ByState)
	}
	if sf, ok := ff.Service("Sales"); !ok || sf.Transfers != 1 {
		t.Errorf("Service(Sales) %+v %v", sf, ok)
	}
	if af, ok := ff.Agent("b.smith"); !ok || af.Handled != 1 {
		t.Errorf("Agent(b.smith) %+v %v", af, ok)
	}
	if _, ok := ff.Service("Nothing"); ok || time.Duration(bucketWidth(sn.Floor.RollingWindow())) != 10*time.Second ||
		sn.Floor.RollingWindow() != 15*time.Minute {
		t.Errorf("granularity %v of %v", time.Duration(bucketWidth(sn.Floor.RollingWindow())), sn.Floor.RollingWindow())
	}
}

// roundFloats rounds the percentages of figures to 9 decimals (the hand's arithmetic and the
// engine's may differ in the last bit).
func roundFloats(v any) any {
	r := func(x float64) float64 { return math.Round(x*1e9) / 1e9 }
	switch v := v.(type) {
	case ServiceFigures:
		v.ServiceLevel = r(v.ServiceLevel)
		return v
	case AgentFigures:
		v.Occupancy = r(v.Occupancy)
		return v
	case []ServiceFigures:
		out := make([]any, len(v))
		for i := range v {
			out[i] = roundFloats(v[i])
		}
		return out
	case []AgentFigures:
		out := make([]any, len(v))
		for i := range v {
			out[i] = roundFloats(v[i])
		}
		return out
	}
	return v
}
