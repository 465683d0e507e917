package ui

import (
	"slices"
	"strconv"
	"strings"

	"github.com/deskwatch/deskwatch/model"
)

// The alerts n and N visit: the alerting interactions in the table's display order, then the agents
// with alerts of their own in the agents view's order, then the services with KPI alerts in the
// services view's order, so every alert the header counts is one key away (but those of agents and
// services the views' filters leave out). Positions count rows first, then the agents the view
// lists, then services: position p < len(rows) is a row, else the agent p-len(rows) while that is
// below len(agents), else the service p-len(rows)-len(agents).

// alertStops returns the positions of the open alerts on frame f, ascending; agents are the agents
// view's on f.
func (m *Model) alertStops(f *frame, agents []*model.Agent) []int {
	rows := m.view.ordered
	var stops []int
	for i, r := range rows {
		if m.c.Alerts.Alerting(r, f.now) {
			stops = append(stops, i)
		}
	}
	for i, a := range agents {
		if m.view.agentOwn[a.ID] { // as the header counted them
			stops = append(stops, len(rows)+i)
		}
	}
	return append(stops, m.serviceStops(f, len(rows)+len(agents))...)
}

// alertPosition is where the cursor is among the positions: the selected row on the table, the
// selected agent in the agents view (of agents, the view's) or its detail; -1 when nothing is
// selected.
func (m *Model) alertPosition(agents []*model.Agent) int {
	rows := m.view.ordered
	switch m.screen {
	case screenServices:
		return len(rows) + len(agents) + m.services.cur.pos
	case screenAgents:
		if m.agents.cur.pos >= 0 && m.agents.cur.pos < len(agents) {
			return len(rows) + m.agents.cur.pos
		}
	case screenAgentDetail:
		id := m.agentDetail.ID()
		if i := slices.IndexFunc(agents, func(a *model.Agent) bool { return a.ID == id }); i >= 0 {
			return len(rows) + i
		}
	default:
		if r := m.table.Selected(); r != nil {
			return slices.Index(rows, r)
		}
	}
	return -1
}

// jumpToAlert goes to the next (or previous) open alert, wrapping around: an alerting row is
// selected in the table (its group unfolded), an agent with its own alerts in the agents view. The
// note says which of how many it is and why, briefly (the row's detail and the agent's give the
// whole text).
func (m *Model) jumpToAlert(next bool) {
	f := m.newFrame()
	agents := m.agents.shown(f)
	stops := m.alertStops(f, agents)
	if len(stops) == 0 {
		if kpi := m.view.kpiNote(true); kpi != "" {
			m.setNote(kpi) // a service the services view's filter leaves out
			return
		}
		m.setNote("no open alerts in this view")
		return
	}
	pos := m.alertPosition(agents)
	k := 0 // the stop to go to
	if next {
		k, _ = slices.BinarySearch(stops, pos+1)
		k %= len(stops)
	} else if pos >= 0 {
		i, _ := slices.BinarySearch(stops, pos)
		k = (i - 1 + len(stops)) % len(stops)
	} else {
		k = len(stops) - 1
	}
	of := alertGlyph + " " + strconv.Itoa(k+1) + "/" + strconv.Itoa(len(stops)) + " "
	rows := m.view.ordered
	if p := stops[k]; p < len(rows) {
		m.selectAlertRow(rows[p])
		m.setNote(of + m.why(m.c.Alerts.Check(rows[p], f.now), len(of)))
		return
	}
	i := stops[k] - len(rows)
	if i >= len(agents) {
		m.jumpToService(f, i-len(agents), of)
		return
	}
	a := agents[i]
	m.screen = screenAgents
	m.agents.cur.pos = i
	m.agents.cur.clampList(len(agents), m.agents.page())
	who := clean(a.ID, 16) + ": "
	m.setNote(of + who + m.why(m.view.ownAlerts(m.c.Alerts, a, m.snap.Alerts, f.now), len(of)+len(who)))
}

// why explains alerts in the room a note has on the status line (half its width) after used
// cells: their texts ("on hold 8:30 (over 1:00)") when they fit, else their kinds ("long hold,
// muted"), else the first kind and how many more ("long hold +1"), so the hint is not cut.
func (m *Model) why(alerts []model.RowAlert, used int) string {
	if len(alerts) == 0 {
		return ""
	}
	texts, kinds := make([]string, len(alerts)), make([]string, len(alerts))
	for i, a := range alerts {
		texts[i], kinds[i] = model.Sanitize(a.Text), string(a.Kind)
	}
	room := m.c.Width/2 - used
	for _, s := range []string{strings.Join(texts, ", "), strings.Join(kinds, ", ")} {
		if width(s) <= room {
			return s
		}
	}
	if len(kinds) == 1 {
		return kinds[0]
	}
	return kinds[0] + " +" + strconv.Itoa(len(kinds)-1)
}

// selectAlertRow shows the table with r selected, unfolding its group.
func (m *Model) selectAlertRow(r *model.Row) {
	m.screen = screenTable
	if m.group.by != model.GroupNone && !m.table.Select(r.Key) {
		for _, h := range m.view.heads {
			if h.folded && slices.Contains(h.rows, r) {
				m.group.toggle(h.key)
			}
		}
		m.refresh()
	}
	m.table.Select(r.Key)
}
