package ui

import (
	"slices"
	"time"

	"github.com/deskwatch/deskwatch/model"
)

// viewState is what one viewer derives from a snapshot: the query's rows, their layout in groups,
// and the open alerts. Each part is cached under the inputs it depends on, so a frame where nothing
// changed neither filters, sorts nor groups again.
type viewState struct {
	// live keeps the query's result up to date incrementally; rows is its latest result, for
	// queryKey, and generation counts the results that differed.
	live       *model.LiveQuery
	rows       []*model.Row
	queryKey   queryKey
	generation int
	// ordered is rows in display order (grouped), folded ones included; heads are the group
	// headings; both for layoutKey.
	ordered   []*model.Row
	heads     []*groupHead
	layoutKey layoutKey
	laidOut   bool
	// The alert counts of the second alertSecond: the header's tally, alerting rows per agent, and
	// the agents with alerts of their own. They are taken once a second (a hold passes its limit
	// with time, not only with events) from the store's shared AlertIndex, which counts what
	// changed once for every viewer; a burst of store changes within a second does not take them
	// again. Row marks are drawn at once. counts is nil until the first count.
	tally       model.AlertTally
	byAgent     map[string]agentAlerts
	agentOwn    map[string]bool // agents with alerts of their own (AlertRules.TallyAgents)
	kpi         kpiAlerts       // the KPI alerts (kpialerts.go)
	counts      *model.AlertCounts
	index       *model.AlertIndex
	alertSecond int64
	// floorWindow is the window the floor's figures are shown over (services, agents, wallboard;
	// the w key switches it); figs are those figures (frame.figures).
	floorWindow model.FloorWindow
	figs        figuresCache
	// heads' alert counts are those of headsGen of headsIndex at snapshot headsVersion (headsOK),
	// so the rows that began alerting since can be added (AlertIndex.Flips); headsByKey finds a
	// heading.
	headsIndex   *model.AlertIndex
	headsGen     uint64
	headsVersion uint64
	headsOK      bool
	headsByKey   map[string]*groupHead
	// ring is set when the open alerts grew and the bell should ring.
	ring bool
	// layouts counts groupings, so tests can prove a quiet frame does none (the LiveQuery's stats
	// say the same of queries).
	layouts int
}

// agentAlerts are what an agent's interactions have alerting: how many, and for which reasons.
type agentAlerts = model.AgentRowAlerts

// queryKey identifies a query: when it changes, the LiveQuery starts over.
type queryKey struct {
	filter string
	sort   model.SortKey
	desc   bool
	hide   bool
	open   bool
}

// layoutKey identifies the inputs of a cached grouping.
type layoutKey struct {
	rows  int // viewState.generation
	by    model.GroupBy
	folds int
}

// refresh re-runs what changed: the query, incrementally, when the store or the query changed (or,
// for a query on durations, the second); the grouping when the rows or the folds changed; the
// alert counts once a second.
func (m *Model) refresh() {
	v := &m.view
	now := m.now()
	qk := queryKey{filter: m.query.Filter.String(), sort: m.query.Sort, desc: m.query.Desc,
		hide: m.query.HideEnded, open: m.query.OpenFirst}
	if v.live == nil || qk != v.queryKey {
		v.live, v.queryKey = model.NewLiveQuery(m.query), qk
	}
	clock := now
	if m.query.Sort == model.SortDuration || m.query.Filter.Timed() {
		clock = now.Truncate(time.Second) // one full run a second, not one a frame
	}
	if rows := v.live.Rows(m.snap.Rows, clock); v.rows == nil || !sameSlice(rows, v.rows) {
		v.rows = rows
		v.generation++
	}
	lk := layoutKey{rows: v.generation, by: m.group.by, folds: m.group.version}
	fresh := lk != v.layoutKey || !v.laidOut
	if fresh {
		v.layoutKey, v.laidOut = lk, true
		lines, heads, ordered := m.group.layout(v.rows)
		v.heads, v.ordered, v.headsByKey = heads, ordered, nil
		m.table.SetLines(lines)
		v.layouts++
	}
	if m.countAlerts(now) || fresh {
		m.countHeads(fresh)
	}
}

// countAlerts takes the open alerts at now from the store's shared index, once a second (see
// viewState), and reports whether it did.
func (m *Model) countAlerts(now time.Time) bool {
	v := &m.view
	sec := now.Unix()
	if v.counts != nil && sec == v.alertSecond {
		return false
	}
	v.index = m.store().AlertIndex(m.c.Alerts)
	c := v.index.Counts(m.snap, now)
	if m.c.Bell && v.counts != nil && c.Tally.Total() > v.tally.Total() {
		v.ring = true
	}
	v.counts, v.tally, v.byAgent, v.agentOwn = c, c.Tally, c.ByAgent, c.Own
	v.takeKPI(c)
	v.alertSecond = sec
	return true
}

// countHeads brings the headings' alert counts to the counts taken: by the rows that began
// alerting since the headings were counted, when the index can tell them (the same snapshot, a
// layout kept), else by counting every heading's rows, which costs what grouping them did.
func (m *Model) countHeads(fresh bool) {
	v := &m.view
	c := v.counts
	follows := !fresh && v.headsOK && v.headsIndex == v.index
	if len(v.heads) == 0 || follows && v.headsGen == c.Gen && v.headsVersion == c.Version {
		return
	}
	if follows && v.headsVersion == m.snap.Version &&
		v.index.Flips(m.snap.Version, v.headsGen, c.Gen, m.countFlip) {
		v.headsGen = c.Gen
		return
	}
	countHeadAlerts(v.heads, v.index.Rules(), c.Now)
	v.headsIndex, v.headsGen, v.headsVersion = v.index, c.Gen, c.Version
	v.headsOK = c.Version == m.snap.Version
}

// countFlip counts a row that began alerting in its heading, when the query shows it (an alerting
// row is open, so only the filter may leave it out).
func (m *Model) countFlip(r *model.Row) {
	v := &m.view
	if v.headsByKey == nil {
		v.headsByKey = make(map[string]*groupHead, len(v.heads))
		for _, h := range v.heads {
			v.headsByKey[h.key] = h
		}
	}
	if h := v.headsByKey[m.group.by.Key(r)]; h != nil && m.query.Passes(r, v.counts.Now) {
		h.alerts++
	}
}

// sameSlice reports whether two query results are the same slice (LiveQuery returns the previous
// result itself when nothing changed).
func sameSlice(a, b []*model.Row) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}

// stamp identifies what the pane in front shows on the frame; nil for panes that are redrawn on
// every change.
func (m *Model) stamp(f *frame) []lineID {
	if s, ok := m.front().(stamper); ok {
		return s.stamp(f)
	}
	return nil
}

// markIfShown marks the frame dirty after a store change when a line on screen changed. The
// header's and the status line's counts catch up at the next tick, within a second.
func (m *Model) markIfShown() {
	st := m.stamp(m.newFrame())
	if st == nil || m.drawn == nil || !slices.Equal(st, m.drawn) {
		m.dirty = true
	}
}

// figuresCache keeps the floor's figures of one frame's inputs (store version, second of the
// source clock, window), so every pane that shows them (services, agents, agent detail, wallboard)
// and every redraw within a second share one computation.
type figuresCache struct {
	version uint64
	sec     int64
	window  model.FloorWindow
	ok      bool
	figs    model.FloorFigures
}

// figures are the floor's figures on the frame over the viewer's window.
func (f *frame) figures() model.FloorFigures {
	c := &f.view.figs
	sec, w := f.now.Unix(), f.view.floorWindow
	if !c.ok || c.version != f.snap.Version || c.sec != sec || c.window != w {
		c.figs = f.snap.Floor.Figures(f.now, w)
		c.version, c.sec, c.window, c.ok = f.snap.Version, sec, w, true
	}
	return c.figs
}
