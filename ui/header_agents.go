package ui

import (
	"fmt"
	"strings"
	"time"

	"github.com/deskwatch/deskwatch/model"
)

// The room an agent's state ("after_call_work", "not_ready(Lunch)", a longer reason is cut) and
// its time in state take at most on the agents line.
const (
	agentStateRoom = 16
	agentTimeRoom  = 7
)

// agents lists the logged-in agents' states; when they do not fit, the line ends with "+N more"
// ("+N more, K !" when K of those left out alert).
// How many show depends only on the width and the agents' names: each is given the room its state
// and time in state may ever take, so the count does not change as states and times do.
func (h *headerView) agents(snap *model.Snapshot, v *viewState, now time.Time) string {
	st := h.c.Styles
	if len(snap.Agents) == 0 {
		return fit(st.Dim.Render("no agent state reported yet"), h.width)
	}
	// The agents show in this order, whole, as many as fit: the alerting ones first (alertingFirst).
	agents := v.alertingFirst(snap.Agents)
	var items []string
	used := 0
	for i, a := range agents {
		name := agentName(a)
		r := width(name) + 1 + agentStateRoom + 1 + agentTimeRoom + len(" "+alertGlyph) + 2
		more := 0
		if rest := len(agents) - i - 1; rest > 0 {
			// The room "+N more, K !" may ever take, so the count shown does not change with alerts.
			more = width(fmt.Sprintf("+%d more, %d %s", rest, rest, alertGlyph))
		}
		if i > 0 && used+r+more > h.width {
			items = append(items, st.Dim.Render(v.more(agents[i:])))
			break
		}
		items = append(items, h.agent(a, name, h.alerting(a, snap, v, now), now))
		used += r
	}
	return fit(strings.Join(items, "  "), h.width)
}

// alerting reports whether the agent or one of its interactions is alerting.
func (h *headerView) alerting(a *model.Agent, snap *model.Snapshot, v *viewState, now time.Time) bool {
	return v.byAgent[a.ID].Rows > 0 || len(v.ownAlerts(h.c.Alerts, a, snap.Alerts, now)) > 0
}

// agentName is how the agents line names an agent.
func agentName(a *model.Agent) string {
	if a.ID == "" {
		return "agent"
	}
	return clean(a.ID, 16)
}

func (h *headerView) agent(a *model.Agent, name string, alerting bool, now time.Time) string {
	st := h.c.Styles
	if !a.LoggedIn && a.State == "" {
		return st.Dim.Render(name + " logged out")
	}
	state := string(a.State)
	if state == "" {
		state = "logged in"
	}
	if a.State == model.AgentNotReady && a.Reason != "" {
		state += "(" + model.Sanitize(a.Reason) + ")"
	}
	style := st.Text
	switch a.State {
	case model.AgentReady:
		style = st.OK
	case model.AgentNotReady:
		style = st.Warn
	}
	since := a.Clock(now).Sub(a.Since) // in its state
	if !a.LoggedIn {
		state = "logged out"
		style = st.Dim
		since = now.Sub(a.LoggedOutSince()) // since it logged out (or its desktop went), not its last state's
	}
	in := ""
	if !a.Since.IsZero() && (a.LoggedIn || !a.LoggedOutSince().IsZero()) {
		in = " " + clean(model.FormatDuration(max(since, 0)), agentTimeRoom)
	}
	alert := ""
	if alerting {
		alert = st.Alert.Render(" " + alertGlyph)
	}
	return st.Bold.Render(name) + " " + style.Render(clean(state, agentStateRoom)) + st.Dim.Render(in) + alert
}
