package themes

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func write(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestUserThemeOverridesBase(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "ocean.yaml", `# my theme
base: light
accent: "#FF8800"
header_bg: 236
hold: ""
dark: yes
`)
	got, err := LookupIn("Ocean", dir)
	if err != nil {
		t.Fatal(err)
	}
	want := Light
	want.Name, want.Accent, want.HeaderBg, want.Hold, want.Dark = "ocean", "#ff8800", "236", "", true
	if got != want {
		t.Errorf("ocean:\n got %+v\nwant %+v", got, want)
	}
}

func TestUserThemeNamedLikeBuiltinOverridesIt(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "dark.yaml", "alert: 196\n")
	for _, name := range []string{"dark", "", "default"} {
		got, err := LookupIn(name, dir)
		if err != nil {
			t.Fatal(err)
		}
		want := Dark
		want.Alert = "196"
		if got != want {
			t.Errorf("LookupIn(%q) = %+v", name, got)
		}
	}
	// Without a base or a built-in of its name, a theme starts from dark; an empty file is its base.
	write(t, dir, "plain.yml", "")
	if got, err := LookupIn("plain", dir); err != nil || got.Name != "plain" || got.Text != Dark.Text {
		t.Errorf("plain = %+v, %v", got, err)
	}
	if got, err := LookupIn("light", dir); err != nil || got != Light {
		t.Errorf("built-in light = %+v, %v", got, err)
	}
	if got, err := LookupIn("monochrome", ""); err != nil || got != Mono {
		t.Errorf("mono alias = %+v, %v", got, err)
	}
}

func TestThemeErrors(t *testing.T) {
	tests := []struct{ name, text, want string }{
		{"unknown field", "base: dark\ncolour: red\n",
			`x.yaml:2: colour: unknown field (fields: base, dark, mono, text, dim, accent, border, header_fg, header_bg, selected_fg, selected_bg, changed, alert, warn, ok, queued, ivr, delivered, hold, wrap_up, completed, ended, unknown, voice, chat, email)`},
		{"bad hex", "accent: \"#12345\"\n",
			`x.yaml:1: accent: "#12345" is not a colour (want "#rrggbb", an ANSI number 0 to 255, or "" for the terminal's)`},
		{"colour name", "\n\naccent: red\n",
			`x.yaml:3: accent: "red" is not a colour (want "#rrggbb", an ANSI number 0 to 255, or "" for the terminal's)`},
		{"ansi range", "text: 256\n", `x.yaml:1: text: ANSI colour 256 is out of range (0 to 255)`},
		{"unquoted hash", "text: #ffffff\n",
			`x.yaml:1: text: no colour: write "#rrggbb" in quotes (an unquoted # starts a YAML comment), an ANSI number 0 to 255, or "" for the terminal's`},
		{"list", "text: [1, 2]\n",
			`x.yaml:1: text: no colour: write "#rrggbb" in quotes (an unquoted # starts a YAML comment), an ANSI number 0 to 255, or "" for the terminal's`},
		{"bad base", "base: solarized\n", `x.yaml:1: base: unknown theme "solarized" (built-in: dark, light, high-contrast, mono)`},
		{"bad bool", "mono: maybe\n", `x.yaml:1: mono: "maybe" is not true or false`},
		{"twice", "text: 1\ntext: 2\n", `x.yaml:2: text: set twice`},
		{"syntax", "text: 1\n  dim: 2\n", `x.yaml:2: mapping values are not allowed in this context`},
		{"not a mapping", "- a\n", `x.yaml:1: a theme is a mapping of fields (base, dark, mono, text, dim, accent, border, header_fg, header_bg, selected_fg, selected_bg, changed, alert, warn, ok, queued, ivr, delivered, hold, wrap_up, completed, ended, unknown, voice, chat, email)`},
		{"two documents", "text: 1\n---\ntext: 2\n", `x.yaml:2: a second YAML document: a theme is one document`},
		{"two errors", "text: red\nwarn: 300\n", "x.yaml:1: text: \"red\" is not a colour (want \"#rrggbb\", an ANSI number 0 to 255, or \"\" for the terminal's)\n" +
			"x.yaml:2: warn: ANSI colour 300 is out of range (0 to 255)"},
	}
	for _, tt := range tests {
		got, err := Parse("x.yaml", "x", []byte(tt.text))
		if err == nil {
			t.Errorf("%s: no error, theme %+v", tt.name, got)
			continue
		}
		if err.Error() != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, err, tt.want)
		}
		if got != (Theme{}) {
			t.Errorf("%s: a half-read theme came back", tt.name)
		}
	}
}

func TestLookupInErrors(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "broken.yaml", "accent: nope\n")
	write(t, dir, "ocean.yaml", "")
	_, err := LookupIn("broken", dir)
	if err == nil || !strings.HasPrefix(err.Error(), filepath.Join(dir, "broken.yaml")+":1: accent:") {
		t.Errorf("broken theme: %v", err)
	}
	_, err = LookupIn("nope", dir)
	want := `unknown theme "nope" (built-in: dark, light, high-contrast, mono; in ` + dir + `: broken, ocean)`
	if err == nil || err.Error() != want {
		t.Errorf("unknown theme:\n got %v\nwant %s", err, want)
	}
	if _, err := LookupIn("../ocean", dir); err == nil {
		t.Error("a theme name must not reach outside the directory")
	}
}

func TestLoadDir(t *testing.T) {
	if got, err := LoadDir(filepath.Join(t.TempDir(), "missing")); err != nil || len(got) != 0 {
		t.Errorf("missing dir: %v, %v", got, err)
	}
	dir := t.TempDir()
	write(t, dir, "a.yaml", "accent: 1\n")
	write(t, dir, "b.yml", "base: mono\n")
	write(t, dir, "notes.txt", "not a theme")
	got, err := LoadDir(dir)
	if err != nil || len(got) != 2 || got["a"].Accent != "1" || !got["b"].Mono {
		t.Errorf("LoadDir = %+v, %v", got, err)
	}
	write(t, dir, "c.yaml", "accent: x\n")
	write(t, dir, "a.yml", "")
	got, err = LoadDir(dir)
	if err == nil || got != nil || !strings.Contains(err.Error(), "c.yaml:1: accent:") ||
		!strings.Contains(err.Error(), `theme "a" is defined twice`) {
		t.Errorf("LoadDir with errors = %v, %v", got, err)
	}
}

func TestParseColour(t *testing.T) {
	for in, want := range map[string]string{"#AbCdEf": "#abcdef", "0": "0", "255": "255", "": "", "default": "", " 12 ": "12"} {
		if got, err := ParseColour(in); err != nil || got != want {
			t.Errorf("ParseColour(%q) = %q, %v", in, got, err)
		}
	}
	for _, in := range []string{"#abc", "-1", "red", "#gggggg", "1.5"} {
		if _, err := ParseColour(in); err == nil {
			t.Errorf("ParseColour(%q) accepted", in)
		}
	}
}
