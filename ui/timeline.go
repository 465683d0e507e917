package ui

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/deskwatch/deskwatch/model"
)

// timelineZooms are the spans the timeline can show, shortest first; the zoom keys step through
// them.
var timelineZooms = []time.Duration{5 * time.Minute, 15 * time.Minute, 30 * time.Minute, time.Hour,
	2 * time.Hour, 4 * time.Hour, 8 * time.Hour, 12 * time.Hour, 24 * time.Hour}

// timelineDefaultZoom is the index of the default span (60 minutes) in timelineZooms.
const timelineDefaultZoom = 3

// timelineView is the agent state timeline: one line per agent (the agents view's order), the last
// span of event time fitted to the width, each cell coloured by the agent's state then and
// underlined where they were handling an interaction; under it a time axis, a line that says what
// the selected agent and the floor were doing at the cursor's time, and the legend.
type timelineView struct {
	c             *Common
	cur           cursor
	width, height int
	// zoom indexes timelineZooms once a zoom key chose it (zoomed); until then the span fits the
	// data (fittedZoom).
	zoom   int
	zoomed bool
	// at is the cursor's time; zero follows now (the frame's event time).
	at time.Time
	// handled indexes the answered interactions by agent for the snapshot handledSnap (index); a
	// snapshot never changes, so it identifies the index's input alone.
	handled     map[string][]*model.Row
	handledSnap *model.Snapshot
	cells       cellStyles
}

func newTimeline(c *Common) *timelineView { return &timelineView{c: c, zoom: timelineDefaultZoom} }

// timelineFooter is the number of lines under the agents: the axis ticks, their labels, the
// cursor's two lines and the legend (one or two lines, as the width takes it).
func (t *timelineView) footer() int { return footerOver(t.cells.legend(t.c.Styles, t.width)) }

// footerOver is the footer's height over the legend's lines.
func footerOver(legend []string) int { return 4 + len(legend) }

// SetSize sets the area: a title line, the agents, and the footer.
func (t *timelineView) SetSize(width, height int) { t.width, t.height = max(width, 1), max(height, 1) }

// page is the number of agents a screen shows.
func (t *timelineView) page() int { return t.pageOver(t.footer()) }

// pageOver is page with a footer of that height.
func (t *timelineView) pageOver(footer int) int { return max(t.height-1-footer, 1) }

// span is the length of event time the width shows on the frame.
func (t *timelineView) span(f *frame) time.Duration { return timelineZooms[t.zoomAt(f)] }

// zoomAt is the zoom in force: the one chosen with the zoom keys, else the shortest span that holds
// everything the store has seen (a stream that began two minutes ago shows on 5 minutes, not as
// nearly empty lines across an hour), at most the default hour.
func (t *timelineView) zoomAt(f *frame) int {
	if t.zoomed {
		return t.zoom
	}
	var first time.Time
	for _, ag := range f.snap.Agents {
		if first.IsZero() || ag.FirstSeen.Before(first) {
			first = ag.FirstSeen
		}
	}
	seen := f.now.Sub(first)
	for i, d := range timelineZooms[:timelineDefaultZoom] {
		if seen <= d {
			return i
		}
	}
	return timelineDefaultZoom
}

// Update moves the cursor: up and down select an agent, left and right move in time (right of now
// follows now again), the zoom keys change the span.
func (t *timelineView) Update(f *frame, msg tea.Msg) (pane, tea.Cmd) {
	k := t.c.Keys
	if msg, ok := msg.(tea.KeyPressMsg); ok {
		switch {
		case key.Matches(msg, k.Left):
			t.move(f, -1)
			return t, nil
		case key.Matches(msg, k.Right):
			t.move(f, 1)
			return t, nil
		case key.Matches(msg, k.ZoomIn):
			t.zoom, t.zoomed = max(t.zoomAt(f)-1, 0), true
			return t, nil
		case key.Matches(msg, k.ZoomOut):
			t.zoom, t.zoomed = min(t.zoomAt(f)+1, len(timelineZooms)-1), true
			return t, nil
		}
	}
	t.cur.selectFor(msg, k, len(f.snap.Agents), t.page(), 1)
	return t, nil
}

// step is the time one cell covers at the frame's zoom and the width.
func (t *timelineView) step(f *frame) time.Duration {
	_, cells := timelineWidths(t.width)
	return max(t.span(f)/time.Duration(cells), time.Second)
}

// move moves the cursor n cells in time; reaching now it follows now again.
func (t *timelineView) move(f *frame, n int) {
	now := f.now
	at := t.cursorAt(now).Add(time.Duration(n) * t.step(f))
	if !at.Before(now) {
		t.at = time.Time{}
		return
	}
	t.at = at
}

// cursorAt is the cursor's time at now.
func (t *timelineView) cursorAt(now time.Time) time.Time {
	if t.at.IsZero() || t.at.After(now) {
		return now
	}
	return t.at
}

// window is the span of event time shown at now: it ends at now while the cursor is within the last
// span, else it starts at the cursor.
func (t *timelineView) window(now time.Time, span time.Duration) (from, to time.Time) {
	to = now
	if at := t.cursorAt(now); at.Before(now.Add(-span)) {
		to = at.Add(span)
	}
	return to.Add(-span), to
}

// ShortHelp lists the timeline's main keys.
func (t *timelineView) ShortHelp() []key.Binding {
	k := t.c.Keys
	return []key.Binding{k.Left, k.Right, k.ZoomIn, k.ZoomOut, k.Timeline}
}

// FullHelp lists every key the timeline takes.
func (t *timelineView) FullHelp() [][]key.Binding {
	k := t.c.Keys
	return [][]key.Binding{append(k.navigation(), k.Left, k.Right, k.ZoomIn, k.ZoomOut, k.Timeline, k.Back)}
}

// index returns the answered interactions of each agent, built once per snapshot: one pass over
// the rows.
func (t *timelineView) index(snap *model.Snapshot) map[string][]*model.Row {
	if t.handledSnap == snap {
		return t.handled
	}
	m := map[string][]*model.Row{}
	for _, r := range snap.Rows {
		if !r.AnsweredAt.IsZero() {
			m[r.AgentID] = append(m[r.AgentID], r)
		}
	}
	t.handled, t.handledSnap = m, snap
	return m
}

// stateAt is the agent's state span at time at (ok false before its first known span).
func stateAt(a *model.Agent, at time.Time) (model.StateSpan, bool) {
	i, _ := slices.BinarySearchFunc(a.States, at, func(s model.StateSpan, t time.Time) int {
		if s.At.After(t) {
			return 1
		}
		return -1
	})
	if i == 0 {
		return model.StateSpan{}, false
	}
	return a.States[i-1], true
}

// handledEnd is when a handled interaction stopped counting: its end, or now while it lasts.
func handledEnd(r *model.Row, now time.Time) time.Time {
	if end := r.End(); !end.IsZero() {
		return end
	}
	return now
}

// cursorLines say what the selected agent was doing at the cursor's time and the interactions they
// were handling then; then the floor's count of agents per state then.
func (t *timelineView) cursorLines(f *frame, handled map[string][]*model.Row, at time.Time) (agent, floor string) {
	var parts []string
	label := at.In(f.now.Location()).Format("15:04:05")
	if t.at.IsZero() || !t.at.Before(f.now) {
		label += " (now)"
	}
	parts = append(parts, label)
	if t.cur.pos >= 0 && t.cur.pos < len(f.snap.Agents) {
		a := f.snap.Agents[t.cur.pos]
		what := model.Sanitize(a.ID) + ": "
		if sp, ok := stateAt(a, at); ok {
			what += stateName(sp.State)
			if sp.Reason != "" && sp.State == model.AgentNotReady {
				what += " (" + model.Sanitize(sp.Reason) + ")"
			}
			what += " since " + sp.At.In(f.now.Location()).Format("15:04:05")
		} else {
			what += "no state known"
		}
		var open []string
		for _, r := range handled[a.ID] {
			if end := r.End(); !r.AnsweredAt.After(at) && (end.IsZero() || end.After(at)) {
				open = append(open, typeGlyph(r.Data.Type)+" "+model.Sanitize(r.Data.ID))
			}
		}
		if len(open) > 0 {
			what += ", on " + strings.Join(open, ", ")
		}
		parts = append(parts, what)
	}
	counts := map[model.AgentState]int{}
	for _, a := range f.snap.Agents {
		if sp, ok := stateAt(a, at); ok {
			counts[sp.State]++
		}
	}
	var floors []string
	for _, s := range timelineStates {
		if n := counts[s]; n > 0 {
			floors = append(floors, strconv.Itoa(n)+" "+stateName(s))
			delete(counts, s)
		}
	}
	other := 0
	for _, n := range counts {
		other += n
	}
	if other > 0 {
		floors = append(floors, strconv.Itoa(other)+" other")
	}
	if len(floors) == 0 {
		floors = append(floors, "no agent state known")
	}
	return strings.Join(parts, " · "), "floor then: " + strings.Join(floors, ", ")
}

// stateName is how the timeline names an agent state.
func stateName(s model.AgentState) string {
	switch s {
	case model.AgentNotReady:
		return "not ready"
	case model.AgentAfterCallWork:
		return "after-call work"
	case model.StateLoggedOut:
		return "logged out"
	case "":
		return "no state reported"
	}
	return string(s)
}

// View draws the title, one line per agent on screen, the axis, the cursor's line and the legend,
// in exactly height lines. It indexes the rows once per snapshot and draws only the agents shown:
// O(rows) once, then O(agents shown × width) a frame. The legend (and so the footer's height) and
// the span are taken once for the frame.
func (t *timelineView) View(f *frame) string {
	st := t.c.Styles
	snap := f.snap
	handled := t.index(snap)
	legend := t.cells.legend(st, t.width)
	footer := footerOver(legend)
	page := t.pageOver(footer)
	span := t.span(f)
	from, to := t.window(f.now, span)
	at := t.cursorAt(f.now)
	nameW, cellsW := timelineWidths(t.width)
	step := span / time.Duration(cellsW)
	cursor := min(int(at.Sub(from)/max(step, 1)), cellsW-1)
	t.cur.clampList(len(snap.Agents), page)
	loc := f.now.Location()
	first, last := t.cur.offset, min(t.cur.offset+page, len(snap.Agents))
	clock := "15:04"
	if from.In(loc).YearDay() != to.In(loc).YearDay() || span >= 24*time.Hour { // 09:59–09:59 says nothing
		clock = "Jan 2 15:04"
	}
	title := st.Title.Render("Agent state timeline") + st.Text.Render(" · last "+spanLabel(span)+
		" · "+from.In(loc).Format(clock)+"–"+to.In(loc).Format(clock))
	// Then what the width has room for, most important first, each whole or not at all (the
	// span's dates cut at 60 columns when the key hint came first).
	k := t.c.Keys
	more := []string{" · " + k.Left.Help().Key + " " + k.Right.Help().Key + " time",
		" · " + k.ZoomIn.Help().Key + " " + k.ZoomOut.Help().Key + " zoom"}
	if len(snap.Agents) > 0 {
		more = append([]string{" · agents " + scrollPos(first, last, len(snap.Agents))}, more...)
	}
	for _, s := range more {
		if width(title)+width(s) > t.width {
			break
		}
		title += st.Dim.Render(s)
	}
	lines := []string{fit(title, t.width)}
	if len(snap.Agents) == 0 {
		lines = append(lines, st.Dim.Render(fit("  no agents seen yet — agent events carry agentId", t.width)))
	}
	cells := make([]tlCell, cellsW)
	for i := first; i < last; i++ {
		a := snap.Agents[i]
		name := st.Text
		if i == t.cur.pos {
			name = st.Selected
		}
		agentCells(a, handled[a.ID], from, step, f.now, cells)
		lines = append(lines, name.Render(pad(clean(a.ID, nameW), nameW))+" "+t.cells.drawCells(st, cells, cursor))
	}
	for len(lines) < t.height-footer {
		lines = append(lines, "")
	}
	ticks, labels := axis(from, step, cellsW, cursor, loc)
	gap := strings.Repeat(" ", nameW+1)
	agent, floor := t.cursorLines(f, handled, at)
	lines = append(lines, st.Border.Render(gap+ticks), st.Dim.Render(gap+labels),
		st.Bold.Render(fit(agent, t.width)), st.Text.Render(fit(floor, t.width)))
	for _, l := range legend {
		lines = append(lines, fit(l, t.width))
	}
	return fitBlock(strings.Join(lines, "\n"), t.width, t.height)
}

// spanLabel names a span: "60m", "2h".
func spanLabel(d time.Duration) string {
	if d >= 2*time.Hour && d%time.Hour == 0 {
		return strconv.Itoa(int(d/time.Hour)) + "h"
	}
	return strconv.Itoa(int(d/time.Minute)) + "m"
}
