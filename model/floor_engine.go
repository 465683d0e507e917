package model

import (
	"maps"
	"strings"
	"time"
)

// The engine of the floor's statistics: the store calls floorEvent at every event, floorRow after
// every change of a row (count(r, +1)) and floorAgent after every change of an agent; each does
// constant work (crediting a time span across at most the rolling window's buckets, a logarithmic
// step in a service's waiting queue), never a scan of the rows. Records, and the pages of their
// rings, are copied on write by epoch, like rows: a published FloorStats is never changed.

// maxFloorServices bounds the service records; interactions of further services count under
// OtherService.
const maxFloorServices = 1000

// maxFloorReasons bounds the not-ready reasons kept per agent; further ones count under
// OtherReason.
const maxFloorReasons = 16

// OtherService and OtherReason collect what is past the bounds above.
const (
	OtherService = "(other services)"
	OtherReason  = "(other reasons)"
)

// svcRec is one service's record.
type svcRec struct {
	epoch uint64
	total vec // since the start
	ring  bucketRing[vec]
	open  int
	// The summary of its waiting interactions (waitQueue): how many, the oldest live one's start
	// (zero when none), the longest wait of those whose desktop disconnected.
	waitingN      int
	oldestLive    time.Time
	longestFrozen time.Duration
}

// waitEntry is a waiting interaction: its wait's start, and when its desktop disconnected (its
// clock stops there).
type waitEntry struct{ start, frozenAt time.Time }

// agentRec is one agent's record.
type agentRec struct {
	epoch    uint64
	loggedIn bool
	gone     bool // its desktop is gone (it logged out then)
	frozen   bool // its desktop is disconnected: its clocks stop at frozenAt
	frozenAt time.Time
	state    AgentState // StateLoggedOut while logged out
	reason   string
	since    time.Time // in state since
	last     time.Time // time is credited up to here
	muted    int64     // its delivered voice calls muted now
	unrec    int64     // … and not recording
	total    vec
	ring     bucketRing[vec]
	reasons  map[string]*reasonRec
	// reasonBytes is the length of reasons' keys together, for the memory bound (agentBytes).
	reasonBytes int64
}

// reasonRec is the time an agent spent not ready for one reason.
type reasonRec struct {
	total span
	ring  bucketRing[span]
}

// rowFact is what the engine remembers of an open row, to compare with its next change.
type rowFact struct {
	service      string
	start        time.Time
	answered     time.Time
	muted, unrec bool
}

// WithoutFloorStats turns the floor statistics off (the hub's store, which serves no figures).
func WithoutFloorStats() Option { return func(s *Store) { s.floor.off = true } }

func (f *FloorStats) init() {
	w := f.limits.Window
	if w <= 0 {
		w = DefaultStatsWindow
	}
	f.window = w
	f.g = bucketWidth(w)
	f.nb = int((int64(w)+f.g-1)/f.g) + 2
	f.nb = (f.nb + ringPageSlots - 1) / ringPageSlots * ringPageSlots
	f.services = map[string]*svcRec{}
	f.agents = map[string]*agentRec{}
	f.rows = map[string]rowFact{}
	f.queues = map[string]*waitQueue{}
}

// publish is the copy of f a snapshot holds: the maps are copied (O(services + agents)); the
// records they point to are never written again (the writer copies a record of an older epoch).
func (f *FloorStats) publish() *FloorStats {
	fl := *f
	fl.rows, fl.queues = nil, nil
	fl.services = maps.Clone(f.services)
	fl.agents = maps.Clone(f.agents)
	return &fl
}

// restored is the writer's FloorStats of a store restored from a checkpoint (checkpoint.go) that
// holds f, published, and rows: the records are f's (copied on write); the open-row facts and
// waiting queues, which f does not hold, are made again from the open rows, each what floorRow
// left for it (the service key, start, answer time and voice flags are all read from the row).
func (f *FloorStats) restored(rows []*Row) FloorStats {
	c := *f
	c.services, c.agents = maps.Clone(f.services), maps.Clone(f.agents)
	if c.services == nil {
		return c // off, or not started: floorEvent makes the maps at the first event
	}
	c.rows, c.queues = map[string]rowFact{}, map[string]*waitQueue{}
	for _, r := range rows {
		if !r.Open() {
			continue
		}
		fact := rowFact{service: c.serviceKey(Str(r.Data.Service)), start: r.Start(), answered: r.AnsweredAt}
		fact.muted, fact.unrec = voiceFlags(r, true)
		c.rows[r.Key] = fact
		if waitingState(r.Data.State) {
			q := c.queues[fact.service]
			if q == nil {
				q = &waitQueue{entries: map[string]waitEntry{}}
				c.queues[fact.service] = q
			}
			q.entries[r.Key] = waitEntry{start: fact.start, frozenAt: r.DisconnectedAt}
		}
	}
	for _, q := range c.queues {
		q.rebuild()
	}
	return c
}

// bytes estimates the memory of a published f's maps (checkpoint.go), not of the records.
func (f *FloorStats) bytes() int64 {
	return int64(len(f.services)+len(f.agents)) * (16 + 8 + mapEntryBytes)
}

// floorEvent notes the time of an event about to be applied.
func (s *Store) floorEvent(at time.Time) {
	f := &s.floor
	if f.off {
		return
	}
	if f.services == nil {
		f.init()
	}
	if !f.started {
		f.started, f.first = true, at
	}
	f.now, f.epoch = at, s.epoch
}

// geom is the layout of the records' rings now.
func (f *FloorStats) geom() ringGeom { return ringGeom{n: f.nb, g: f.g, epoch: f.epoch} }

// serviceKey is the record service name counts under: its own as it prints (sanitized, without
// leading or trailing spaces, so that "Sales" and "Sa\u200bles", which print alike, are one
// service, never two rows that read the same), or OtherService once there are maxFloorServices.
func (f *FloorStats) serviceKey(name string) string {
	return cappedKey(f.services, name, maxFloorServices, OtherService)
}

// cappedKey is name as it prints (see printedKey) where m holds it or has room for it (fewer than
// most keys), else other: a peer's stream of new names costs at most most keys.
func cappedKey[V any](m map[string]V, name string, most int, other string) string {
	name = printedKey(name)
	if _, ok := m[name]; ok || len(m) < most {
		return name
	}
	return other
}

// printedKey is a name from an event as it prints (sanitized, without leading or trailing spaces):
// names that print alike are one key, never two rows that read the same.
func printedKey(s string) string {
	if !isPlain(s) || s != "" && (s[0] == ' ' || s[len(s)-1] == ' ') {
		return strings.TrimSpace(Sanitize(s))
	}
	return s
}

// floorService is the record of service (a serviceKey) to change.
func (s *Store) floorService(name string) *svcRec {
	f := &s.floor
	r := f.services[name]
	switch {
	case r == nil:
		r = &svcRec{epoch: s.epoch}
		f.services[name] = r
	case r.epoch != s.epoch:
		c := *r
		c.epoch, c.ring = s.epoch, r.ring.clone()
		r = &c
		f.services[name] = r
	}
	return r
}

func (s *Store) floorAgentRec(id string, at time.Time) *agentRec {
	f := &s.floor
	r := f.agents[id]
	switch {
	case r == nil:
		r = &agentRec{epoch: s.epoch, state: StateLoggedOut, since: at, last: at}
		f.agents[id] = r
	case r.epoch != s.epoch:
		c := *r
		c.epoch, c.ring = s.epoch, r.ring.clone()
		c.reasons = make(map[string]*reasonRec, len(r.reasons))
		for k, v := range r.reasons {
			c.reasons[k] = &reasonRec{total: v.total, ring: v.ring.clone()}
		}
		r = &c
		f.agents[id] = r
	}
	return r
}

// add counts v at event time t in a record's totals and ring.
func (f *FloorStats) add(total *vec, r *bucketRing[vec], t time.Time, v vec) {
	total.add(v)
	r.add(f.geom(), floorDiv(t.UnixNano(), f.g), v)
}

// rate is what the agent accrues per nanosecond now.
func (a *agentRec) rate() vec {
	var v vec
	if !a.frozen && a.loggedIn {
		v[qLoggedIn] = 1
		switch a.state {
		case AgentReady:
			v[qReady] = 1
		case AgentNotReady:
			v[qNotReady] = 1
		case AgentBusy:
			v[qBusy] = 1
		case AgentAfterCallWork:
			v[qACW] = 1
		}
	}
	v[qMuted], v[qUnrecorded] = a.muted, a.unrec
	return v
}

// flush credits the agent's time up to t.
func (f *FloorStats) flush(a *agentRec, t time.Time) {
	if !t.After(a.last) {
		return
	}
	from, to := a.last.UnixNano(), t.UnixNano()
	rate := a.rate()
	a.total.add(rate.scaled(to - from))
	a.ring.credit(f.geom(), from, to, rate)
	if rate[qNotReady] != 0 {
		rr := a.reasonRec(a.reason)
		rr.total = rr.total.plus(span(to - from))
		rr.ring.credit(f.geom(), from, to, 1)
	}
	a.last = t
}

func (a *agentRec) reasonRec(reason string) *reasonRec {
	if a.reasons == nil {
		a.reasons = map[string]*reasonRec{}
	}
	reason = a.reasonKey(reason)
	rr := a.reasons[reason]
	if rr == nil {
		rr = &reasonRec{}
		a.reasons[reason] = rr
		a.reasonBytes += int64(len(reason))
	}
	return rr
}

// reasonKey is where time not ready for reason is kept: its own record (as it prints, see
// printedKey), or OtherReason once the agent has maxFloorReasons.
func (a *agentRec) reasonKey(reason string) string {
	return cappedKey(a.reasons, reason, maxFloorReasons, OtherReason)
}

// answeredState reports whether an interaction in state st has been answered: delivered, or a
// state after delivery.
func answeredState(st State) bool {
	switch st {
	case StateDelivered, StateHold, StateWrapUp, StateWrapUpHold, StateCompleted:
		return true
	}
	return false
}

// waitingState reports whether an interaction in state st waits.
func waitingState(st State) bool {
	return st == StateQueued || st == StateIVR || st == StateDeliveryPending
}
