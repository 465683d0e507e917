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
	// The alert counts of the second alertSecond: the header's tally and alerting rows per agent.
	// They are counted once a second (a hold passes its limit with time, not only with events); a
	// burst of store changes within a second does not count them again, and a new grouping counts
	// only its headings. Row marks are drawn at once.
	tally       model.AlertTally
	byAgent     map[string]agentAlerts
	agentOwn    map[string]bool // agents with alerts of their own (AlertRules.TallyAgents)
	alertSecond int64
	tallied     bool
	// ring is set when the open alerts grew and the bell should ring.
	ring bool
	// layouts counts groupings, so tests can prove a quiet frame does none (the LiveQuery's stats
	// say the same of queries).
	layouts int
}

// agentAlerts are what an agent's interactions have alerting: how many, and for which reasons.
type agentAlerts struct {
	rows  int
	kinds []model.AlertKind
}

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
	now := m.c.now()
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
	if lk != v.layoutKey || !v.laidOut {
		v.layoutKey, v.laidOut = lk, true
		lines, heads, ordered := m.group.layout(v.rows)
		v.heads, v.ordered = heads, ordered
		m.table.SetLines(lines)
		v.layouts++
		if !m.countAlerts(now) {
			// New headings start uncounted; counting a grouping's rows costs what grouping them did.
			countHeadAlerts(v.heads, m.c.Alerts, now)
		}
		return
	}
	m.countAlerts(now)
}

// countAlerts counts the open alerts at now, once a second (see viewState), and reports whether it
// did.
func (m *Model) countAlerts(now time.Time) bool {
	v := &m.view
	sec := now.Unix()
	if v.tallied && sec == v.alertSecond {
		return false
	}
	rules := m.c.Alerts
	countHeadAlerts(v.heads, rules, now)
	byAgent := map[string]agentAlerts{}
	t, own := rules.TallyAgents(m.snap, now)
	for _, r := range m.snap.Rows {
		if rules.Alerting(r, now) {
			t.Rows++
			a := byAgent[r.AgentID]
			a.rows++
			for _, why := range rules.Check(r, now) {
				if !slices.Contains(a.kinds, why.Kind) {
					a.kinds = append(a.kinds, why.Kind)
				}
			}
			byAgent[r.AgentID] = a
		}
	}
	if m.c.Bell && v.tallied && t.Total() > v.tally.Total() {
		v.ring = true
	}
	v.tally, v.byAgent, v.agentOwn, v.alertSecond, v.tallied = t, byAgent, own, sec, true
	return true
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
