package model

import (
	"math"
	"slices"
	"strconv"
)

// The KPI alerts (issue 14): conditions over the floor's figures at one moment, checked where the
// other alerts are counted, once a second. Only the alert limits raise them; the warn limits
// colour figures (the wallboard's tiles, the services view) but do not alert, so a supervisor is
// not called for what is only drifting.
const (
	AlertServiceLevel AlertKind = "low service level"
	AlertLongestWait  AlertKind = "long wait"
	AlertNotReady     AlertKind = "long not ready"
)

// KPIAlert is one KPI over its alert limit: a service's (Service set, Agent "") or an agent's.
type KPIAlert struct {
	Kind    AlertKind
	Service string
	Agent   string
	// Text explains it, e.g. "Sales service level 64% < 70%", "longest wait 2:31 in Support",
	// "a.jones not ready 31:00 (Lunch)". Names come from events: sanitize before drawing.
	Text string
}

// RowAlert is the alert as the agents' views list it.
func (a KPIAlert) RowAlert() RowAlert { return RowAlert{Kind: a.Kind, Text: a.Text} }

// KPIAlerts returns the KPI alerts of figures f under limits l: per service (in f's order) its
// service level under ServiceLevelAlert, then its longest wait over LongestWaitAlert; then per
// agent its time not ready over NotReadyAlert. A zero limit is off; a service with no level yet
// (nothing ended in the window) does not alert on it.
func KPIAlerts(f FloorFigures, l KPILimits) []KPIAlert {
	var out []KPIAlert
	for _, s := range f.Services {
		if l.ServiceLevelLevel(s.ServiceLevel, s.HasServiceLevel) == LevelAlert {
			out = append(out, KPIAlert{Kind: AlertServiceLevel, Service: s.Service,
				Text: serviceName(s.Service) + " service level " + percent(math.Floor(s.ServiceLevel)) +
					" < " + percent(l.ServiceLevelAlert)})
		}
		if l.LongestWaitLevel(s.LongestWait) == LevelAlert {
			out = append(out, KPIAlert{Kind: AlertLongestWait, Service: s.Service,
				Text: "longest wait " + FormatDuration(s.LongestWait) + " in " + serviceName(s.Service) +
					" (over " + FormatDuration(l.LongestWaitAlert) + ")"})
		}
	}
	for _, a := range f.Agents {
		if a.State != AgentNotReady || l.NotReadyLevel(a.InState) != LevelAlert {
			continue
		}
		text := "not ready " + FormatDuration(a.InState)
		if a.Agent != "" {
			text = a.Agent + " " + text
		}
		if a.Reason != "" {
			text += " (" + a.Reason + ")"
		}
		out = append(out, KPIAlert{Kind: AlertNotReady, Agent: a.Agent, Text: text})
	}
	return out
}

// serviceName names a service in an alert's text; interactions without one are "no service".
func serviceName(s string) string {
	if s == "" {
		return "no service"
	}
	return s
}

// percent writes a percentage without a decimal point when it is whole ("64%", "72.5%"). A level
// is floored first, so that 69.6% under a limit of 70% never reads "70% < 70%".
func percent(p float64) string {
	return strconv.FormatFloat(p, 'f', -1, 64) + "%"
}

// tallyKPI marks the agents with a KPI alert in own (the agents with alerts of their own) and
// returns the other marks the KPI alerts make: one per service with any (the services view marks
// its row once), and one per alert of an agent the snapshot does not list, so that no alert goes
// uncounted.
func tallyKPI(kpi []KPIAlert, agents []*Agent, own map[string]bool) int {
	n := 0
	var services map[string]bool
	for _, k := range kpi {
		switch {
		case k.Kind != AlertNotReady:
			if !services[k.Service] {
				n++
				if services == nil {
					services = map[string]bool{}
				}
				services[k.Service] = true
			}
		case slices.ContainsFunc(agents, func(a *Agent) bool { return a.ID == k.Agent }):
			own[k.Agent] = true
		default:
			n++
		}
	}
	return n
}
