package cmd

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/deskwatch/deskwatch/config"
	"github.com/deskwatch/deskwatch/internal/e2e"
)

// runConfig runs "deskwatch config ARGS" with XDG_CONFIG_HOME at xdg and no HOME.
func runConfig(t *testing.T, xdg string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	getenv := func(k string) string {
		if k == "XDG_CONFIG_HOME" {
			return xdg
		}
		return ""
	}
	c := newConfigCmdEnv(&out, &errOut, getenv)
	c.SetArgs(args)
	c.SilenceUsage, c.SilenceErrors = true, true
	err := c.Execute()
	return out.String(), err
}

func TestConfigInit(t *testing.T) {
	t.Parallel()
	xdg := t.TempDir()
	want := filepath.Join(xdg, "deskwatch", "config.yaml")

	out, err := runConfig(t, xdg, "path")
	if err != nil || out != want+"\n" {
		t.Fatalf("config path = %q, %v", out, err)
	}
	if out, err := runConfig(t, xdg, "check"); err != nil || !strings.Contains(out, "no such file, the defaults apply") {
		t.Errorf("check without a file = %q, %v", out, err)
	}
	out, err = runConfig(t, xdg, "init")
	if err != nil || out != want+"\n" {
		t.Fatalf("config init = %q, %v", out, err)
	}
	c, err := config.Load(want)
	if err != nil || !reflect.DeepEqual(c, config.Default()) {
		t.Errorf("the written file loads as %+v, %v", c, err)
	}
	if out, err := runConfig(t, xdg, "check"); err != nil || out != want+": ok\n" {
		t.Errorf("check = %q, %v", out, err)
	}

	if err := os.WriteFile(want, []byte("retention: 5\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = runConfig(t, xdg, "init")
	if err == nil || err.Error() != "config init: "+want+" already exists (--force overwrites it)" {
		t.Errorf("init over an existing file: %v", err)
	}
	if b, _ := os.ReadFile(want); string(b) != "retention: 5\n" {
		t.Error("init without --force changed the file")
	}
	if _, err := runConfig(t, xdg, "init", "--force"); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(want); !strings.HasPrefix(string(b), "# deskwatch configuration.") {
		t.Errorf("--force did not overwrite: %q", b)
	}
}

func TestConfigInitPathAndCheckErrors(t *testing.T) {
	t.Parallel()
	xdg := t.TempDir()
	other := filepath.Join(t.TempDir(), "sub", "dw.yaml")
	if out, err := runConfig(t, xdg, "init", "--path", other); err != nil || out != other+"\n" {
		t.Fatalf("init --path = %q, %v", out, err)
	}
	if _, err := os.Stat(filepath.Join(xdg, "deskwatch")); !os.IsNotExist(err) {
		t.Error("init --path also wrote the default location")
	}
	if err := os.WriteFile(other, []byte("alerts:\n  hold: 6os\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := runConfig(t, xdg, "check", "--config", other)
	if err == nil || err.Error() != other+`:2: alerts.hold: "6os" is not a duration (e.g. 30s, 2m, 1h30m, or 0 for off)` {
		t.Errorf("check of a bad file: %v", err)
	}
	if _, err := runConfig(t, xdg, "check", "--config", filepath.Join(xdg, "missing.yaml")); err == nil {
		t.Error("check of a missing --config file should fail")
	}
	if _, err := runConfig(t, "", "path"); err == nil {
		t.Error("path without XDG_CONFIG_HOME or HOME should fail")
	}
}

func TestConfigCheckReportsKeyConflicts(t *testing.T) {
	t.Parallel()
	xdg := t.TempDir()
	path := e2e.WriteFile(t, "keys.yaml", "keys:\n  quit: [x]\n")
	_, err := runConfig(t, xdg, "check", "--config", path)
	if err == nil || !strings.Contains(err.Error(), path+":2: keys: x leaves export_csv without a key") {
		t.Errorf("config check of a key that takes another action's only key: %v", err)
	}
}
