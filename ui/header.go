package ui

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/deskwatch/deskwatch/model"
)

// headerHeight is the number of lines the header takes.
const headerHeight = 2

// headerView draws the two header lines: counts by state and type with the event rate, then each
// agent's state with its time in state.
type headerView struct {
	noKeys
	c     *Common
	width int
}

func newHeader(c *Common) *headerView { return &headerView{c: c} }

// SetSize sets the header's width; its height is headerHeight.
func (h *headerView) SetSize(width, _ int) { h.width = width }

// Update does nothing: the header takes no keys.
func (h *headerView) Update(*frame, tea.Msg) (pane, tea.Cmd) { return h, nil }

// View draws exactly headerHeight lines.
func (h *headerView) View(f *frame) string {
	return h.counts(f.snap, f.view, f.now) + "\n" + h.agents(f.snap, f.view, f.now)
}

func (h *headerView) counts(snap *model.Snapshot, v *viewState, now time.Time) string {
	st := h.c.Styles
	s := snap.Stats
	parts := []string{st.Title.Render("deskwatch"),
		st.Bold.Render(strconv.Itoa(s.Open)) + st.Dim.Render(" open")}
	if n := v.tally.Total(); n > 0 {
		parts = append(parts, st.Alert.Render(alertGlyph+" "+v.tally.String()))
	}
	var states []string
	for _, state := range model.States {
		if n := s.ByState[state]; n > 0 {
			states = append(states, st.State(state).Render(fmt.Sprintf("%s %d", state, n)))
		}
	}
	unknown := 0
	for state, n := range s.ByState {
		if !state.Known() {
			unknown += n
		}
	}
	if unknown > 0 {
		states = append(states, st.State(model.State("?")).Render(fmt.Sprintf("other %d", unknown)))
	}
	if len(states) > 0 {
		parts = append(parts, strings.Join(states, " "))
	}
	var types []string
	for _, t := range model.Types {
		if n := s.ByType[t]; n > 0 {
			types = append(types, st.Type(t).Render(fmt.Sprintf("%s %d", typeGlyph(t), n)))
		}
	}
	if len(types) > 0 {
		parts = append(parts, strings.Join(types, " "))
	}
	parts = append(parts, st.Dim.Render(fmt.Sprintf("%d ended  %.1f ev/s", s.Ended, s.EventsPerSec)))
	if s.Lost > 0 {
		parts = append(parts, st.Alert.Render(fmt.Sprintf("%d lost", s.Lost)))
	}
	sep := st.Dim.Render(" │ ")
	line := strings.Join(parts, sep)
	// The sparkline takes what room is left, up to sparkPoints steps, or stays out.
	const label = len("open ") + len(" ") + len("2m20s")
	if room := h.width - ansi.StringWidth(line) - 3 - label; room >= 6 {
		n := min(room, sparkPoints)
		if spark := sparkline(snap.Trend, n, now); spark != "" {
			line += sep + st.Dim.Render("open ") + st.Accent.Render(spark) + st.Dim.Render(" "+sparkSpanFor(n))
		}
	}
	return fit(line, h.width)
}

// agents lists every logged-in agent's state; when they do not fit, the line ends with "+N more".
func (h *headerView) agents(snap *model.Snapshot, v *viewState, now time.Time) string {
	st := h.c.Styles
	if len(snap.Agents) == 0 {
		return fit(st.Dim.Render("no agent state reported yet"), h.width)
	}
	var b strings.Builder
	used := 0
	for i, a := range snap.Agents {
		item := h.agent(a, h.alerting(a, snap, v, now), now)
		w := ansi.StringWidth(item) + 2
		rest := len(snap.Agents) - i
		more := ""
		if rest > 1 {
			more = fmt.Sprintf("+%d more", rest-1)
		}
		if used+w+len(more) > h.width && i > 0 {
			b.WriteString(st.Dim.Render(fmt.Sprintf("+%d more", rest)))
			break
		}
		b.WriteString(item + "  ")
		used += w
	}
	return fit(b.String(), h.width)
}

// alerting reports whether the agent or one of its interactions is alerting.
func (h *headerView) alerting(a *model.Agent, snap *model.Snapshot, v *viewState, now time.Time) bool {
	return v.byAgent[a.ID].rows > 0 || len(h.c.Alerts.CheckAgent(a, snap.Alerts, now)) > 0
}

func (h *headerView) agent(a *model.Agent, alerting bool, now time.Time) string {
	st := h.c.Styles
	name := clean(a.ID, 16)
	if a.ID == "" {
		name = "agent"
	}
	if !a.LoggedIn && a.State == "" {
		return st.Dim.Render(name + " logged out")
	}
	state := string(a.State)
	if state == "" {
		state = "logged in"
	}
	if a.State == model.AgentNotReady && a.Reason != "" {
		state += "(" + clean(a.Reason, 16) + ")"
	}
	style := st.Text
	switch a.State {
	case model.AgentReady:
		style = st.OK
	case model.AgentNotReady:
		style = st.Warn
	}
	if !a.LoggedIn {
		state = "logged out"
		style = st.Dim
	}
	in := ""
	if !a.Since.IsZero() {
		in = " " + fmtDuration(max(a.Clock(now).Sub(a.Since), 0))
	}
	alert := ""
	if alerting {
		alert = st.Alert.Render(" " + alertGlyph)
	}
	return st.Bold.Render(name) + " " + style.Render(state) + st.Dim.Render(in) + alert
}

// fit cuts a styled line to width cells and pads it, so the header never wraps.
func fit(s string, width int) string {
	if ansi.StringWidth(s) > width {
		s = ansi.Truncate(s, width, "…")
	}
	return pad(s, width)
}
