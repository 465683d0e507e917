package config

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/deskwatch/deskwatch/internal/yamldoc"
	"github.com/deskwatch/deskwatch/model"
)

// The kpi section: the floor statistics' rolling window, the service-level threshold T (and per
// service), and the warn and alert limits of the service level, the longest wait and the time an
// agent is not ready. Warn limits colour figures; alert limits raise alerts.
var (
	kpiFields     = []string{"window", "service_level", "longest_wait", "not_ready", "services"}
	levelFields   = []string{"target", "warn", "alert"}
	limitFields   = []string{"warn", "alert"}
	serviceFields = []string{"target"}
)

// maxKPIWindow bounds the rolling window: a day is already the since-start window of a shift.
const maxKPIWindow = 24 * time.Hour

func (p *parser) kpi(v *yaml.Node, c *Config) {
	l := &c.KPI
	p.mapping(v, "kpi.", kpiFields, func(key string, _, v *yaml.Node) {
		switch key {
		case "window":
			if d, ok := p.duration(v, "kpi.window"); ok {
				if d <= 0 || d > maxKPIWindow {
					p.fail(v, "kpi.window", "%q: the rolling window is from 1s to 24h (0 is no window)", v.Value)
					return
				}
				l.Window = d
			}
		case "service_level":
			p.serviceLevel(v, l)
		case "longest_wait":
			p.limits(v, "kpi.longest_wait", &l.LongestWaitWarn, &l.LongestWaitAlert)
		case "not_ready":
			p.limits(v, "kpi.not_ready", &l.NotReadyWarn, &l.NotReadyAlert)
		case "services":
			p.services(v, l)
		}
	})
}

// serviceLevel reads target, warn and alert; a level under warn warns, under alert alerts, so warn
// must be the higher of the two when both are on.
func (p *parser) serviceLevel(v *yaml.Node, l *model.KPILimits) {
	var warnAt, alertAt *yaml.Node
	p.mapping(v, "kpi.service_level.", levelFields, func(key string, _, v *yaml.Node) {
		field := "kpi.service_level." + key
		switch key {
		case "target":
			if d, ok := p.target(v, field); ok {
				l.Target = d
			}
		case "warn":
			if pct, ok := p.percent(v, field); ok {
				l.ServiceLevelWarn, warnAt = pct, v
			}
		case "alert":
			if pct, ok := p.percent(v, field); ok {
				l.ServiceLevelAlert, alertAt = pct, v
			}
		}
	})
	if w, a := l.ServiceLevelWarn, l.ServiceLevelAlert; w > 0 && a > 0 && w <= a {
		p.fail(or(warnAt, alertAt, v), "kpi.service_level", "warn %s%% is not above alert %s%%: a level "+
			"under warn warns, under alert alerts, so warn is the milder (higher) one",
			fmtPercent(w), fmtPercent(a))
	}
}

// limits reads a warn and an alert duration; a figure over warn warns, over alert alerts, so warn
// must be the shorter when both are on.
func (p *parser) limits(v *yaml.Node, name string, warn, alert *time.Duration) {
	var warnAt, alertAt *yaml.Node
	p.mapping(v, name+".", limitFields, func(key string, _, v *yaml.Node) {
		if d, ok := p.duration(v, name+"."+key); ok {
			if key == "warn" {
				*warn, warnAt = d, v
			} else {
				*alert, alertAt = d, v
			}
		}
	})
	if *warn > 0 && *alert > 0 && *warn >= *alert {
		p.fail(or(warnAt, alertAt, v), name, "warn %s is not under alert %s: over warn warns, over "+
			"alert alerts, so warn is the milder (shorter) one", formatDuration(*warn), formatDuration(*alert))
	}
}

// services reads the per-service settings: a mapping of service names (as the events name them)
// to their fields.
func (p *parser) services(v *yaml.Node, l *model.KPILimits) {
	if v.Kind != yaml.MappingNode {
		p.fail(v, "kpi.services", "want a mapping of service names to their settings, e.g. "+
			"{Sales: {target: 30s}}")
		return
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, sv := v.Content[i], yamldoc.Deref(v.Content[i+1])
		name := strings.TrimSpace(k.Value)
		field := "kpi.services." + model.Sanitize(name) // an error stays one line of plain text
		if line, dup := seen[name]; dup {
			p.fail(k, field, "set twice (first on line %d)", line)
			continue
		}
		seen[name] = k.Line
		if sv.Kind == yaml.ScalarNode && sv.Tag == "!!null" {
			continue
		}
		p.mapping(sv, field+".", serviceFields, func(_ string, _, v *yaml.Node) {
			if d, ok := p.target(v, field+".target"); ok {
				if l.Targets == nil {
					l.Targets = map[string]time.Duration{}
				}
				l.Targets[name] = d
			}
		})
	}
}

// target reads a service-level threshold T: a positive duration (with T of 0 no answer would count
// as within it).
func (p *parser) target(v *yaml.Node, field string) (time.Duration, bool) {
	d, ok := p.duration(v, field)
	if ok && d <= 0 {
		p.fail(v, field, "%q: the service-level target is how soon an answer counts, e.g. 20s; it "+
			"cannot be off", v.Value)
		return 0, false
	}
	return d, ok
}

// percent reads a percentage from 0 to 100, written 80 or 80%; 0 or off turn the limit off.
func (p *parser) percent(v *yaml.Node, field string) (float64, bool) {
	s, ok := p.str(v, field)
	if !ok {
		return 0, false
	}
	s = strings.TrimSpace(s)
	if strings.EqualFold(s, "off") {
		return 0, true
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(s, "%")), 64)
	if err != nil || f < 0 || f > 100 || math.IsNaN(f) {
		p.fail(v, field, "%q is not a percentage from 0 to 100 (e.g. 80, or 0 for off)", s)
		return 0, false
	}
	return f, true
}

// or is the first node given.
func or(nodes ...*yaml.Node) *yaml.Node {
	for _, n := range nodes {
		if n != nil {
			return n
		}
	}
	return nil
}

func fmtPercent(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// kpiLines writes the kpi section's fields with a comment each, as config init shows them.
func kpiLines(l model.KPILimits) string {
	lines := []struct{ field, value, comment string }{
		{"window", formatDuration(l.Window), "the rolling window of the figures (w: since start)"},
		{"service_level", fmt.Sprintf("{target: %s, warn: %s, alert: %s}", formatDuration(l.Target),
			fmtPercent(l.ServiceLevelWarn), fmtPercent(l.ServiceLevelAlert)),
			"answered within target T ÷ (answered + abandoned) × 100, under warn / alert"},
		{"longest_wait", fmt.Sprintf("{warn: %s, alert: %s}", formatDuration(l.LongestWaitWarn),
			formatDuration(l.LongestWaitAlert)), "a service's oldest waiting interaction over warn / alert"},
		{"not_ready", fmt.Sprintf("{warn: %s, alert: %s}", formatDuration(l.NotReadyWarn),
			formatDuration(l.NotReadyAlert)), "an agent not ready longer than warn / alert"},
	}
	var b strings.Builder
	for i, x := range lines {
		if i > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "  # %s\n  %s: %s", x.comment, x.field, x.value)
	}
	return b.String()
}
