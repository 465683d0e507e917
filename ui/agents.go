package ui

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/deskwatch/deskwatch/model"
)

// agentLoad is what the agents view counts per agent from the interactions: open ones by type.
type agentLoad struct {
	open   map[model.Type]int
	alerts int
}

// agentsView is the second view: one row per agent seen in the stream, with state, time in state,
// the active interaction, open interactions by type, handled count, screen recording and alerts.
type agentsView struct {
	c             *Common
	cursor        int
	offset        int
	width, height int
	// load caches the per-agent counts for one store version.
	load        map[string]agentLoad
	loadVersion uint64
}

func newAgents(c *Common) *agentsView { return &agentsView{c: c} }

// SetSize sets the area: a title line and height-1 agents.
func (a *agentsView) SetSize(width, height int) { a.width, a.height = width, max(height, 1) }

// Selected returns the agent under the cursor in snap, or nil.
func (a *agentsView) Selected(snap *model.Snapshot) *model.Agent {
	if a.cursor < 0 || a.cursor >= len(snap.Agents) {
		return nil
	}
	return snap.Agents[a.cursor]
}

// Update moves the cursor.
func (a *agentsView) Update(msg tea.Msg, n int) tea.Cmd {
	k := a.c.Keys
	page := max(a.height-1, 1)
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, k.Up):
			a.cursor--
		case key.Matches(msg, k.Down):
			a.cursor++
		case key.Matches(msg, k.PageUp):
			a.cursor -= page
		case key.Matches(msg, k.PageDown):
			a.cursor += page
		case key.Matches(msg, k.Top):
			a.cursor = 0
		case key.Matches(msg, k.Bottom):
			a.cursor = n - 1
		}
	case tea.MouseWheelMsg:
		if msg.Button == tea.MouseWheelUp {
			a.cursor -= 3
		} else if msg.Button == tea.MouseWheelDown {
			a.cursor += 3
		}
	case tea.MouseClickMsg:
		if msg.Y >= 1 {
			a.cursor = a.offset + msg.Y - 1
		}
	}
	a.cursor = min(max(a.cursor, 0), max(n-1, 0))
	if a.cursor < a.offset {
		a.offset = a.cursor
	}
	if a.cursor >= a.offset+page {
		a.offset = a.cursor - page + 1
	}
	return nil
}

// loads counts open interactions per agent, once per store version.
func (a *agentsView) loads(snap *model.Snapshot) map[string]agentLoad {
	if a.load != nil && a.loadVersion == snap.Version {
		return a.load
	}
	m := make(map[string]agentLoad, len(snap.Agents))
	for _, r := range snap.Rows {
		if r.Ended {
			continue
		}
		l := m[r.AgentID]
		if l.open == nil {
			l.open = map[model.Type]int{}
		}
		l.open[r.Data.Type]++
		if r.AudioAlert != "" {
			l.alerts++
		}
		m[r.AgentID] = l
	}
	a.load, a.loadVersion = m, snap.Version
	return m
}

// View draws the agents table in exactly height lines.
func (a *agentsView) View(snap *model.Snapshot, now time.Time) string {
	st := a.c.Styles
	loads := a.loads(snap)
	lines := []string{st.ColumnHeader.Render(fit(fmt.Sprintf("%-16s %-18s %-4s %-24s %-8s %-12s %-9s %-7s %-6s %s",
		"AGENT", "NAME", "IN", "STATE", "IN STATE", "ACTIVE", "OPEN", "HANDLED", "SCREEN", "ALERTS"), a.width))}
	if len(snap.Agents) == 0 {
		lines = append(lines, st.Dim.Render(fit("  no agents seen yet — agent events carry agentId", a.width)))
	}
	page := max(a.height-1, 1)
	for i := a.offset; i < len(snap.Agents) && i < a.offset+page; i++ {
		lines = append(lines, a.line(snap.Agents[i], loads[snap.Agents[i].ID], i == a.cursor, now))
	}
	return fitBlock(strings.Join(lines, "\n"), a.width, a.height)
}

func (a *agentsView) line(ag *model.Agent, l agentLoad, selected bool, now time.Time) string {
	st := a.c.Styles
	in := "out"
	if ag.LoggedIn {
		in = "yes"
	}
	state := string(ag.State)
	if ag.Reason != "" && ag.State == model.AgentNotReady {
		state += " (" + ag.Reason + ")"
	}
	since := ""
	if !ag.Since.IsZero() {
		since = fmtDuration(max(now.Sub(ag.Since), 0))
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
	var alerts []string
	if ag.Lost > 0 {
		alerts = append(alerts, fmt.Sprintf("%d lost", ag.Lost))
	}
	if ag.AudioAlert != "" || l.alerts > 0 {
		alerts = append(alerts, "audio")
	}
	cells := []string{
		pad(clean(ag.ID, 16), 16), pad(clean(ag.Username, 18), 18), pad(in, 4),
		pad(clean(state, 24), 24), pad(since, 8), pad(clean(shortID(ag.ActiveInteraction), 12), 12),
		pad(strings.Join(open, " "), 9), pad(strconv.Itoa(ag.Handled), 7), pad(screen, 6),
		strings.Join(alerts, ", "),
	}
	text := fit(strings.Join(cells, " "), a.width)
	switch {
	case selected:
		return st.Selected.Render(text)
	case len(alerts) > 0:
		return st.Alert.Render(text)
	case !ag.LoggedIn:
		return st.Dim.Render(text)
	}
	return st.Text.Render(text)
}

// agentFilter is the filter that selects one agent's interactions.
func agentFilter(id string) string {
	if strings.ContainsAny(id, " \t\"") {
		return `agent:"` + strings.ReplaceAll(id, `"`, ``) + `"`
	}
	return "agent:" + id
}
