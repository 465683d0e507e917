package config

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/model"
)

func TestParseKPI(t *testing.T) {
	t.Parallel()
	text := `kpi:
  window: 5m
  service_level: {target: 30s, warn: 85%, alert: 72.5}
  longest_wait: {warn: 0, alert: 90s}
  not_ready:
    warn: off
    alert: 10m
  services:
    Sales: {target: 45s}
    "Tech Support":
      target: 2m
    Billing:
`
	got, err := Parse("config.yaml", []byte(text), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	want := model.KPILimits{Window: 5 * time.Minute, Target: 30 * time.Second,
		Targets:          map[string]time.Duration{"Sales": 45 * time.Second, "Tech Support": 2 * time.Minute},
		ServiceLevelWarn: 85, ServiceLevelAlert: 72.5, LongestWaitAlert: 90 * time.Second,
		NotReadyAlert: 10 * time.Minute}
	if !reflect.DeepEqual(got.KPI, want) {
		t.Errorf("kpi:\n got %+v\nwant %+v", got.KPI, want)
	}
	// A section that sets one field keeps the others' defaults.
	got, err = Parse("config.yaml", []byte("kpi:\n  not_ready: {alert: 45m}\n"), t.TempDir())
	want = model.DefaultKPILimits()
	want.NotReadyAlert = 45 * time.Minute
	if err != nil || !reflect.DeepEqual(got.KPI, want) {
		t.Errorf("one field: got %+v, %v; want %+v", got.KPI, err, want)
	}
}

func TestParseKPIErrors(t *testing.T) {
	t.Parallel()
	kpiList := "(kpi fields: window, service_level, longest_wait, not_ready, services)"
	tests := []struct{ name, text, want string }{
		{"unknown field", "kpi:\n  windw: 5m\n", "config.yaml:2: kpi.windw: unknown field " + kpiList},
		{"not a mapping", "kpi: 15m\n", "config.yaml:1: kpi: want a mapping of fields (window, service_level, longest_wait, not_ready, services)"},
		{"window zero", "kpi:\n  window: 0\n", `config.yaml:2: kpi.window: "0": the rolling window is from 1s to 24h (0 is no window)`},
		{"window long", "kpi:\n  window: 48h\n", `config.yaml:2: kpi.window: "48h": the rolling window is from 1s to 24h (0 is no window)`},
		{"window bare", "kpi:\n  window: 15\n", `config.yaml:2: kpi.window: "15" is not a duration (write 15s, or 15m)`},
		{"target off", "kpi:\n  service_level:\n    target: 0\n",
			`config.yaml:3: kpi.service_level.target: "0": the service-level target is how soon an answer counts, e.g. 20s; it cannot be off`},
		{"percent words", "kpi:\n  service_level: {warn: most}\n", `config.yaml:2: kpi.service_level.warn: "most" is not a percentage from 0 to 100 (e.g. 80, or 0 for off)`},
		{"percent over", "kpi:\n  service_level: {alert: 120}\n", `config.yaml:2: kpi.service_level.alert: "120" is not a percentage from 0 to 100 (e.g. 80, or 0 for off)`},
		{"level warn not milder", "kpi:\n  service_level:\n    warn: 60\n    alert: 70\n",
			"config.yaml:3: kpi.service_level: warn 60% is not above alert 70%: a level under warn warns, under alert alerts, so warn is the milder (higher) one"},
		{"level warn against default alert", "kpi:\n  service_level: {warn: 70}\n",
			"config.yaml:2: kpi.service_level: warn 70% is not above alert 70%: a level under warn warns, under alert alerts, so warn is the milder (higher) one"},
		{"wait warn not milder", "kpi:\n  longest_wait: {warn: 3m, alert: 2m}\n",
			"config.yaml:2: kpi.longest_wait: warn 180s is not under alert 120s: over warn warns, over alert alerts, so warn is the milder (shorter) one"},
		{"not ready warn not milder", "kpi:\n  not_ready:\n    alert: 10m\n",
			"config.yaml:3: kpi.not_ready: warn 15m is not under alert 10m: over warn warns, over alert alerts, so warn is the milder (shorter) one"},
		{"unknown limit", "kpi:\n  not_ready: {warm: 1m}\n", "config.yaml:2: kpi.not_ready.warm: unknown field (kpi.not_ready fields: warn, alert)"},
		{"services list", "kpi:\n  services: [Sales]\n", "config.yaml:2: kpi.services: want a mapping of service names to their settings, e.g. {Sales: {target: 30s}}"},
		{"service field", "kpi:\n  services:\n    Sales: {goal: 30s}\n", "config.yaml:3: kpi.services.Sales.goal: unknown field (kpi.services.Sales fields: target)"},
		{"service twice", "kpi:\n  services:\n    Sales: {target: 30s}\n    Sales: {target: 40s}\n", "config.yaml:4: kpi.services.Sales: set twice (first on line 3)"},
		{"service target", "kpi:\n  services:\n    Sales: {target: soon}\n", `config.yaml:3: kpi.services.Sales.target: "soon" is not a duration (e.g. 30s, 2m, 1h30m, or 0 for off)`},
		// A name with a line break or an escape is shown sanitized: the error stays one line.
		{"service name", "kpi:\n  services:\n    \"\\e[31mX\\nY\": {target: -1s}\n", `config.yaml:3: kpi.services.X Y.target: "-1s" is negative`},
	}
	for _, tt := range tests {
		got, err := Parse("config.yaml", []byte(tt.text), t.TempDir())
		if err == nil {
			t.Errorf("%s: no error; got %+v", tt.name, got.KPI)
			continue
		}
		if err.Error() != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, err, tt.want)
		}
	}
}

// config init writes the kpi section with every limit, and a file that changes them reads back.
func TestWriteDefaultKPI(t *testing.T) {
	t.Parallel()
	text := strings.Replace(defaultText(t), "not_ready: {warn: 15m, alert: 30m}", "not_ready: {warn: 5m, alert: 10m}", 1)
	text = strings.Replace(text, "  # services:\n  #   Sales: {target: 30s}", "  services:\n    Sales: {target: 30s}", 1)
	got, err := Parse("config.yaml", []byte(text), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if got.KPI.NotReadyAlert != 10*time.Minute || got.KPI.NotReadyWarn != 5*time.Minute ||
		got.KPI.Targets["Sales"] != 30*time.Second {
		t.Errorf("edited default file reads as %+v", got.KPI)
	}
}
