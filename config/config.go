// Package config reads deskwatch's configuration file, $XDG_CONFIG_HOME/deskwatch/config.yaml (or
// --config): the theme, the table's columns, alert thresholds, the floor's KPI limits, retention, the default filter and
// key remapping. A file is read whole or not at all: any error (each names the file, the line and
// the field) gives no configuration, so the program never starts half-configured.
package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/deskwatch/deskwatch/model"
	"github.com/deskwatch/deskwatch/themes"
)

// Actions lists the actions the keys setting can remap. The ui maps each to its key binding.
var Actions = []string{"up", "down", "page_up", "page_down", "top", "bottom", "open", "back",
	"follow", "filter", "command", "sort", "sort_prev", "sort_dir", "hide_ended", "group", "fold", "fold_all",
	"next_alert", "prev_alert", "pause", "faster", "slower", "rejected", "agents", "describe", "export_csv",
	"export_json", "help", "quit", "window", "timeline", "wall", "left", "right",
	"zoom_in", "zoom_out", "event_prev", "event_next", "back_10s", "forward_10s", "back_1m", "forward_1m", "retry"}

// Config is a whole, valid configuration.
type Config struct {
	// Theme is the theme name as the file gives it; "" when unset, so that the caller can let
	// NO_COLOR pick mono. Palette is that theme resolved (dark when unset), user themes included.
	Theme   string
	Palette themes.Theme
	// Columns are the visible columns in order, names from model.ColumnNames.
	Columns []string
	// Alerts are the alert rules; Bell rings the terminal bell when a new alert opens.
	Alerts model.AlertRules
	Bell   bool
	// KPI are the floor statistics' window, service-level targets and warn / alert limits (the
	// kpi section; the alert limits raise KPI alerts).
	KPI model.KPILimits
	// Retention is how many ended interactions the store keeps.
	Retention int
	// Filter is the filter in force at start, valid for model.ParseFilter ("" for none).
	Filter string
	// Keys remaps actions (names from Actions) to keys, e.g. "quit": {"q", "ctrl+c"}; actions
	// not listed keep their default keys. Nil when nothing is remapped.
	Keys map[string][]string
	// KeysLine is the line of the file's keys setting (0 without one), for the errors the key map
	// finds only once it is put together with the defaults (an action left without a key).
	KeysLine int
}

// Default returns the configuration deskwatch uses without a file.
func Default() Config {
	return Config{
		Palette:   themes.Dark,
		Columns:   model.ColumnNames(),
		Alerts:    model.DefaultAlertRules(),
		KPI:       model.DefaultKPILimits(),
		Retention: model.DefaultRetention,
	}
}

// Dir returns deskwatch's configuration directory: $XDG_CONFIG_HOME/deskwatch, or
// $HOME/.config/deskwatch when XDG_CONFIG_HOME is unset or not absolute (as the XDG spec says).
// getenv is os.Getenv outside tests.
func Dir(getenv func(string) string) (string, error) {
	if x := getenv("XDG_CONFIG_HOME"); x != "" && filepath.IsAbs(x) {
		return filepath.Join(x, "deskwatch"), nil
	}
	if h := getenv("HOME"); h != "" {
		return filepath.Join(h, ".config", "deskwatch"), nil
	}
	return "", errors.New("no configuration directory: neither XDG_CONFIG_HOME nor HOME is set")
}

// Path returns the default configuration file, config.yaml in Dir.
func Path(getenv func(string) string) (string, error) {
	d, err := Dir(getenv)
	if err != nil {
		return "", err
	}
	return filepath.Join(d, "config.yaml"), nil
}

// ThemesDir returns the user themes directory that goes with a configuration file: "themes"
// beside it.
func ThemesDir(configPath string) string { return filepath.Join(filepath.Dir(configPath), "themes") }

// Load reads the configuration file at path; a missing file is an error.
func Load(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	return Parse(path, data, ThemesDir(path))
}

// Resolve finds and reads the configuration: the explicit file when given (--config; missing is an
// error), else the default file, whose absence means the defaults. It returns the path it read or
// would have read ("" when there is no configuration directory at all).
func Resolve(explicit string, getenv func(string) string) (Config, string, error) {
	if explicit != "" {
		c, err := Load(explicit)
		return c, explicit, err
	}
	path, err := Path(getenv)
	if err != nil {
		return Default(), "", nil
	}
	c, err := Load(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Default(), path, nil
	}
	return c, path, err
}
