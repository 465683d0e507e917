package model

import (
	"container/heap"
	"sync"
	"time"
)

// AlertIndex keeps the alert counts of a store's rows under one set of rules up to date as the
// store and the clock move, so that counting them once a second costs what changed, not the
// store's size. Rules break with time as well as with events (a hold passes its limit), so each
// open row that will break a rule later waits in a deadline heap: a step to a later clock looks
// only at the rows whose deadline passed, and a new snapshot only at the rows that changed.
//
// Its counts are always exactly what AlertRules.Count, TallyAgents and Check give for the same
// snapshot and clock (the KPI alerts of kpi.go included). It is safe for concurrent use; every viewer of a store with the same rules
// shares one (Store.AlertIndex), so the counting is done once per version and second, not once
// per viewer.
type AlertIndex struct {
	mu    sync.Mutex
	rules AlertRules
	// from is the snapshot counted, at clock now (nil until the first Counts).
	from *Snapshot
	now  time.Time
	// entries holds, by Seq, the rows that alert or will with time: any other row can only begin
	// alerting by changing, which the next snapshot shows.
	entries map[uint64]*alertEntry
	due     dueHeap
	// alerting counts the alerting rows; byAgent their reasons per agent.
	alerting int
	byAgent  map[string]*agentBits
	counts   *AlertCounts
	// gen rises with every step that changed an alert; flips lists the rows that began alerting
	// with time in the steps since flipsFrom, all at version from.Version (see Flips).
	gen       uint64
	flipsFrom uint64
	flips     []flip
	// scratch lists for diffRows.
	gone, added []*Row
}

// maxFlips bounds the flips kept: a viewer further behind counts again.
const maxFlips = 4096

type flip struct {
	gen uint64
	row *Row
}

type alertEntry struct {
	row  *Row
	bits alertBits
	due  time.Time // when a time rule breaks next (zero: none pending)
	at   int       // position in the heap, -1 when not in it
}

// agentBits count an agent's alerting rows, and its rows per reason (in alertBits order).
type agentBits struct {
	rows  int
	kinds [numAlertBits]int
}

const numAlertBits = 5

// bitKinds are the reasons of alertBits, in bit order (Check's order).
var bitKinds = [numAlertBits]AlertKind{AlertHold, AlertQueued, AlertMuted, AlertNotRecording, AlertAudio}

// AlertCounts are the open alerts of one snapshot at one clock. They are never changed once
// returned, so every viewer may keep the same one.
type AlertCounts struct {
	// Version is the snapshot's and Now the clock they were counted at.
	Version uint64
	Now     time.Time
	// Tally is the header's count (AlertRules.Tally).
	Tally AlertTally
	// ByAgent holds, for each agent with alerting rows, how many and why.
	ByAgent map[string]AgentRowAlerts
	// Own lists the agents with alerts of their own (AlertRules.TallyAgents), and those with a
	// KPI alert (an agent not ready too long).
	Own map[string]bool
	// KPI are the KPI alerts at Now (KPIAlerts over the snapshot's rolling figures and limits);
	// Tally.Agents counts an agent's once with its other alerts, Tally.KPI the services'.
	KPI []KPIAlert
	// Gen identifies the step the counts were made at, for Flips.
	Gen uint64
}

// AgentRowAlerts are what an agent's rows have alerting: how many rows, and the reasons any of
// them has, in Check's order.
type AgentRowAlerts struct {
	Rows  int
	Kinds []AlertKind
}

// NewAlertIndex returns an empty index for rules; Counts fills it.
func NewAlertIndex(rules AlertRules) *AlertIndex { return &AlertIndex{rules: rules} }

// Rules returns the rules the index counts.
func (x *AlertIndex) Rules() AlertRules { return x.rules }

// Counts brings the index to sn at now and returns its counts. A viewer a moment behind another
// (an older snapshot, a clock up to a second earlier) gets the later counts; a clock further back
// (a replay moved back) counts again from scratch.
func (x *AlertIndex) Counts(sn *Snapshot, now time.Time) *AlertCounts {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.from == nil || now.Before(x.now.Add(-time.Second)) {
		if x.from != nil && x.from.Version > sn.Version {
			sn = x.from
		}
		x.rebuild(sn, now)
	}
	now = maxTime(x.now, now)
	changed := false
	if sn.Version > x.from.Version {
		changed = x.moveTo(sn, now)
	}
	if x.advance(now) {
		changed = true
	}
	x.now = now
	if changed {
		x.gen++
	}
	if c := x.counts; c != nil && !changed && c.Version == x.from.Version && c.Now.Unix() == now.Unix() {
		return c
	}
	x.counts = x.publish(now)
	return x.counts
}

// Flips calls fn with each row that began alerting with the passage of time (its row unchanged)
// after the counts of gen and up to those of to, and reports true, when every step between them
// was at snapshot version (so the rows are that snapshot's). It reports false when it cannot tell
// (the version moved, or too many steps passed): the caller counts again.
func (x *AlertIndex) Flips(version, gen, to uint64, fn func(*Row)) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.from == nil || x.from.Version != version || gen < x.flipsFrom || to > x.gen {
		return false
	}
	for _, f := range x.flips {
		if f.gen > gen && f.gen <= to {
			fn(f.row)
		}
	}
	return true
}

// rebuild counts sn at now from scratch.
func (x *AlertIndex) rebuild(sn *Snapshot, now time.Time) {
	x.from, x.now, x.counts = sn, now, nil
	x.entries = map[uint64]*alertEntry{}
	x.due = x.due[:0]
	x.alerting, x.byAgent = 0, map[string]*agentBits{}
	x.gen++
	x.resetFlips()
	for _, r := range sn.Rows {
		x.add(r, now)
	}
}

func (x *AlertIndex) resetFlips() {
	x.flipsFrom = x.gen
	clear(x.flips)
	x.flips = x.flips[:0]
}

// moveTo brings the index to a later snapshot, looking only at the rows that changed, and reports
// whether any alert changed.
func (x *AlertIndex) moveTo(sn *Snapshot, now time.Time) bool {
	before := x.alerting
	changed := false
	x.gone, x.added, _ = diffRows(x.from.Rows, sn.Rows, x.gone[:0], x.added[:0], -1)
	for _, r := range x.gone {
		if x.remove(r) {
			changed = true
		}
	}
	for _, r := range x.added {
		if x.add(r, now) {
			changed = true
		}
	}
	clear(x.gone)
	clear(x.added)
	x.from = sn
	x.gen++ // the flips were of the previous snapshot's rows
	x.resetFlips()
	return changed || x.alerting != before
}

// add indexes a row that appeared or changed, and reports whether it alerts.
func (x *AlertIndex) add(r *Row, now time.Time) bool {
	if !r.Open() {
		return false // an ended row never alerts again
	}
	bits := x.rules.eval(r, now)
	due := x.rules.nextDue(r, bits, now)
	if bits == 0 && due.IsZero() {
		return false // nothing to watch until the row changes
	}
	e := &alertEntry{row: r, at: -1}
	x.entries[r.Seq] = e
	x.set(e, bits)
	x.schedule(e, due)
	return bits != 0
}

// remove forgets a row that went or was replaced, and reports whether it alerted.
func (x *AlertIndex) remove(r *Row) bool {
	e := x.entries[r.Seq]
	if e == nil || e.row != r {
		return false
	}
	delete(x.entries, r.Seq)
	if e.at >= 0 {
		heap.Remove(&x.due, e.at)
	}
	was := e.bits != 0
	x.set(e, 0)
	return was
}

// advance moves the clock to now, looking at the rows whose deadline passed, and reports whether
// any alert changed.
func (x *AlertIndex) advance(now time.Time) bool {
	changed := false
	for len(x.due) > 0 && now.After(x.due[0].due) {
		e := heap.Pop(&x.due).(*alertEntry)
		was := e.bits
		x.set(e, x.rules.eval(e.row, now))
		x.schedule(e, x.rules.nextDue(e.row, e.bits, now))
		if e.bits == 0 && e.due.IsZero() {
			delete(x.entries, e.row.Seq)
		}
		if e.bits != was {
			changed = true
			if was == 0 {
				x.flips = append(x.flips, flip{x.gen + 1, e.row}) // the step Counts is making
			}
		}
	}
	if len(x.flips) > maxFlips {
		x.resetFlips()
		x.flipsFrom++ // nobody can follow the steps up to this one
	}
	return changed
}

// set changes an entry's bits, keeping the counts.
func (x *AlertIndex) set(e *alertEntry, bits alertBits) {
	if e.bits == bits {
		return
	}
	x.count(e.row.AgentID, e.bits, -1)
	x.count(e.row.AgentID, bits, 1)
	e.bits = bits
}

func (x *AlertIndex) count(agent string, bits alertBits, d int) {
	if bits == 0 {
		return
	}
	x.alerting += d
	a := x.byAgent[agent]
	if a == nil {
		a = &agentBits{}
		x.byAgent[agent] = a
	}
	a.rows += d
	for i := range numAlertBits {
		if bits&(1<<i) != 0 {
			a.kinds[i] += d
		}
	}
	if a.rows == 0 {
		delete(x.byAgent, agent)
	}
}

// schedule puts the entry in the heap at due, its next deadline (nextDue), unless none is pending.
func (x *AlertIndex) schedule(e *alertEntry, due time.Time) {
	e.due = due
	if !due.IsZero() {
		heap.Push(&x.due, e)
	}
}

// nextDue is when a time rule the row does not break yet at now breaks, unless the row changes
// first: the zero time when none is pending. A rule breaks once the time in the state (or muted)
// is over its limit, so after since+limit.
func (r AlertRules) nextDue(row *Row, bits alertBits, now time.Time) time.Time {
	var since time.Time
	var limit time.Duration
	var bit alertBits
	switch d := row.Data; {
	case d.State == StateHold && r.Hold > 0:
		since, limit, bit = row.stateSince(), r.Hold, bitHold
	case d.State == StateQueued && r.Queued > 0:
		since, limit, bit = row.stateSince(), r.Queued, bitQueued
	case d.State == StateDelivered && r.Muted > 0 && d.CallMuted:
		since, limit, bit = row.mutedSince(), r.Muted, bitMuted
	}
	due := since.Add(limit)
	if bit == 0 || bits&bit != 0 || due.Before(now) || r.eval(row, due.Add(1))&bit == 0 {
		// None pending, or the rule is broken already, or it would not be at its deadline: a row
		// no rule may alert on (an ended or a stale one) waits for its next change.
		return time.Time{}
	}
	return due
}

// publish makes the counts of the current state.
func (x *AlertIndex) publish(now time.Time) *AlertCounts {
	t, own, kpi := x.rules.tallyAgents(x.from, now)
	t.Rows = x.alerting
	by := make(map[string]AgentRowAlerts, len(x.byAgent))
	for id, a := range x.byAgent {
		var kinds []AlertKind
		for i, n := range a.kinds {
			if n > 0 {
				kinds = append(kinds, bitKinds[i])
			}
		}
		by[id] = AgentRowAlerts{Rows: a.rows, Kinds: kinds}
	}
	return &AlertCounts{Version: x.from.Version, Now: now, Tally: t, ByAgent: by, Own: own, KPI: kpi,
		Gen: x.gen}
}

// dueHeap orders entries by deadline, earliest first.
type dueHeap []*alertEntry

func (h dueHeap) Len() int           { return len(h) }
func (h dueHeap) Less(i, j int) bool { return h[i].due.Before(h[j].due) }
func (h dueHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].at, h[j].at = i, j
}
func (h *dueHeap) Push(v any) {
	e := v.(*alertEntry)
	e.at = len(*h)
	*h = append(*h, e)
}
func (h *dueHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	e.at = -1
	return e
}

// indexes holds a store's shared alert indexes, one per set of rules in use (a reload of the
// configuration brings new rules; the oldest are dropped beyond a few).
type indexes struct {
	mu   sync.Mutex
	list []*AlertIndex
}

const maxIndexes = 4

// AlertIndex returns the store's shared index for rules, made on first use: every viewer with the
// same rules counts its alerts through it.
func (s *Store) AlertIndex(rules AlertRules) *AlertIndex {
	x := &s.indexes
	x.mu.Lock()
	defer x.mu.Unlock()
	for i, ix := range x.list {
		if ix.rules == rules {
			copy(x.list[1:i+1], x.list[:i]) // most recently used first
			x.list[0] = ix
			return ix
		}
	}
	ix := NewAlertIndex(rules)
	x.list = append([]*AlertIndex{ix}, x.list[:min(len(x.list), maxIndexes-1)]...)
	return ix
}
