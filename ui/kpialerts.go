package ui

import (
	"strconv"
	"time"

	"github.com/deskwatch/deskwatch/model"
)

// The KPI alerts (model/kpi.go) come with the alert counts once a second. An agent's (not ready too
// long) is one of its own alerts: it marks the agent, counts once with its others, and n visits
// it. A service's has no row to mark until the services view; the status line names them and the
// header counts them.

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

// kpiNote names the services' KPI alerts for the status line: the first, and how many more
// ("⚠ Sales service level 64% < 70% (+1 more)"); "" when there are none.
func (v *viewState) kpiNote() string {
	switch n := len(v.kpi.services); {
	case n == 0:
		return ""
	case n > 1:
		return alertGlyph + " " + model.Sanitize(v.kpi.services[0].Text) + " (+" + strconv.Itoa(n-1) + " more)"
	}
	return alertGlyph + " " + model.Sanitize(v.kpi.services[0].Text)
}
