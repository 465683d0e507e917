package cmd

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/deskwatch/deskwatch/config"
	"github.com/deskwatch/deskwatch/model"
	"github.com/deskwatch/deskwatch/themes"
	"github.com/deskwatch/deskwatch/ui"
)

// settings is the configuration file resolved against the command line: flags given override the
// file, the file overrides the defaults.
type settings struct {
	cfg  config.Config
	path string // the file read, or that would have been read ("" without a config directory)
	keys ui.KeyMap
}

// prepare is what the monitor and the server do first: read the configuration against the flags
// given, and take SOURCE from the arguments ("" for the demo).
func (o *options) prepare(cmd *cobra.Command, args []string) (string, error) {
	if err := o.loadSettings(cmd.Flags(), os.Getenv); err != nil {
		return "", err
	}
	if !o.print {
		// Batch mode's flags mean nothing to the monitor: saying so beats ignoring them.
		for _, name := range []string{"format", "for", "events", "view", "window", "at"} {
			if cmd.Flags().Changed(name) {
				return "", fmt.Errorf("--%s goes with --print (the monitor shows the table on the screen)", name)
			}
		}
	} else if o.wallboard {
		return "", fmt.Errorf("--wallboard starts the monitor on the wallboard; --print prints tables, not screens")
	} else {
		changed := cmd.Flags().Changed
		for _, name := range []string{"history", "history-size"} {
			if changed(name) {
				return "", fmt.Errorf("--%s bounds what the monitor keeps to seek back in; --print has no screen to seek "+
					"(--at prints a moment of a file)", name)
			}
		}
		switch {
		case changed("speed"):
			return "", errors.New("--speed paces the monitor's replay; --print reads the file as fast as it can")
		case changed("bell"):
			return "", errors.New("--bell rings the monitor's terminal on a new alert; --print has no screen")
		case changed("window") && o.collect.view == "interactions":
			return "", errors.New("--window is the figures' window of --view agents or services; the interactions have none")
		}
	}
	if err := o.history.check(); err != nil {
		return "", err
	}
	held, err := parseBytes(o.maxMemory)
	if err != nil {
		return "", fmt.Errorf("--max-memory %q: %w", o.maxMemory, err)
	}
	o.maxHeld = held
	for _, a := range args {
		if len(args) > 1 && !isURL(a) {
			return "", fmt.Errorf("%q: several sources can only be hubs' ws:// or wss:// stream URLs, "+
				"which the monitor fails over between", a)
		}
	}
	first := ""
	if len(args) > 0 {
		first = args[0]
	}
	if err := checkSourceFlags(cmd.Flags(), first); err != nil {
		return "", err
	}
	// Several hubs become one list, as if given comma-separated (feed.SplitStreamURLs).
	return strings.Join(args, ","), checkSince(o.since, first)
}

// The source flags that mean something to one kind of source only.
var (
	demoFlags   = []string{"demo-seed", "demo-agents", "demo-rate"}
	streamFlags = []string{"header", "token-file", "token-env", "ca-file", "insecure", "origin", "message-timeout"}
)

// checkSourceFlags refuses a source flag given for a source it means nothing to (the demo's with a
// file, a WebSocket's with the demo, --speed with a live stream), as the batch flags are refused
// without --print: a flag silently ignored looks as if it had been taken.
func checkSourceFlags(flags *pflag.FlagSet, src string) error {
	changed := flags.Changed
	what := "the event file " + src
	switch {
	case src == "":
		what = "the demo (no SOURCE)"
	case src == "-":
		what = "standard input"
	case isURL(src):
		what = "a live stream"
	}
	for _, name := range demoFlags {
		if changed(name) && src != "" {
			return fmt.Errorf("--%s shapes the demo, which runs without a SOURCE; the source here is %s", name, what)
		}
	}
	for _, name := range streamFlags {
		if changed(name) && !isURL(src) {
			return fmt.Errorf("--%s goes with a ws:// or wss:// SOURCE; the source here is %s", name, what)
		}
	}
	if changed("speed") && (src == "" || isURL(src)) {
		return fmt.Errorf("--speed paces a replay (an event file, or standard input); the source here is %s", what)
	}
	// The demo's sizes, as simulate checks its own (they were taken as the defaults).
	if n, _ := flags.GetInt("demo-agents"); n < 1 || n > maxSimAgents {
		return fmt.Errorf("--demo-agents %d: want at least 1, at most %d", n, maxSimAgents)
	}
	if r, _ := flags.GetFloat64("demo-rate"); !(r > 0) || r > maxSimRate {
		return fmt.Errorf("--demo-rate %v: want events per second above 0, at most %d", r, maxSimRate)
	}
	return nil
}

// loadSettings reads the configuration (--config, or the default file when it exists) and lets the
// flags the user gave win over it. Any error in the file stops the run: deskwatch never starts
// half-configured.
func (o *options) loadSettings(flags *pflag.FlagSet, getenv func(string) string) error {
	cfg, path, err := config.Resolve(o.configFile, getenv)
	if err != nil {
		return err
	}
	keys, err := keyMap(cfg, path)
	if err != nil {
		return err
	}
	if !flags.Changed("retention") {
		o.retention = cfg.Retention
	}
	if flags.Changed("filter") {
		o.nameFilter = o.filter // --print --view agents|services filters names with the flag's text only
	} else {
		o.filter = cfg.Filter
	}
	o.bell = o.bell || cfg.Bell
	o.settings = settings{cfg: cfg, path: path, keys: keys}
	return nil
}

// kpi are the configuration's KPI limits, the defaults when no configuration was read (a pipeline
// built without loadSettings).
func (s settings) kpi() model.KPILimits {
	if s.cfg.KPI.Window <= 0 {
		return model.DefaultKPILimits()
	}
	return s.cfg.KPI
}

// theme picks the theme: the one named (a built-in or a user theme beside the configuration file),
// else the configuration's, else mono when NO_COLOR is set, else dark.
func (s settings) theme(name string, getenv func(string) string) (themes.Theme, error) {
	if name != "" {
		dir := ""
		if s.path != "" {
			dir = config.ThemesDir(s.path)
		}
		t, err := themes.LookupIn(name, dir)
		if err != nil {
			return themes.Theme{}, fmt.Errorf("--theme: %w", err)
		}
		return t, nil
	}
	if s.cfg.Theme != "" {
		return s.cfg.Palette, nil
	}
	if getenv("NO_COLOR") != "" {
		return themes.Mono, nil
	}
	return themes.Dark, nil
}

// keyMap puts the configuration's key remapping together with the default keys; an error names
// the file and the line of its keys setting.
func keyMap(cfg config.Config, path string) (ui.KeyMap, error) {
	keys, err := ui.NewKeyMap(cfg.Keys)
	if err != nil {
		return keys, fmt.Errorf("%s:%d: %w", path, cfg.KeysLine, err)
	}
	return keys, nil
}
