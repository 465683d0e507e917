package model

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/internal/proptest"
)

// floorGen makes random streams: interactions through all states, service changes, mute and
// recording toggles, removals, completions, agent states with reasons, logins, logouts, desktops
// disconnected (then connected again, or gone) and gone, at random gaps of event time (milliseconds to minutes).
type floorGen struct {
	r    *rand.Rand
	at   time.Time
	n    int
	open map[string]*Interaction // by agent/id: open or completed, not removed
	down map[string]bool         // agents whose desktop is disconnected: they send nothing
}

var (
	genAgents   = []string{"a1", "a2", "a3"}
	genServices = []string{"", "Sales", "Support", "Billing"}
	genStates   = []State{StateQueued, StateIVR, StateDeliveryPending, StateDelivered, StateHold,
		StateWrapUp, StateWrapUpHold, StateCompleted, StateUnknown}
	genReasons = []string{"", "Lunch", "Break"}
)

func (g *floorGen) pick(list []string) string { return list[g.r.IntN(len(list))] }

func (g *floorGen) next() refEvent {
	g.at = g.at.Add(time.Duration(g.r.ExpFloat64() * float64(8*time.Second)).Truncate(time.Millisecond))
	e := refEvent{at: g.at, agent: g.pick(genAgents)}
	if g.down[e.agent] { // the hub says it is back, or gone
		delete(g.down, e.agent)
		e.typ, e.desktop = EvDesktop, DesktopConnected
		if g.r.IntN(2) == 0 {
			g.gone(e.agent)
			e.desktop = DesktopGone
		}
		return e
	}
	keys := make([]string, 0, len(g.open))
	for k := range g.open {
		if !g.down[k[:strings.IndexByte(k, '/')]] {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	switch k := g.r.IntN(20); {
	case k < 4 || len(keys) == 0 && k < 12:
		return g.fresh(e)
	case k < 12:
		key := keys[g.r.IntN(len(keys))]
		return g.change(e, key)
	case k < 16:
		e.typ, e.state = EvAgentStateChange, AgentStates[g.r.IntN(len(AgentStates))]
		if e.state == AgentNotReady {
			e.reason = g.pick(genReasons)
		}
	case k < 18:
		e.typ, e.login = EvLogin, g.r.IntN(3) > 0
	case k < 19:
		e.typ = EvLogout
	default:
		e.typ, e.desktop = EvDesktop, DesktopDisconnected
		g.down[e.agent] = true
		if g.r.IntN(2) == 0 {
			e.desktop = DesktopGone
			delete(g.down, e.agent)
			g.gone(e.agent)
		}
	}
	return e
}

func (g *floorGen) gone(agent string) {
	for key := range g.open {
		if strings.HasPrefix(key, agent+"/") {
			delete(g.open, key)
		}
	}
}

func (g *floorGen) fresh(e refEvent) refEvent {
	g.n++
	in := &Interaction{ID: fmt.Sprintf("i%d", g.n), Type: TypeVoice, State: genStates[g.r.IntN(len(genStates)-2)]}
	if g.r.IntN(3) == 0 {
		in.Type = TypeChat
	}
	if s := g.pick(genServices); s != "" || g.r.IntN(2) == 0 {
		in.Service = &s
	}
	if g.r.IntN(2) == 0 {
		ms := float64(e.at.Add(-time.Duration(g.r.IntN(30000)) * time.Millisecond).UnixMilli())
		in.StartTime = &ms
	}
	in.CallMuted, in.CallRecording = g.r.IntN(2) == 0, g.r.IntN(2) == 0
	g.open[e.agent+"/"+in.ID] = in
	e.typ, e.in = EvNewInteraction, in
	return e
}

func (g *floorGen) change(e refEvent, key string) refEvent {
	e.agent = key[:strings.IndexByte(key, '/')]
	old := g.open[key]
	in := *old
	e.in, e.typ = &in, EvInteractionStateChange
	if old.State == StateCompleted || g.r.IntN(8) == 0 { // a completed one is only removed
		e.typ = EvInteractionRemoved
		delete(g.open, key)
		return e
	}
	switch g.r.IntN(4) {
	case 0:
		in.State = genStates[g.r.IntN(len(genStates))]
	case 1:
		s := g.pick(genServices)
		in.Service = &s
	case 2:
		in.CallMuted = !in.CallMuted
	default:
		in.CallRecording = !in.CallRecording
	}
	g.open[key] = &in
	return e
}

func (e refEvent) event() Event {
	ev := Event{Type: e.typ, AgentID: e.agent, TS: e.at}
	switch e.typ {
	case EvAgentStateChange:
		ev.Payload = &AgentStateChange{State: e.state, Reason: e.reason}
	case EvLogin:
		ev.Payload = &Login{IsLoggedIn: e.login}
	case EvLogout:
		ev.Payload = Logout{}
	case EvDesktop:
		ev.Payload = &Desktop{Status: e.desktop}
	default:
		ev.Payload = e.in
	}
	return ev
}

// propLimits: a 90 s rolling window (1 s buckets, so streams cross its edge often) and a
// per-service target.
var propLimits = KPILimits{Window: 90 * time.Second, Target: 20 * time.Second,
	Targets: map[string]time.Duration{"Sales": 10 * time.Second}}

// floorCheck is a snapshot taken after events[:n], to be read at now.
type floorCheck struct {
	n   int
	now time.Time
	sn  *Snapshot
}

// TestFloorMatchesReference: for random streams, the incremental figures at random moments equal
// those recomputed from scratch from the events, in both windows; and every snapshot still gives
// its figures after the store has moved on (published figures are never changed).
func TestFloorMatchesReference(t *testing.T) {
	t.Parallel()
	proptest.Seeds(t, 300, 14, func(t *testing.T, _ uint64, r *rand.Rand) {
		g := &floorGen{r: r, at: t0, open: map[string]*Interaction{}, down: map[string]bool{}}
		s := NewStore(WithKPILimits(propLimits))
		var events []refEvent
		var checks []floorCheck
		for i := range 150 {
			e := g.next()
			events = append(events, e)
			s.Apply(e.event(), e.at)
			if g.r.IntN(10) == 0 || i == 149 {
				now := e.at.Add(time.Duration(g.r.IntN(120000)) * time.Millisecond)
				checks = append(checks, floorCheck{n: i + 1, now: now, sn: s.Snapshot()})
			}
		}
		for _, c := range checks {
			for _, w := range []FloorWindow{SinceStart, Rolling} {
				got := c.sn.Floor.Figures(c.now, w)
				want := refFigures(events[:c.n], c.now, w, propLimits, time.Second)
				if msg := floorDiff(got, want); msg != "" {
					t.Fatalf("after %d events, at +%v, window %d: %s", c.n, c.now.Sub(t0), w, msg)
				}
			}
		}
	})
}

// floorDiff says where two figures differ ("" when equal); the reference's lists are sorted here.
func floorDiff(got, want FloorFigures) string {
	slices.SortFunc(want.Services, func(a, b ServiceFigures) int { return strings.Compare(a.Service, b.Service) })
	slices.SortFunc(want.Agents, func(a, b AgentFigures) int { return strings.Compare(a.Agent, b.Agent) })
	switch {
	case !got.From.Equal(want.From):
		return fmt.Sprintf("from %v, want %v", got.From, want.From)
	case len(got.Services) != len(want.Services) || len(got.Agents) != len(want.Agents):
		return fmt.Sprintf("services/agents\n got %+v\nwant %+v", got, want)
	}
	for i := range got.Services {
		if !reflect.DeepEqual(got.Services[i], want.Services[i]) {
			return fmt.Sprintf("service\n got %+v\nwant %+v", got.Services[i], want.Services[i])
		}
	}
	for i := range got.Agents {
		if !reflect.DeepEqual(got.Agents[i], want.Agents[i]) {
			return fmt.Sprintf("agent\n got %+v\nwant %+v", got.Agents[i], want.Agents[i])
		}
	}
	got.From, want.From = time.Time{}, time.Time{}
	if !reflect.DeepEqual(got, want) {
		return fmt.Sprintf("totals\n got %+v %+v %v\nwant %+v %+v %v", got.Total, got.AgentTotal, got.ByState,
			want.Total, want.AgentTotal, want.ByState)
	}
	return ""
}

// TestFloorOutOfOrder: events whose ts go back a little (agents' clocks differ, a hub interleaves
// them) give no negative time, no state time beyond the logged-in time, no negative count.
func TestFloorOutOfOrder(t *testing.T) {
	t.Parallel()
	proptest.Seeds(t, 50, 41, func(t *testing.T, _ uint64, r *rand.Rand) {
		g := &floorGen{r: r, at: t0, open: map[string]*Interaction{}, down: map[string]bool{}}
		s := NewStore(WithKPILimits(propLimits))
		for range 300 {
			e := g.next()
			e.at = e.at.Add(-time.Duration(g.r.IntN(5000)) * time.Millisecond)
			s.Apply(e.event(), e.at)
		}
		for _, w := range []FloorWindow{SinceStart, Rolling} {
			ff := s.Snapshot().Floor.Figures(g.at.Add(time.Minute), w)
			for _, a := range append(ff.Agents, ff.AgentTotal) {
				if min(a.InState, a.LoggedInTime, a.Ready, a.NotReady, a.Busy, a.ACW, a.Muted, a.UnrecordedVoice, a.AHT) < 0 ||
					a.Ready+a.NotReady+a.Busy+a.ACW > a.LoggedInTime || a.Handled < 0 {
					t.Fatalf("agent %+v", a)
				}
			}
			for _, sf := range append(ff.Services, ff.Total) {
				if min(sf.Open, sf.Waiting, sf.Answered, sf.Abandoned, sf.Handled, sf.Transfers) < 0 ||
					sf.Waiting > sf.Open || min(sf.ASA, sf.AHT, sf.LongestWait) < 0 || sf.ServiceLevel > 100 {
					t.Fatalf("service %+v", sf)
				}
			}
		}
	})
}
