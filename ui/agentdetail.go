package ui

import (
	"maps"
	"slices"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/deskwatch/deskwatch/export"
	"github.com/deskwatch/deskwatch/model"
)

// agentDetailView shows one agent in full: who they are, their state and what they are on, what
// is alerting, their open interactions, and their timeline (logins, state changes, logouts).
type agentDetailView struct {
	c             *Common
	id            string
	scroll        cursor
	width, height int
}

func newAgentDetail(c *Common) *agentDetailView { return &agentDetailView{c: c} }

// Show selects the agent by id and scrolls to the top.
func (d *agentDetailView) Show(id string) { d.id, d.scroll = id, cursor{} }

// ID is the agent shown.
func (d *agentDetailView) ID() string { return d.id }

// SetSize sets the area: a title line and height-1 lines of content.
func (d *agentDetailView) SetSize(width, height int) {
	d.width, d.height = max(width, 1), max(height, 1)
}

func (d *agentDetailView) page() int { return max(d.height-1, 1) }

// agent finds the agent in the snapshot.
func (d *agentDetailView) agent(snap *model.Snapshot) *model.Agent {
	for _, a := range snap.Agents {
		if a.ID == d.id {
			return a
		}
	}
	return nil
}

// Update scrolls.
func (d *agentDetailView) Update(f *frame, msg tea.Msg) (pane, tea.Cmd) {
	d.scroll.scroll(msg, d.c.Keys, len(d.lines(f)), d.page())
	return d, nil
}

// ShortHelp lists the agent detail's main keys.
func (d *agentDetailView) ShortHelp() []key.Binding {
	return []key.Binding{d.c.Keys.Open, d.c.Keys.Window, d.c.Keys.Back}
}

// FullHelp lists every key the agent detail takes.
func (d *agentDetailView) FullHelp() [][]key.Binding {
	k := d.c.Keys
	return [][]key.Binding{append(k.navigation(), k.Open, k.Window, k.Back), {k.NextAlert, k.PrevAlert}}
}

// View draws the agent in exactly height lines.
func (d *agentDetailView) View(f *frame) string {
	snap := f.snap
	st := d.c.Styles
	a := d.agent(snap)
	if a == nil {
		return fitBlock(st.Dim.Render("agent "+clean(d.id, 40)+" is not in the stream any more"), d.width, d.height)
	}
	lines := d.lines(f)
	d.scroll.clampScroll(len(lines), d.page())
	first := d.scroll.offset
	last := min(first+d.page(), len(lines))
	title := st.Title.Render(clean(a.ID, 40))
	if a.Username != "" {
		title += "  " + st.Text.Render(clean(a.Username, 40))
	}
	title += "  " + st.Dim.Render(scrollPos(first, last, len(lines))+" · "+keyName(d.c.Keys.Back)+" back to the agents")
	return fitBlock(strings.Join(append([]string{title}, lines[first:last]...), "\n"), d.width, d.height)
}

// lines is the scrollable content.
func (d *agentDetailView) lines(f *frame) []string {
	snap, now, wall := f.snap, f.now, f.wall
	a := d.agent(snap)
	if a == nil {
		return nil
	}
	st := d.c.Styles
	loc := now.Location()
	b := &detailLines{st: st, w: d.width, loc: loc}
	const lw = 18
	logged := "no"
	if a.LoggedIn {
		logged = "yes"
	}
	b.kv(0, lw, "logged in", logged, st.Text, 1)
	state := string(a.State)
	if a.State == model.AgentNotReady && a.Reason != "" {
		state += " (" + a.Reason + ")"
	}
	if !a.Since.IsZero() {
		state += " for " + model.FormatDuration(max(a.Clock(now).Sub(a.Since), 0))
	}
	if !a.LoggedIn && a.State != "" { // logged out, or its desktop gone: its last state is over
		state = string(model.StateLoggedOut) + " (last state " + state + ")"
	}
	b.kv(0, lw, "state", state, st.Text, 2)
	if desk := desktopText(a, wall); desk != "" {
		if a.DesktopReason != "" {
			desk += " (" + a.DesktopReason + ")"
		}
		b.kv(0, lw, "desktop", desk, st.Text, 2)
	}
	b.kv(0, lw, "session", orAbsent(a.SessionID), st.Text, 1)
	b.kv(0, lw, "active", orAbsent(a.ActiveInteraction), st.Text, 1)
	b.kv(0, lw, "handled", strconv.Itoa(a.Handled), st.Text, 1)
	screen := "not reported"
	if sr := a.Screen; sr != nil {
		screen = "allowed " + yesNo(sr.Allowed) + ", active " + yesNo(sr.Active) + ", muted " + yesNo(sr.Muted)
	}
	b.kv(0, lw, "screen recording", screen, st.Text, 1)
	b.kv(0, lw, "events lost", strconv.FormatInt(a.Lost, 10), st.Text, 1)
	for _, al := range f.view.ownAlerts(d.c.Alerts, a, snap.Alerts, now) {
		b.kv(0, lw, alertGlyph+" "+string(al.Kind), al.Text, st.Alert, 3)
	}
	b.add("")
	d.figures(b, f, lw)
	var open []*model.Row
	for _, r := range snap.Rows {
		if r.AgentID == a.ID && r.Open() {
			open = append(open, r)
		}
	}
	b.heading("Open interactions · " + strconv.Itoa(len(open)) + " · enter lists them")
	for _, r := range open {
		mark := "  "
		if d.c.Alerts.Alerting(r, now) {
			mark = st.Alert.Render(alertGlyph) + " "
		}
		b.add(mark + st.Type(r.Data.Type).Render(typeGlyph(r.Data.Type)) + " " +
			st.State(r.Data.State).Render(pad(clean(string(r.Data.State), 12), 12)) + " " +
			st.Text.Render(pad(model.FormatDuration(r.Duration(now)), 8)) + st.Dim.Render(pad(clean(r.Data.ID, 24), 24)) + "  " +
			st.Text.Render(clean(r.Data.Subject, max(d.width-52, 8))))
	}
	b.add("")
	b.lines = append(b.lines, buildTimeline(st, a.Timeline, d.width, loc)...)
	return b.lines
}

// figureLabels name the figures in full where the column's title is short or says what a line
// above says.
var figureLabels = map[string]string{"logged_in_s": "time logged in", "handled": "handled (window)",
	"aht_s": "handle time (AHT)", "occupancy_pct": "occupancy %", "muted_s": "muted",
	"unrecorded_voice_s": "unrecorded voice", "acw_s": "after-call work"}

// figures lists the agent's figures over the floor window, not ready split by reason.
func (d *agentDetailView) figures(b *detailLines, f *frame, lw int) {
	st := d.c.Styles
	b.heading("Figures · " + windowText(f) + " (w switches) · the agents whose desktops send events")
	figs := f.figures()
	fg, ok := figs.Agent(d.id)
	if !ok {
		b.add(st.Dim.Render("  none yet"))
		b.add("")
		return
	}
	for _, c := range export.AgentColumns {
		switch c.Name {
		case "agent", "state", "in_state_s":
			continue // the lines above say them
		case "not_ready_by":
			for _, r := range slices.Sorted(maps.Keys(fg.NotReadyBy)) {
				name := r
				if name == "" {
					name = "no reason"
				}
				b.kv(2, lw-2, name, model.FormatDuration(fg.NotReadyBy[r]), st.Text, 1)
			}
			continue
		}
		v := c.Text(fg)
		if v == "" {
			v = "—"
		}
		label := strings.ToLower(c.Title)
		if l, ok := figureLabels[c.Name]; ok {
			label = l
		}
		b.kv(0, lw, label, v, st.Text, 1)
	}
	b.add("")
}

func orAbsent(s string) string {
	if s == "" {
		return "absent"
	}
	return s
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
