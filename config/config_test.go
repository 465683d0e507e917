package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/model"
	"github.com/deskwatch/deskwatch/themes"
)

// defaultText is the file WriteDefault writes.
func defaultText(t testing.TB) string {
	t.Helper()
	var b strings.Builder
	if err := WriteDefault(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestDefaultRoundTrip(t *testing.T) {
	text := defaultText(t)
	got, err := Parse("config.yaml", []byte(text), t.TempDir())
	if err != nil {
		t.Fatalf("the default file does not load: %v\n%s", err, text)
	}
	if !reflect.DeepEqual(got, Default()) {
		t.Errorf("default file loads as\n%+v\nwant\n%+v", got, Default())
	}
	for _, want := range []string{"# theme: dark", "hold: 60s", "queued: 120s", "muted: 30s", "recent: 5m",
		"bell: false", "next_alert", "retention: 10000",
		"window: 15m", "service_level: {target: 20s, warn: 80, alert: 70}", "not_ready: {warn: 15m, alert: 30m}"} {
		if !strings.Contains(text, want) {
			t.Errorf("default file lacks %q", want)
		}
	}
}

func TestParseFullConfig(t *testing.T) {
	text := `# a comment
theme: Light
columns: [State, dur, agent, subject]
retention: 500
filter: type:voice -state:completed
alerts:
  hold: 90s
  queued: 0
  muted: off
  recent: 1h
  not_recording: no
  audio_quality: yes
  server_error: false
  events_lost: on
  bell: true
keys:
  quit: [Q, ctrl+q]
  next_alert: n
  agents:
    - tab
    - A
`
	got, err := Parse("config.yaml", []byte(text), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	want := Config{
		Theme: "Light", Palette: themes.Light,
		Columns:   []string{"state", "dur", "agent", "subject"},
		Retention: 500,
		Filter:    "type:voice -state:completed",
		Alerts: model.AlertRules{Hold: 90 * time.Second, Recent: time.Hour, AudioQuality: true,
			EventsLost: true},
		Bell:     true,
		KPI:      model.DefaultKPILimits(),
		Keys:     map[string][]string{"quit": {"Q", "ctrl+q"}, "next_alert": {"n"}, "agents": {"tab", "A"}},
		KeysLine: 17, // the line of the first remapped action
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%+v\nwant\n%+v", got, want)
	}
}

func TestParseEmptyAndNullKeepDefaults(t *testing.T) {
	for _, text := range []string{"", "# only a comment\n", "---\n", "theme:\nfilter:\nalerts:\nkeys:\ncolumns:\n",
		"alerts:\n  hold:\n"} {
		got, err := Parse("config.yaml", []byte(text), "")
		if err != nil || !reflect.DeepEqual(got, Default()) {
			t.Errorf("%q: %+v, %v", text, got, err)
		}
	}
}

func TestParseErrors(t *testing.T) {
	top := "(fields: theme, columns, retention, filter, alerts, kpi, keys)"
	alertList := "hold, queued, muted, recent, not_recording, audio_quality, server_error, events_lost, bell"
	cols := "(columns: type, id, agent, state, dir, party, service, parties, muted, rec, dur, subject)"
	tests := []struct{ name, text, want string }{
		{"unknown field", "themes: dark\n", "config.yaml:1: themes: unknown field " + top},
		{"bad duration", "theme: dark\ncolumns: [type]\nretention: 5\nfilter: x\n\nalerts:\n  hold: 6os\n",
			`config.yaml:7: alerts.hold: "6os" is not a duration (e.g. 30s, 2m, 1h30m, or 0 for off)`},
		{"bare number", "alerts:\n  queued: 60\n", `config.yaml:2: alerts.queued: "60" is not a duration (write 60s, or 60m)`},
		{"negative", "alerts:\n  muted: -5s\n", `config.yaml:2: alerts.muted: "-5s" is negative`},
		{"unknown alert", "alerts:\n  hol: 5s\n", "config.yaml:2: alerts.hol: unknown field (alerts fields: " + alertList + ")"},
		{"bad bool", "alerts:\n  bell: maybe\n", `config.yaml:2: alerts.bell: "maybe" is not true or false`},
		{"alerts not a mapping", "alerts: [1]\n", "config.yaml:1: alerts: want a mapping of fields (" + alertList + ")"},
		{"duration list", "alerts:\n  hold: [1]\n", "config.yaml:2: alerts.hold: want a single value, not a list"},
		{"unknown column", "columns:\n  - type\n  - durr\n", `config.yaml:3: columns: unknown column "durr" ` + cols},
		{"column twice", "columns: [type, dur, type]\n", `config.yaml:1: columns: column "type" is listed twice`},
		{"no columns", "columns: []\n", "config.yaml:1: columns: no columns: list at least one " + cols},
		{"columns not a list", "columns: type\n", "config.yaml:1: columns: want a list of column names, e.g. [type, state, dur] " + cols},
		{"retention words", "retention: lots\n", `config.yaml:1: retention: "lots" is not a whole number`},
		{"retention zero", "retention: 0\n", "config.yaml:1: retention: 0: keep at least 1 ended interaction"},
		{"bad filter", "filter: state:hold stat:hold\n",
			`config.yaml:1: filter: filter term 2 "stat:hold": unknown field "stat" (fields: type, state, agent, service, dir, muted, rec, party, id, subject, dur, hold)`},
		{"unknown theme", "theme: solarized\n", `config.yaml:1: theme: unknown theme "solarized" (built-in: dark, light, high-contrast, mono)`},
		{"unknown action", "keys:\n  jump: j\n", "config.yaml:2: keys.jump: unknown field (keys fields: " + strings.Join(Actions, ", ") + ")"},
		{"empty key", "keys:\n  quit: \"\"\n", `config.yaml:2: keys.quit: "" is not a key (write keys as q, G, ctrl+c, shift+tab, f5, space, enter, esc: modifiers in the order ctrl, alt, shift)`},
		{"key with space", "keys:\n  quit: [ctrl c]\n", `config.yaml:2: keys.quit: "ctrl c" is not a key (write keys as q, G, ctrl+c, shift+tab, f5, space, enter, esc: modifiers in the order ctrl, alt, shift)`},
		// The second newcomer: these were taken, and never matched a key press (esc and f1 did
		// nothing, and ctrl+gg left the detail view without a way back).
		{"capital Esc", "keys:\n  back: [Esc]\n", `config.yaml:2: keys.back: "Esc" is not a key (write keys as q, G, ctrl+c, shift+tab, f5, space, enter, esc: modifiers in the order ctrl, alt, shift)`},
		{"two letters", "keys:\n  back: ctrl+gg\n", `config.yaml:2: keys.back: "ctrl+gg" is not a key (write keys as q, G, ctrl+c, shift+tab, f5, space, enter, esc: modifiers in the order ctrl, alt, shift)`},
		{"modifiers out of order", "keys:\n  back: shift+ctrl+x\n", `config.yaml:2: keys.back: "shift+ctrl+x" is not a key (write keys as q, G, ctrl+c, shift+tab, f5, space, enter, esc: modifiers in the order ctrl, alt, shift)`},
		{"no keys", "keys:\n  quit: []\n", "config.yaml:2: keys.quit: no keys: give at least one, e.g. [q, ctrl+c]"},
		{"key bound twice", "keys:\n  quit: [q]\n  filter:\n    - /\n    - q\n", `config.yaml:5: keys.filter: key "q" is already bound to keys.quit`},
		{"key mapping", "keys:\n  quit: {a: b}\n", "config.yaml:2: keys.quit: want a single value, not a mapping"},
		{"set twice", "retention: 5\nfilter: x\nretention: 6\n", "config.yaml:3: retention: set twice (first on line 1)"},
		{"syntax", "theme: dark\n  columns: [type]\n", "config.yaml:2: mapping values are not allowed in this context"},
		{"unclosed list", "columns: [type,\n", "config.yaml:1: did not find expected node content"},
		{"not a mapping", "just text\n", "config.yaml:1: the configuration is a mapping of fields (theme, columns, retention, filter, alerts, kpi, keys)"},
		{"two documents", "theme: dark\n---\ntheme: light\n", "config.yaml:2: a second YAML document: the configuration is one document"},
		{"every error", "themes: x\nretention: -1\nalerts:\n  hold: soon\n",
			"config.yaml:1: themes: unknown field " + top + "\n" +
				"config.yaml:2: retention: -1: keep at least 1 ended interaction\n" +
				`config.yaml:4: alerts.hold: "soon" is not a duration (e.g. 30s, 2m, 1h30m, or 0 for off)`},
	}
	for _, tt := range tests {
		got, err := Parse("config.yaml", []byte(tt.text), t.TempDir())
		if err == nil {
			t.Errorf("%s: no error; got %+v", tt.name, got)
			continue
		}
		if err.Error() != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, err, tt.want)
		}
		if !reflect.DeepEqual(got, Config{}) {
			t.Errorf("%s: a half-read configuration came back: %+v", tt.name, got)
		}
	}
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestUserThemeBesideTheFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.yaml")
	writeFile(t, path, "theme: ocean\n")
	writeFile(t, filepath.Join(dir, "themes", "ocean.yaml"), "base: light\naccent: \"#ff8800\"\n")
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	want := themes.Light
	want.Name, want.Accent = "ocean", "#ff8800"
	if c.Theme != "ocean" || c.Palette != want {
		t.Errorf("theme %q palette %+v", c.Theme, c.Palette)
	}
	writeFile(t, filepath.Join(dir, "themes", "ocean.yaml"), "base: light\naccent: orange\n")
	_, err = Load(path)
	wantErr := path + `:1: theme: ` + filepath.Join(dir, "themes", "ocean.yaml") + `:2: accent: "orange" is not a colour`
	if err == nil || !strings.HasPrefix(err.Error(), wantErr) {
		t.Errorf("broken user theme:\n got %v\nwant %s…", err, wantErr)
	}
}

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestPaths(t *testing.T) {
	tests := []struct {
		vars map[string]string
		want string
	}{
		{map[string]string{"XDG_CONFIG_HOME": "/x", "HOME": "/h"}, "/x/deskwatch/config.yaml"},
		{map[string]string{"XDG_CONFIG_HOME": "relative", "HOME": "/h"}, "/h/.config/deskwatch/config.yaml"},
		{map[string]string{"HOME": "/h"}, "/h/.config/deskwatch/config.yaml"},
	}
	for _, tt := range tests {
		if got, err := Path(env(tt.vars)); err != nil || got != tt.want {
			t.Errorf("Path(%v) = %q, %v", tt.vars, got, err)
		}
	}
	if _, err := Path(env(nil)); err == nil {
		t.Error("Path without XDG_CONFIG_HOME or HOME should fail")
	}
	if got := ThemesDir("/x/deskwatch/config.yaml"); got != "/x/deskwatch/themes" {
		t.Errorf("ThemesDir = %q", got)
	}
}

func TestResolve(t *testing.T) {
	xdg := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", xdg) // belt and braces: nothing here reads the real environment
	getenv := env(map[string]string{"XDG_CONFIG_HOME": xdg})
	def := filepath.Join(xdg, "deskwatch", "config.yaml")

	c, path, err := Resolve("", getenv)
	if err != nil || path != def || !reflect.DeepEqual(c, Default()) {
		t.Errorf("missing default file: %+v %q %v", c, path, err)
	}
	writeFile(t, def, "retention: 7\n")
	if c, path, err = Resolve("", getenv); err != nil || path != def || c.Retention != 7 {
		t.Errorf("default file: %+v %q %v", c, path, err)
	}
	writeFile(t, def, "retention: x\n")
	if c, _, err = Resolve("", getenv); err == nil || !strings.HasPrefix(err.Error(), def+":1: retention:") ||
		!reflect.DeepEqual(c, Config{}) {
		t.Errorf("bad default file: %+v %v", c, err)
	}
	missing := filepath.Join(xdg, "nope.yaml")
	if _, path, err = Resolve(missing, getenv); !errors.Is(err, fs.ErrNotExist) || path != missing {
		t.Errorf("missing explicit file: %q %v", path, err)
	}
	if c, path, err = Resolve("", env(nil)); err != nil || path != "" || !reflect.DeepEqual(c, Default()) {
		t.Errorf("no configuration directory: %+v %q %v", c, path, err)
	}
}
