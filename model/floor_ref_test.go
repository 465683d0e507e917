package model

import (
	"time"
)

// The reference the property test compares the engine with: the floor's figures recomputed from
// scratch from the raw list of events, by replaying them with plain state and crediting every
// stretch of time straight into the window [from, now]. No buckets, no incremental bookkeeping.

// refEvent is one raw event of the property test's streams.
type refEvent struct {
	at     time.Time
	agent  string
	typ    string // an Ev* type, or EvDesktop (gone)
	in     *Interaction
	state  AgentState
	reason string
	login  bool
}

type refIx struct {
	agent, service string
	firstSeen      time.Time
	data           *Interaction
	answered       time.Time
	open           bool
}

type refAgent struct {
	loggedIn      bool
	state         AgentState
	reason        string
	display       AgentState
	displayReason string
	since         time.Time
	v             vec
	reasons       map[string]time.Duration
}

type refFloor struct {
	from, now time.Time
	target    func(string) time.Duration
	ixs       map[string]*refIx
	agents    map[string]*refAgent
	svc       map[string]*vec
	svcOpen   map[string]int
}

// overlap is the length of [a, b) inside [from, now].
func (f *refFloor) overlap(a, b time.Time) int64 {
	a, b = maxTime(a, f.from), minTime(b, f.now)
	return int64(max(b.Sub(a), 0))
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func (f *refFloor) in(t time.Time) bool { return !t.Before(f.from) && !t.After(f.now) }

// elapse credits [a, b) to every agent's state and every open delivered voice call.
func (f *refFloor) elapse(a, b time.Time) {
	d := f.overlap(a, b)
	if d == 0 {
		return
	}
	for _, ag := range f.agents {
		if !ag.loggedIn {
			continue
		}
		ag.v[qLoggedIn] += d
		switch ag.state {
		case AgentReady:
			ag.v[qReady] += d
		case AgentNotReady:
			ag.v[qNotReady] += d
			ag.reasons[ag.reason] += time.Duration(d)
		case AgentBusy:
			ag.v[qBusy] += d
		case AgentAfterCallWork:
			ag.v[qACW] += d
		}
	}
	for _, ix := range f.ixs {
		if ix.open && ix.data.State == StateDelivered && ix.data.Type == TypeVoice {
			if ix.data.CallMuted {
				f.agents[ix.agent].v[qMuted] += d
			}
			if !ix.data.CallRecording {
				f.agents[ix.agent].v[qUnrecorded] += d
			}
		}
	}
}

func (f *refFloor) count(service string, t time.Time, v vec) {
	if f.svc[service] == nil {
		f.svc[service] = &vec{}
	}
	if f.in(t) {
		f.svc[service].add(v)
	}
}

func (f *refFloor) agent(id string, t time.Time) *refAgent {
	if f.agents[id] == nil {
		f.agents[id] = &refAgent{display: StateLoggedOut, since: t, reasons: map[string]time.Duration{}}
	}
	return f.agents[id]
}

// redisplay notes when an agent's shown state (logged out, or its state and reason) changes.
func (ag *refAgent) redisplay(t time.Time) {
	st, r := StateLoggedOut, ""
	if ag.loggedIn {
		st = ag.state
		if st == AgentNotReady {
			r = ag.reason
		}
	}
	if st != ag.display || r != ag.displayReason {
		ag.display, ag.displayReason, ag.since = st, r, t
	}
}

func (ix *refIx) start() time.Time {
	if t := Millis(ix.data.StartTime); !t.IsZero() {
		return t
	}
	return ix.firstSeen
}

func (f *refFloor) end(key string, t time.Time) {
	ix := f.ixs[key]
	ix.open = false
	f.svcOpen[ix.service]--
	if ix.answered.IsZero() {
		f.count(ix.service, t, vec{qAbandoned: 1})
		return
	}
	h := int64(t.Sub(ix.answered))
	f.count(ix.service, t, vec{qHandled: 1, qHandleSum: h})
	if f.in(t) {
		f.agents[ix.agent].v.add(vec{qAgentHandled: 1, qAgentHandleSum: h})
	}
}

// see applies one interaction snapshot.
func (f *refFloor) see(e refEvent) {
	key := e.agent + "/" + e.in.ID
	ix := f.ixs[key]
	service := Str(e.in.Service)
	if ix == nil {
		ix = &refIx{agent: e.agent, service: service, firstSeen: e.at, open: true}
		f.ixs[key] = ix
		f.svcOpen[service]++
		f.count(service, e.at, vec{})
	}
	if !ix.open {
		return // a removal after completed
	}
	ix.data = e.in
	if service != ix.service {
		f.count(ix.service, e.at, vec{qTransfers: 1})
		f.svcOpen[ix.service]--
		f.svcOpen[service]++
		f.count(service, e.at, vec{})
		ix.service = service
	}
	if ix.answered.IsZero() && answeredState(e.in.State) {
		ix.answered = e.at
		wait := e.at.Sub(ix.start())
		v := vec{qAnswered: 1, qWaitSum: int64(wait)}
		if wait <= f.target(service) {
			v[qWithinT] = 1
		}
		f.count(service, e.at, v)
	}
	if e.typ == EvInteractionRemoved || e.in.State == StateCompleted {
		f.end(key, e.at)
	}
}

func (f *refFloor) apply(e refEvent) {
	ag := f.agent(e.agent, e.at)
	switch e.typ {
	case EvAgentStateChange:
		ag.loggedIn, ag.state, ag.reason = true, e.state, e.reason
	case EvLogin:
		ag.loggedIn = e.login
	case EvLogout:
		ag.loggedIn = false
	case EvDesktop: // gone
		for key, ix := range f.ixs {
			if ix.open && ix.agent == e.agent {
				f.end(key, e.at)
			}
		}
		ag.loggedIn = false
	default:
		f.see(e)
	}
	ag.redisplay(e.at)
}

// refFigures recomputes the figures at now over the events (all at or before now), the rolling
// window starting at now − window rounded down to the granularity g.
func refFigures(events []refEvent, now time.Time, w FloorWindow, l KPILimits, g time.Duration) FloorFigures {
	f := &refFloor{from: events[0].at, now: now, target: l.TargetFor, ixs: map[string]*refIx{},
		agents: map[string]*refAgent{}, svc: map[string]*vec{}, svcOpen: map[string]int{}}
	if w == Rolling {
		f.from = maxTime(now.Add(-l.Window).Truncate(g), f.from)
	}
	prev := events[0].at
	for _, e := range events {
		f.elapse(prev, e.at)
		prev = e.at
		f.apply(e)
	}
	f.elapse(prev, now)
	return f.figures(w, l)
}

func (f *refFloor) figures(w FloorWindow, l KPILimits) FloorFigures {
	ff := FloorFigures{Window: w, From: f.from, ByState: map[AgentState]int{}}
	var total vec
	ff.Total.Target = l.TargetFor("")
	for name, v := range f.svc { // map order: sorted below by the comparison
		sf := refService(name, *v, l.TargetFor(name))
		sf.Open = f.svcOpen[name]
		for _, ix := range f.ixs {
			if ix.open && ix.service == name && waitingState(ix.data.State) {
				sf.Waiting++
				sf.LongestWait = max(sf.LongestWait, f.now.Sub(ix.start()))
			}
		}
		ff.Services = append(ff.Services, sf)
		total.add(*v)
		ff.Total.Open += sf.Open
		ff.Total.Waiting += sf.Waiting
		ff.Total.LongestWait = max(ff.Total.LongestWait, sf.LongestWait)
	}
	t := refService("", total, ff.Total.Target)
	t.Open, t.Waiting, t.LongestWait = ff.Total.Open, ff.Total.Waiting, ff.Total.LongestWait
	ff.Total = t
	var at vec
	ff.AgentTotal.NotReadyBy = map[string]time.Duration{}
	for id, ag := range f.agents {
		a := refAgentFigures(ag.v)
		a.Agent, a.State, a.Reason, a.LoggedIn = id, ag.display, ag.displayReason, ag.loggedIn
		a.InState = f.now.Sub(ag.since)
		a.NotReadyBy = map[string]time.Duration{}
		for r, d := range ag.reasons {
			if d > 0 {
				a.NotReadyBy[r] = d
				ff.AgentTotal.NotReadyBy[r] += d
			}
		}
		ff.Agents = append(ff.Agents, a)
		ff.ByState[a.State]++
		at.add(ag.v)
		ff.AgentTotal.LoggedIn = ff.AgentTotal.LoggedIn || ag.loggedIn
	}
	by, in := ff.AgentTotal.NotReadyBy, ff.AgentTotal.LoggedIn
	ff.AgentTotal = refAgentFigures(at)
	ff.AgentTotal.NotReadyBy, ff.AgentTotal.LoggedIn = by, in
	return ff
}

func refService(name string, v vec, target time.Duration) ServiceFigures {
	sf := ServiceFigures{Service: name, Target: target, Answered: int(v[qAnswered]),
		Abandoned: int(v[qAbandoned]), Handled: int(v[qHandled]), Transfers: int(v[qTransfers])}
	if sf.Answered > 0 {
		sf.ASA, sf.HasASA = time.Duration(v[qWaitSum]/int64(sf.Answered)), true
	}
	if sf.Handled > 0 {
		sf.AHT, sf.HasAHT = time.Duration(v[qHandleSum]/int64(sf.Handled)), true
	}
	if ended := sf.Answered + sf.Abandoned; ended > 0 {
		sf.ServiceLevel, sf.HasServiceLevel = 100*float64(v[qWithinT])/float64(ended), true
	}
	return sf
}

func refAgentFigures(v vec) AgentFigures {
	a := AgentFigures{LoggedInTime: time.Duration(v[qLoggedIn]), Ready: time.Duration(v[qReady]),
		NotReady: time.Duration(v[qNotReady]), Busy: time.Duration(v[qBusy]), ACW: time.Duration(v[qACW]),
		Muted: time.Duration(v[qMuted]), UnrecordedVoice: time.Duration(v[qUnrecorded]),
		Handled: int(v[qAgentHandled])}
	if a.Handled > 0 {
		a.AHT, a.HasAHT = time.Duration(v[qAgentHandleSum]/int64(a.Handled)), true
	}
	if avail := a.LoggedInTime - a.NotReady; avail > 0 {
		a.Occupancy, a.HasOccupancy = 100*float64(a.Busy+a.ACW)/float64(avail), true
	}
	return a
}
