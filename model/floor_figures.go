package model

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// Figures are the floor's figures at now over window w. A nil FloorStats has none. They are
// computed here, at read time, from the records: O(services + agents) buckets, so in_state and the
// open intervals tick with the clock.
func (f *FloorStats) Figures(now time.Time, w FloorWindow) FloorFigures {
	ff := FloorFigures{Window: w, ByState: map[AgentState]int{}}
	if f == nil || f.services == nil {
		return ff
	}
	ff.From = f.first
	fromIdx, toIdx := int64(0), floorDiv(now.UnixNano(), f.g)
	if w == Rolling {
		fromIdx = floorDiv(now.Add(-f.window).UnixNano(), f.g)
		ff.From = maxTime(time.Unix(0, fromIdx*f.g), f.first)
	}
	sum := func(total vec, r *bucketRing[vec]) vec {
		if w == SinceStart {
			return total
		}
		return r.sum(fromIdx, toIdx)
	}
	var sv, av vec
	ff.Total.Target = f.limits.TargetFor("")
	for name, r := range f.services {
		v := sum(r.total, &r.ring)
		sv.add(v)
		sf := f.serviceFigures(name, r, v, now)
		ff.Services = append(ff.Services, sf)
		t := &ff.Total
		t.Open += sf.Open
		t.Waiting += sf.Waiting
		t.LongestWait = max(t.LongestWait, sf.LongestWait)
	}
	slices.SortFunc(ff.Services, func(a, b ServiceFigures) int { return strings.Compare(a.Service, b.Service) })
	fillService(&ff.Total, sv)
	ff.AgentTotal.NotReadyBy = map[string]time.Duration{}
	for id, a := range f.agents {
		af, v := f.agentFigures(id, a, now, ff.From, w, fromIdx, toIdx)
		av.add(v)
		ff.Agents = append(ff.Agents, af)
		ff.ByState[af.State]++
		ff.AgentTotal.LoggedIn = ff.AgentTotal.LoggedIn || af.LoggedIn
		for r, d := range af.NotReadyBy {
			ff.AgentTotal.NotReadyBy[r] = time.Duration(satAdd(int64(ff.AgentTotal.NotReadyBy[r]), int64(d)))
		}
	}
	slices.SortFunc(ff.Agents, func(a, b AgentFigures) int { return strings.Compare(a.Agent, b.Agent) })
	fillAgent(&ff.AgentTotal, av)
	return ff
}
func (f *FloorStats) serviceFigures(name string, r *svcRec, v vec, now time.Time) ServiceFigures {
	sf := ServiceFigures{Service: name, Open: r.open, Waiting: r.waitingN, Target: f.limits.TargetFor(name),
		LongestWait: r.longestWait(now)}
	fillService(&sf, v)
	return sf
}

// fillService sets the counts, means and percentage of sf from v.
func fillService(sf *ServiceFigures, v vec) {
	sf.Answered, sf.Abandoned = int(v[qAnswered]), int(v[qAbandoned])
	sf.Handled, sf.Transfers = int(v[qHandled]), int(v[qTransfers])
	if sf.Answered > 0 {
		sf.ASA, sf.HasASA = time.Duration(v[qWaitSum]/v[qAnswered]), true
	}
	if sf.Handled > 0 {
		sf.AHT, sf.HasAHT = time.Duration(v[qHandleSum]/v[qHandled]), true
	}
	if n := v[qAnswered] + v[qAbandoned]; n > 0 {
		sf.ServiceLevel, sf.HasServiceLevel = float64(v[qWithinT])*100/float64(n), true
	}
}

func (f *FloorStats) agentFigures(id string, a *agentRec, now, from time.Time, w FloorWindow, fromIdx, toIdx int64) (AgentFigures, vec) {
	af := AgentFigures{Agent: id, State: a.state, Reason: a.reason, LoggedIn: a.loggedIn}
	clock := now
	if a.frozen && a.frozenAt.Before(now) {
		clock = a.frozenAt
	}
	af.InState = max(clock.Sub(a.since), 0)
	// The running part: time since the last credit, at the current rate, inside the window.
	start := a.last
	if w == Rolling {
		start = maxTime(start, from)
	}
	run := int64(max(now.Sub(start), 0))
	v := a.total
	if w == Rolling {
		v = a.ring.sum(fromIdx, toIdx)
	}
	rate := a.rate()
	v.add(rate.scaled(run))
	af.NotReadyBy = map[string]time.Duration{}
	for reason, rr := range a.reasons {
		d := rr.total
		if w == Rolling {
			d = rr.ring.sum(fromIdx, toIdx)
		}
		if d > 0 {
			af.NotReadyBy[reason] = time.Duration(d)
		}
	}
	if rate[qNotReady] != 0 && run > 0 { // the running part, under the key flush will use
		k := a.reasonKey(a.reason)
		af.NotReadyBy[k] = time.Duration(satAdd(int64(af.NotReadyBy[k]), run))
	}
	fillAgent(&af, v)
	return af, v
}

func fillAgent(af *AgentFigures, v vec) {
	af.LoggedInTime, af.Ready, af.NotReady = time.Duration(v[qLoggedIn]), time.Duration(v[qReady]), time.Duration(v[qNotReady])
	af.Busy, af.ACW = time.Duration(v[qBusy]), time.Duration(v[qACW])
	af.Muted, af.UnrecordedVoice = time.Duration(v[qMuted]), time.Duration(v[qUnrecorded])
	af.Handled = int(v[qAgentHandled])
	if af.Handled > 0 {
		af.AHT, af.HasAHT = time.Duration(v[qAgentHandleSum]/v[qAgentHandled]), true
	}
	if d := af.LoggedInTime - af.NotReady; d > 0 {
		af.Occupancy, af.HasOccupancy = min((float64(af.Busy)+float64(af.ACW))*100/float64(d), 100), true
	}
}

// Service is the figures of the named service (false when it has none).
func (ff *FloorFigures) Service(name string) (ServiceFigures, bool) {
	return findSorted(ff.Services, name, func(s ServiceFigures) string { return s.Service })
}

// Agent is the figures of agent id (false when it has none).
func (ff *FloorFigures) Agent(id string) (AgentFigures, bool) {
	return findSorted(ff.Agents, id, func(a AgentFigures) string { return a.Agent })
}

// findSorted finds the item named key in list, sorted by name.
func findSorted[T any](list []T, key string, name func(T) string) (T, bool) {
	i, ok := slices.BinarySearchFunc(list, key, func(t T, k string) int { return strings.Compare(name(t), k) })
	if !ok {
		var zero T
		return zero, false
	}
	return list[i], true
}

// RollingWindow is the rolling window's length: the rolling figures at now cover from now −
// RollingWindow rounded down to a multiple of its buckets' width (bucketWidth: RollingWindow ÷ 90
// in whole seconds).
func (f *FloorStats) RollingWindow() time.Duration {
	if f == nil || f.window == 0 {
		return cmp.Or(f.Limits().Window, DefaultStatsWindow)
	}
	return f.window
}
