package model

import "time"

// floorRow updates the figures after a change of row r (writable: count(r, +1) follows every edit
// and insert), at the event's time.
func (s *Store) floorRow(r *Row) {
	f := &s.floor
	if f.off || f.rows == nil {
		return
	}
	t := f.now
	open := r.Open()
	if r.statsEnded {
		if !open {
			return // its end was counted
		}
		r.statsEnded = false // reopened: counted again as it goes
	}
	service := f.serviceKey(Str(r.Data.Service))
	fact, known := f.rows[r.Key] // by value: one allocation less per interaction
	if !known {
		fact = rowFact{service: service, answered: r.AnsweredAt}
		s.floorService(service).open++
	}
	if service != fact.service { // a transfer: counted on the service it left
		old := s.floorService(fact.service)
		old.open--
		s.floorWait(fact.service, r.Key, waitEntry{}, false)
		f.add(&old.total, &old.ring, t, vec{qTransfers: 1})
		fact.service = service
		s.floorService(service).open++
	}
	fact.start = r.Start() // its startTime may come late
	if fact.answered.IsZero() && answeredState(r.Data.State) {
		fact.answered, r.AnsweredAt = t, t
		wait := max(t.Sub(fact.start), 0)
		v := vec{qAnswered: 1, qWaitSum: int64(wait)}
		if wait <= f.limits.TargetFor(service) {
			v[qWithinT] = 1
		}
		sv := s.floorService(service)
		f.add(&sv.total, &sv.ring, t, v)
	}
	s.floorWaiting(r, &fact, open)
	s.floorVoice(r, &fact, open, t)
	if !open {
		s.floorEnd(r, &fact, t)
		return
	}
	f.rows[r.Key] = fact
}

// floorWaiting keeps the service's waiting set.
func (s *Store) floorWaiting(r *Row, fact *rowFact, open bool) {
	waiting := open && waitingState(r.Data.State)
	s.floorWait(fact.service, r.Key, waitEntry{start: fact.start, frozenAt: r.DisconnectedAt}, waiting)
}

// floorWait records whether key waits in service (as e), and the service's new summary.
func (s *Store) floorWait(service, key string, e waitEntry, waiting bool) {
	q := s.floor.queues[service]
	if q == nil {
		q = &waitQueue{entries: map[string]waitEntry{}}
		s.floor.queues[service] = q
	}
	if old, was := q.entries[key]; was == waiting && (!waiting || old == e) {
		return
	}
	q.set(key, e, waiting)
	q.summarize(s.floorService(service))
}

// floorVoice follows whether the row is a delivered voice call muted / not recording, on a live
// desktop, and moves the agent's rates with it.
func (s *Store) floorVoice(r *Row, fact *rowFact, open bool, t time.Time) {
	m, u := voiceFlags(r, open)
	if m == fact.muted && u == fact.unrec {
		return
	}
	a := s.floorAgentRec(r.AgentID, t)
	s.floor.flush(a, t)
	a.muted += b2i(m) - b2i(fact.muted)
	a.unrec += b2i(u) - b2i(fact.unrec)
	fact.muted, fact.unrec = m, u
}

// voiceFlags say whether the row is a delivered voice call on a live desktop that is muted, and one
// that is not recording.
func voiceFlags(r *Row, open bool) (muted, unrecorded bool) {
	live := open && r.Data.State == StateDelivered && r.Data.Type == TypeVoice && r.DisconnectedAt.IsZero()
	return live && r.Data.CallMuted, live && !r.Data.CallRecording
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// floorEnd counts the row's end (at t when it completed, else when it was removed) and forgets it.
// An end that is the memory bound's (Row.Reclaimed) is not the interaction's: it leaves the open
// figures uncounted, neither handled nor abandoned.
func (s *Store) floorEnd(r *Row, fact *rowFact, t time.Time) {
	f := &s.floor
	end := t
	if r.Ended && !r.Data.State.Ends() {
		end = r.EndedAt
	}
	sv := s.floorService(fact.service)
	switch {
	case r.Reclaimed:
	case fact.answered.IsZero():
		f.add(&sv.total, &sv.ring, end, vec{qAbandoned: 1})
	default:
		handle := int64(max(end.Sub(fact.answered), 0))
		f.add(&sv.total, &sv.ring, end, vec{qHandled: 1, qHandleSum: handle})
		a := s.floorAgentRec(r.AgentID, t)
		f.add(&a.total, &a.ring, end, vec{qAgentHandled: 1, qAgentHandleSum: handle})
	}
	sv.open--
	s.floorWait(fact.service, r.Key, waitEntry{}, false)
	delete(f.rows, r.Key)
	r.statsEnded = true
}

// floorAgentEvent updates the agent's figures after an event of its own: a state change implies
// it is logged in, ON_LOGIN says whether it is, ON_LOGOUT and a gone desktop that it is not.
func (s *Store) floorAgentEvent(ag *Agent, p any, at time.Time) {
	if s.floor.off {
		return
	}
	switch p := p.(type) {
	case *AgentStateChange:
		s.floorLogin(ag.ID, true, at)
	case *Login:
		s.floorLogin(ag.ID, p.IsLoggedIn, at)
	case Logout:
		s.floorLogin(ag.ID, false, at)
	case *Desktop: // gone logs it out, even when it was gone already (markGone says so once)
		if p.Status == DesktopGone {
			s.floorLogin(ag.ID, false, at)
		}
	}
	s.floorAgent(ag, at)
}

func (s *Store) floorLogin(id string, in bool, at time.Time) {
	if a := s.floor.agents[id]; a != nil && a.loggedIn == in {
		return
	}
	a := s.floorAgentRec(id, at)
	s.floor.flush(a, at)
	a.loggedIn = in
}

// maxStateSpans bounds Agent.States: past it, the oldest quarter is dropped.
const maxStateSpans = 1000

// floorAgent brings the agent's record in line with ag (writable) at t: its state, whether it is
// logged in (a gone desktop logs it out), whether its desktop is disconnected (its clocks stop).
func (s *Store) floorAgent(ag *Agent, t time.Time) {
	f := &s.floor
	if f.off || f.agents == nil {
		return
	}
	a := f.agents[ag.ID] // read first: most events change nothing here, and a copy costs
	gone, frozen := ag.Desktop == DesktopGone, ag.Desktop == DesktopDisconnected
	if a != nil && gone == a.gone && frozen == a.frozen && len(ag.States) > 0 {
		if state, reason := a.shown(ag); state == a.state && reason == a.reason {
			return
		}
	}
	a = s.floorAgentRec(ag.ID, t)
	t = maxTime(t, a.last)
	f.flush(a, t)
	if gone != a.gone { // going away logs it out, once
		a.gone, a.loggedIn = gone, a.loggedIn && !gone
	}
	if frozen && !a.frozen {
		a.frozenAt = t
	}
	a.frozen = frozen
	if state, reason := a.shown(ag); state != a.state || reason != a.reason || len(ag.States) == 0 {
		a.state, a.reason, a.since = state, reason, t
		ag.States = appendSpan(ag.States, &ag.spanText, StateSpan{At: t, State: state, Reason: clipText(reason, MaxChangeText)})
	}
}

// shown is the state and reason the agent's figures show: logged out, or its state.
func (a *agentRec) shown(ag *Agent) (AgentState, string) {
	if !a.loggedIn {
		return StateLoggedOut, ""
	}
	if ag.State == AgentNotReady {
		return ag.State, ag.Reason
	}
	return ag.State, ""
}

func appendSpan(spans []StateSpan, text *int64, sp StateSpan) []StateSpan {
	if len(spans) >= maxStateSpans {
		spans = keepSpans(spans, maxStateSpans*3/4, text)
	}
	*text += int64(len(sp.Reason))
	return append(spans, sp)
}

// keepSpans is the latest n spans in an array of their own (readers may hold the old one), and
// *text their reasons' total.
func keepSpans(spans []StateSpan, n int, text *int64) []StateSpan {
	spans = append([]StateSpan(nil), spans[len(spans)-n:]...)
	*text = 0
	for i := range spans {
		*text += int64(len(spans[i].Reason))
	}
	return spans
}

// maxTime is the later of a and b (b when they are the same instant).
func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
