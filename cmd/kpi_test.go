package cmd

import (
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/deskwatch/deskwatch/model"
)

// The configuration's kpi section reaches the store every mode builds (the monitor, --print and
// serve share newPipeline); without a configuration the store has the default limits.
func TestConfigKPIReachesTheStore(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "config.yaml")
	text := "kpi:\n  window: 5m\n  not_ready: {warn: 30s, alert: 1m}\n  services: {Sales: {target: 45s}}\n"
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	want := model.DefaultKPILimits()
	want.Window, want.NotReadyWarn, want.NotReadyAlert = 5*time.Minute, 30*time.Second, time.Minute
	for _, c := range []struct {
		file string
		want model.KPILimits
	}{{path, want}, {"", model.DefaultKPILimits()}} {
		o := &options{configFile: c.file, retention: model.DefaultRetention, maxMessage: model.DefaultMaxMessage, demoSeed: 1, demoAgents: 2, demoRate: 1}
		if err := o.loadSettings(pflag.NewFlagSet("t", pflag.ContinueOnError), func(string) string { return "" }); err != nil {
			t.Fatal(err)
		}
		p, err := newPipeline(o, "", nil, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		got := p.store.Snapshot().Floor.Limits()
		p.Close()
		if c.file != "" && got.Targets["Sales"] != 45*time.Second {
			t.Errorf("%q: Sales target = %v, want 45s", c.file, got.Targets["Sales"])
		}
		got.Targets = nil
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%q: store limits = %+v, want %+v", c.file, got, c.want)
		}
	}
}
