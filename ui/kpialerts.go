package ui

import (
	"strconv"
	"time"

	"github.com/deskwatch/deskwatch/model"
)

// The KPI alerts (model/kpi.go) come with the alert counts once a second. An agent's (not ready too
// long) is one of its own alerts: it marks the agent, counts once with its others, and n visits
// it. A service's has no mark on screen (the services view colours its row but marks none), so the
// header does not count it; the status line names it, n says it when there is nothing to visit,
// and the bell rings when it opens (AlertTally.Open).

// kpiAlerts are the KPI alerts of the last count, split for the views.
type kpiAlerts struct {
	byAgent  map[string][]model.RowAlert
	services []model.KPIAlert
}

// takeKPI splits the counts' KPI alerts: an agent's goes with the agent, when the counts marked it
// (the snapshot lists it); the others are the services'.
func (v *viewState) takeKPI(c *model.AlertCounts) {
	v.kpi = kpiAlerts{}
	for _, k := range c.KPI {
		if k.Kind != model.AlertNotReady || !c.Own[k.Agent] {
			v.kpi.services = append(v.kpi.services, k)
			continue
		}
		if v.kpi.byAgent == nil {
			v.kpi.byAgent = map[string][]model.RowAlert{}
		}
		v.kpi.byAgent[k.Agent] = append(v.kpi.byAgent[k.Agent], k.RowAlert())
	}
}

// ownAlerts are the agent's own alerts: those of the rules at now (CheckAgent), then its KPI alerts
// of the last count.
func (v *viewState) ownAlerts(r model.AlertRules, a *model.Agent, log []model.Alert, now time.Time) []model.RowAlert {
	own := r.CheckAgent(a, log, now)
	return append(own, v.kpi.byAgent[a.ID]...)
}

// kpiNote names the services' KPI alerts, the first and how many more: briefly for the status line,
// where it stays while they last ("! Sales: long wait +1"), in full for n ("! longest wait 2:31 in
// Sales (over 2:00) +1"); "" when there are none.
func (v *viewState) kpiNote(full bool) string {
	if len(v.kpi.services) == 0 {
		return ""
	}
	k := v.kpi.services[0]
	s := k.Text
	if !full {
		name := k.Service
		if name == "" {
			name = "no service"
		}
		s = name + ": " + string(k.Kind)
	}
	s = alertGlyph + " " + model.Sanitize(s)
	if n := len(v.kpi.services); n > 1 {
		s += " +" + strconv.Itoa(n-1)
	}
	return s
}
