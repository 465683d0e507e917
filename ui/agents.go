package ui

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/deskwatch/deskwatch/export"
	"github.com/deskwatch/deskwatch/model"
)

// agentLoad is what the agents view counts per agent from the interactions: open ones by type.
type agentLoad struct {
	open map[model.Type]int
}

// agentsView is the second view: one row per agent seen in the stream, with state, time in state,
// the active interaction, open interactions by type, handled count, screen recording and alerts.
type agentsView struct {
	c             *Common
	cur           cursor
	width, height int
	// load caches the per-agent counts for one store version.
	load        map[string]agentLoad
	loadVersion uint64
	// filter keeps the agents whose id or name holds it (any case); "" keeps all (/). sort names the
	// figure the view is sorted by (an export.AgentColumns name; "" for the order of first sight),
	// desc its direction (s, <, S).
	filter string
	sort   string
	desc   bool
	// listed caches shown's answer, which the view, each key and n/N ask for.
	listed agentsListed
}

// agentsListed is the agents a view listed, and what they were listed from.
type agentsListed struct {
	ok           bool
	version      uint64
	sec          int64
	window       model.FloorWindow
	filter, sort string
	desc         bool
	agents       []*model.Agent
}

// agentSorts are the agents view's sort keys, in the order s goes through them: the order of first
// sight ("") and then the figures it shows.
var agentSorts = []string{"", "agent", "state", "in_state_s", "handled", "aht_s", "occupancy_pct", "ready_s",
	"not_ready_s", "busy_s", "acw_s"}

func newAgents(c *Common) *agentsView { return &agentsView{c: c} }

// SetSize sets the area: the window line, a title line and height-2 agents.
func (a *agentsView) SetSize(width, height int) { a.width, a.height = width, max(height, 1) }

// page is the number of agents a screen shows (the lines under the titles).
func (a *agentsView) page() int { return max(a.height-2, 1) }

// shown is the agents the view lists on the frame: those the filter keeps, in the order of first
// sight or sorted by a figure over the frame's window (ties, and agents without figures last, in
// the order of first sight).
func (a *agentsView) shown(f *frame) []*model.Agent {
	if a.filter == "" && a.sort == "" {
		return f.snap.Agents
	}
	key := agentsListed{ok: true, version: f.snap.Version, sec: f.now.Unix(), window: f.view.floorWindow,
		filter: a.filter, sort: a.sort, desc: a.desc}
	if l := a.listed; l.ok && l.version == key.version && l.sec == key.sec && l.window == key.window &&
		l.filter == key.filter && l.sort == key.sort && l.desc == key.desc {
		return l.agents
	}
	key.agents = a.list(f)
	a.listed = key
	return key.agents
}

// list is shown's work: the agents the filter keeps, sorted.
func (a *agentsView) list(f *frame) []*model.Agent {
	out := f.snap.Agents
	if a.filter != "" {
		keep := export.NameFilter(a.filter)
		out = nil
		for _, ag := range f.snap.Agents {
			if keep(ag.ID) || keep(ag.Username) {
				out = append(out, ag)
			}
		}
	}
	col, ok := export.FigureColumnFor(export.AgentColumns, a.sort)
	if !ok {
		return out
	}
	figs := f.figures()
	out = slices.Clone(out)
	slices.SortStableFunc(out, func(x, y *model.Agent) int {
		fx, okx := figs.Agent(x.ID)
		fy, oky := figs.Agent(y.ID)
		switch {
		case okx != oky && okx:
			return -1
		case okx != oky:
			return 1
		case a.desc:
			return col.Compare(fy, fx)
		}
		return col.Compare(fx, fy)
	})
	return out
}

// nextSort sorts by the next figure (the previous one when forward is false), or in the order of
// first sight after the last.
func (a *agentsView) nextSort(forward bool) {
	i := slices.Index(agentSorts, a.sort)
	if forward {
		i = (i + 1) % len(agentSorts)
	} else {
		i = (i - 1 + len(agentSorts)) % len(agentSorts)
	}
	a.sort = agentSorts[i]
}

// sortColumn is the index in agentColumns of the column the view is sorted by, -1 for none.
func (a *agentsView) sortColumn() int {
	switch a.sort {
	case "":
		return -1
	case "agent":
		return 1
	case "state":
		return stateColumn
	case "in_state_s":
		return stateColumn + 1
	}
	if i := slices.Index(agentFigureNames, a.sort); i >= 0 {
		return figureColumn + i
	}
	return -1
}

// sortText says how the view is sorted, for the note and the window line.
func (a *agentsView) sortText() string {
	col, ok := export.FigureColumnFor(export.AgentColumns, a.sort)
	if !ok {
		return "in the order first seen"
	}
	return "sorted by " + col.Title + ", " + direction(a.desc)
}

// Selected returns the agent under the cursor on the frame, or nil.
func (a *agentsView) Selected(f *frame) *model.Agent {
	agents := a.shown(f)
	if a.cur.pos < 0 || a.cur.pos >= len(agents) {
		return nil
	}
	return agents[a.cur.pos]
}

// Update moves the cursor over the frame's agents; the window line and the titles are above them.
func (a *agentsView) Update(f *frame, msg tea.Msg) (pane, tea.Cmd) {
	a.cur.selectFor(msg, a.c.Keys, len(a.shown(f)), a.page(), 2)
	return a, nil
}

// ShortHelp lists the agents view's main keys.
func (a *agentsView) ShortHelp() []key.Binding {
	return []key.Binding{a.c.Keys.Open, a.c.Keys.Describe, a.c.Keys.Window, a.c.Keys.Agents}
}

// FullHelp lists every key the agents view takes.
func (a *agentsView) FullHelp() [][]key.Binding {
	k := a.c.Keys
	return [][]key.Binding{append(k.navigation(), k.Open, k.Describe, k.Window, k.Agents),
		{k.Filter, k.Sort, k.SortPrev, k.SortDir, k.NextAlert, k.PrevAlert, k.ExportCSV, k.ExportJSON}}
}

// loads counts open interactions per agent, once per store version.
func (a *agentsView) loads(snap *model.Snapshot) map[string]agentLoad {
	if a.load != nil && a.loadVersion == snap.Version {
		return a.load
	}
	m := make(map[string]agentLoad, len(snap.Agents))
	for _, r := range snap.Rows {
		if !r.Open() {
			continue
		}
		l := m[r.AgentID]
		if l.open == nil {
			l.open = map[model.Type]int{}
		}
		l.open[r.Data.Type]++
		m[r.AgentID] = l
	}
	a.load, a.loadVersion = m, snap.Version
	return m
}

// agentColumns are the agents table's columns, in order, with how they lay out (see fitColumns).
var agentColumns = []struct {
	title string
	colLayout
}{
	{" ", colLayout{width: 1}},
	{"AGENT", colLayout{width: 12, grow: 16}},
	{"NAME", colLayout{width: 12, priority: 4, grow: 20}},
	{"LOGIN", colLayout{width: 5, priority: 6}},
	{"STATE", colLayout{width: 17, grow: 40}}, // a not-ready reason can be long
	{"IN STATE", colLayout{width: 8}},
	{"DESKTOP", colLayout{width: 9, priority: 3, grow: 21}},
	{"ACTIVE", colLayout{width: 10, priority: 3, grow: 14}},
	{"OPEN", colLayout{width: 9, priority: 2}},
	// The figures over the floor window (export.AgentColumns names them): handled, handle time
	// and occupancy stay at 80 columns; the time in each state shows when wide.
	{"", colLayout{width: 7, priority: 1}}, // handled
	{"", colLayout{width: 6, priority: 1}}, // aht_s
	{"", colLayout{width: 4, priority: 1}}, // occupancy_pct
	{"", colLayout{width: 6, priority: 6}}, // ready_s
	{"", colLayout{width: 9, priority: 6}}, // not_ready_s
	{"", colLayout{width: 6, priority: 6}}, // busy_s
	{"", colLayout{width: 6, priority: 6}}, // acw_s
	{"", colLayout{width: 5, priority: 7}}, // muted_s
	{"", colLayout{width: 5, priority: 7}}, // unrecorded_voice_s
	{"SCREEN", colLayout{width: 6, priority: 5}},
	{"LOST", colLayout{width: 4, priority: 2}},
	{"ALERTS", colLayout{width: 28, flex: true, keep: 5}},
}

// stateColumn is the index of STATE in agentColumns (IN STATE follows); desktopColumn of DESKTOP;
// figureColumn the first of the figures, which are agentFigureNames in order.
const (
	stateColumn   = 4
	desktopColumn = 6
	figureColumn  = 9
)

// agentFigureNames are the figures the agents view shows, by their catalogue name.
var agentFigureNames = []string{"handled", "aht_s", "occupancy_pct", "ready_s", "not_ready_s", "busy_s",
	"acw_s", "muted_s", "unrecorded_voice_s"}

// agentFigureColumns are agentFigureNames' columns in the catalogue.
var agentFigureColumns = func() []export.FigureColumn[model.AgentFigures] {
	out := make([]export.FigureColumn[model.AgentFigures], len(agentFigureNames))
	for i, n := range agentFigureNames {
		out[i], _ = export.FigureColumnFor(export.AgentColumns, n)
	}
	return out
}()

// View draws the agents table in exactly height lines.
func (a *agentsView) View(f *frame) string {
	snap, v, now := f.snap, f.view, f.now
	st := a.c.Styles
	loads := a.loads(snap)
	specs := make([]colLayout, len(agentColumns))
	titles := make([]string, len(agentColumns))
	for i, c := range agentColumns {
		specs[i], titles[i] = c.colLayout, c.title
	}
	for i, c := range agentFigureColumns {
		titles[figureColumn+i] = c.Title
	}
	if i := a.sortColumn(); i >= 0 { // the sorted column's title is marked, with a cell for the mark
		titles[i] += sortArrow(a.desc)
		specs[i].width = max(specs[i].width, width(titles[i]))
	}
	figs := f.figures()
	desktops := slices.ContainsFunc(snap.Agents, func(ag *model.Agent) bool { return ag.Desktop != "" })
	if desktops && slices.ContainsFunc(snap.Agents, func(ag *model.Agent) bool { return ag.Desktop == model.DesktopDisconnected }) {
		specs[desktopColumn].width = len("disconnected 00:00:00") // room for the time it went
	}
	if slices.ContainsFunc(snap.Agents, func(ag *model.Agent) bool {
		return ag.Desktop == model.DesktopDisconnected || ag.Desktop == model.DesktopGone
	}) {
		specs[desktopColumn].priority = 1 // a desktop away outranks the load columns (OPEN hides first)
	}
	if !desktops { // a stream that says nothing of desktops (one desktop's own) shows no column for it
		specs, titles = slices.Delete(specs, desktopColumn, desktopColumn+1), slices.Delete(titles, desktopColumn, desktopColumn+1)
	}
	agents := a.shown(f)
	type shownRow struct {
		ag       *model.Agent
		cells    []string
		alerting bool
	}
	var page []shownRow
	for i := a.cur.offset; i < len(agents) && i < a.cur.offset+a.page(); i++ {
		ag := agents[i]
		alerts := a.alerts(ag, snap, v, now)
		cells := a.cells(ag, loads[ag.ID], alerts, now, f.wall)
		if fg, ok := figs.Agent(ag.ID); ok {
			for i, c := range agentFigureColumns {
				cells[figureColumn+i] = c.Text(fg)
			}
			if !ag.LoggedIn && fg.State == model.StateLoggedOut {
				cells[stateColumn+1] = model.FormatDuration(fg.InState)
			}
		}
		if !desktops {
			cells = slices.Delete(cells, desktopColumn, desktopColumn+1)
		}
		page = append(page, shownRow{ag, cells, alerts != ""})
	}
	// The columns that widen (the state: a not-ready reason can be long) widen only as far as
	// their values on screen need, the state up to 40 cells; the alerts, last, take what theirs
	// need: room is not kept for values no agent shown has.
	need := func(col int) int {
		n := 0
		for _, r := range page {
			n = max(n, width(clean(r.cells[col], 80)))
		}
		return n
	}
	if len(page) > 0 {
		for i := range specs[:len(specs)-1] {
			if s := &specs[i]; s.grow > s.width {
				s.grow, s.fitted = max(s.width, min(need(i), s.grow)), true
			}
		}
		last := len(specs) - 1
		specs[last].need = max(need(last), width(titles[last]), flexMin)
	}
	idx, widths := fitColumns(specs, a.width)
	sorted := ""
	if a.sort != "" {
		sorted = a.sortText()
	}
	lines := []string{windowLine(st.Dim, f, a.width, sorted, a.filter),
		st.ColumnHeader.Render(fit(joinCells(titles, idx, widths), a.width))}
	switch {
	case len(snap.Agents) == 0:
		lines = append(lines, st.Dim.Render(fit("  no agents seen yet — agent events carry agentId", a.width)))
	case len(agents) == 0:
		lines = append(lines, st.Dim.Render(fit("  no agent matches "+strconv.Quote(model.Sanitize(a.filter))+
			" — "+keyName(a.c.Keys.Filter)+" to change the filter", a.width)))
	}
	for i, r := range page {
		text := fit(joinCells(r.cells, idx, widths), a.width)
		lines = append(lines, a.style(r.ag, r.alerting, a.cur.offset+i == a.cur.pos).Render(text))
	}
	return fitBlock(strings.Join(lines, "\n"), a.width, a.height)
}

// joinCells lays the shown cells out at their widths; each cell is sanitized and cut.
func joinCells(cells []string, idx, widths []int) string {
	var b strings.Builder
	for k, i := range idx {
		if k > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(pad(clean(cells[i], widths[k]), widths[k]))
	}
	return b.String()
}

// alerts describes what is alerting for the agent: how many of its interactions alert and why,
// then its own alerts (audio quality on an unknown call, server errors, lost events, not ready too
// long); "" when nothing is, e.g. "long hold, not recording (2 interactions), server error". What
// alerts comes first, so that a narrow column cut short still says it.
func (a *agentsView) alerts(ag *model.Agent, snap *model.Snapshot, v *viewState, now time.Time) string {
	var parts []string
	rows := v.byAgent[ag.ID]
	if rows.Rows > 0 {
		kinds := make([]string, len(rows.Kinds))
		for i, k := range rows.Kinds {
			kinds[i] = string(k)
		}
		what := strings.Join(kinds, ", ")
		if rows.Rows > 1 {
			what += " (" + strconv.Itoa(rows.Rows) + " interactions)"
		}
		parts = append(parts, what)
	}
	for _, al := range v.ownAlerts(a.c.Alerts, ag, snap.Alerts, now) {
		parts = append(parts, string(al.Kind))
	}
	return strings.Join(parts, ", ")
}

// cells are the agent's values in agentColumns order.
func (a *agentsView) cells(ag *model.Agent, l agentLoad, alerts string, now, wall time.Time) []string {
	in := "out"
	if ag.LoggedIn {
		in = "in"
	}
	state := string(ag.State)
	if ag.Reason != "" && ag.State == model.AgentNotReady {
		state += " (" + ag.Reason + ")"
	}
	since := ""
	if !ag.Since.IsZero() {
		since = model.FormatDuration(max(ag.Clock(now).Sub(ag.Since), 0))
	}
	if !ag.LoggedIn && ag.State != "" { // logged out, or its desktop gone: its last state is over
		state, since = string(model.StateLoggedOut), "" // since: the figures' (View)
	}
	var open []string
	for _, t := range model.Types {
		if n := l.open[t]; n > 0 {
			open = append(open, typeGlyph(t)+strconv.Itoa(n))
		}
	}
	screen := ""
	if ag.Screen != nil {
		switch {
		case ag.Screen.Active:
			screen = "rec"
		case ag.Screen.Allowed:
			screen = "off"
		}
	}
	lost := ""
	if ag.Lost > 0 {
		lost = strconv.FormatInt(ag.Lost, 10)
	}
	mark := ""
	if alerts != "" {
		mark = alertGlyph
	}
	active := ag.ActiveInteraction
	if len(active) > 10 {
		active = cleanLeft(active, 10)
	}
	desktop := strings.Replace(desktopText(ag, wall), " since ", " ", 1)
	cells := []string{mark, ag.ID, ag.Username, in, state, since, desktop, active, strings.Join(open, " ")}
	cells = append(cells, make([]string, len(agentFigureColumns))...) // the figures, filled by View
	return append(cells, screen, lost, alerts)
}

func (a *agentsView) style(ag *model.Agent, alerting, selected bool) lipgloss.Style {
	st := a.c.Styles
	switch {
	case selected:
		return st.Selected
	case alerting:
		return st.Alert
	case ag.Desktop == model.DesktopDisconnected || ag.Desktop == model.DesktopGone:
		return st.Stale
	case !ag.LoggedIn:
		return st.Dim
	}
	return st.Text
}

// agentAlerting reports whether the agent alerted at the last count: its own alerts or its
// interactions'.
func (v *viewState) agentAlerting(a *model.Agent) bool {
	return v.agentOwn[a.ID] || v.byAgent[a.ID].Rows > 0
}

// alertingFirst returns the agents that alert (their own alerts, or their interactions'), then the
// others, each part in first-seen order, so a line that ends in "+N more" hides no alerting agent
// while there is room for them all. It is agents itself when none alerts.
func (v *viewState) alertingFirst(agents []*model.Agent) []*model.Agent {
	alerting := v.agentAlerting
	if !slices.ContainsFunc(agents, alerting) {
		return agents
	}
	out := make([]*model.Agent, 0, len(agents))
	for _, a := range agents {
		if alerting(a) {
			out = append(out, a)
		}
	}
	for _, a := range agents {
		if !alerting(a) {
			out = append(out, a)
		}
	}
	return out
}

// more sums up the agents a line has no room for: "+3 more", and "+3 more, 1 !" when some of them
// alert, so the line still accounts for every alerting agent.
func (v *viewState) more(hidden []*model.Agent) string {
	n := 0
	for _, a := range hidden {
		if v.agentAlerting(a) {
			n++
		}
	}
	if n > 0 {
		return "+" + strconv.Itoa(len(hidden)) + " more, " + strconv.Itoa(n) + " " + alertGlyph
	}
	return "+" + strconv.Itoa(len(hidden)) + " more"
}
