package ui

import (
	"strconv"
	"time"

	"github.com/deskwatch/deskwatch/model"
)

// The KPI alerts (model/kpi.go) come with the alert counts once a second. An agent's (not ready too
// long) is one of its own alerts: it marks the agent, counts once with its others, and n visits
// it. A service's marks the service's row in the services view (once however many it has), counts
// in the header, and n visits it there; the status line names them too, since on the other screens
// they are out of sight.

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

// kpiNote names the services' KPI alerts (and those of agents the snapshot does not list), the
// first and how many more: briefly for the status line,
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
		switch {
		case k.Agent != "": // an agent the snapshot does not list
			name = k.Agent
		case name == "":
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

// serviceAlerts are the KPI alerts of a service at the last count (nil when none).
func (v *viewState) serviceAlerts(service string) []model.RowAlert {
	var out []model.RowAlert
	for _, k := range v.kpi.services {
		if k.Service == service && k.Agent == "" {
			out = append(out, k.RowAlert())
		}
	}
	return out
}

// serviceStops are the alert positions of the services with KPI alerts, in the services view's
// order, from base on (the positions after the table's rows and the agents; see alertjump.go).
func (m *Model) serviceStops(f *frame, base int) []int {
	if len(m.view.kpi.services) == 0 {
		return nil
	}
	var stops []int
	rows, _ := m.services.rows(f)
	for i, r := range rows {
		if len(m.view.serviceAlerts(r.Service)) > 0 {
			stops = append(stops, base+i)
		}
	}
	return stops
}

// jumpToService selects the i-th service of the services view, and says why it alerts.
func (m *Model) jumpToService(f *frame, i int, of string) {
	rows, _ := m.services.rows(f)
	name := rows[i].Service
	m.screen = screenServices
	m.services.cur.pos = i
	m.services.cur.clampList(len(rows), m.services.page())
	who := clean(name, 16) + ": "
	m.setNote(of + who + m.why(m.view.serviceAlerts(name), len(of)+len(who)))
}
