package themes

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/deskwatch/deskwatch/internal/yamldoc"
)

// A user theme is a YAML file NAME.yaml in the themes directory ($XDG_CONFIG_HOME/deskwatch/themes).
// It starts from a built-in theme, "base" (the built-in of the same name, else dark), and overrides
// it field by field:
//
//	base: dark
//	accent: "#ff8800"   # quote hex colours: in YAML an unquoted # starts a comment
//	header_bg: 236      # or an ANSI colour number, 0 to 255
//	hold: ""            # or the terminal's default colour
//
// Errors name the file, the line and the field, and a file with an error gives no theme at all.

// colourFields lists the colour fields of a theme file in the order of the Theme struct.
var colourFields = []string{"text", "dim", "accent", "border", "header_fg", "header_bg",
	"selected_fg", "selected_bg", "changed", "alert", "warn", "ok", "queued", "ivr", "delivered",
	"hold", "wrap_up", "completed", "ended", "unknown", "voice", "chat", "email"}

// colour returns the Theme field a colour field name stands for.
func (t *Theme) colour(name string) *string {
	fields := []*string{&t.Text, &t.Dim, &t.Accent, &t.Border, &t.HeaderFg, &t.HeaderBg,
		&t.SelectedFg, &t.SelectedBg, &t.Changed, &t.Alert, &t.Warn, &t.OK, &t.Queued, &t.IVR,
		&t.Delivered, &t.Hold, &t.WrapUp, &t.Completed, &t.Ended, &t.Unknown, &t.Voice, &t.Chat, &t.Email}
	if i := slices.Index(colourFields, name); i >= 0 {
		return fields[i]
	}
	return nil
}

// Fields lists every field a theme file may set.
func Fields() []string { return append([]string{"base", "dark", "mono"}, colourFields...) }

var hexColour = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// ParseColour checks a colour as a theme or configuration file gives it: "#rrggbb", an ANSI colour
// number from 0 to 255, or "" (or "default") for the terminal's own colour. It returns the colour
// in the form Theme holds it.
func ParseColour(s string) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "" || strings.EqualFold(s, "default"):
		return "", nil
	case hexColour.MatchString(s):
		return strings.ToLower(s), nil
	}
	if n, err := strconv.Atoi(s); err == nil {
		if n < 0 || n > 255 {
			return "", fmt.Errorf("ANSI colour %d is out of range (0 to 255)", n)
		}
		return strconv.Itoa(n), nil
	}
	return "", fmt.Errorf("%q is not a colour (want \"#rrggbb\", an ANSI number 0 to 255, or \"\" for the terminal's)", s)
}

// LoadFile reads one user theme; its name is the file's name without the extension.
func LoadFile(path string) (Theme, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Theme{}, fmt.Errorf("theme: %w", err)
	}
	name := strings.TrimSuffix(strings.TrimSuffix(filepath.Base(path), ".yaml"), ".yml")
	return Parse(path, name, data)
}

// Parse reads a user theme from data; path is only used in error messages.
func Parse(path, name string, data []byte) (Theme, error) {
	root, err := yamldoc.DecodeOne(path, data, "a theme")
	if err != nil {
		return Theme{}, err
	}
	base, ok := lookupBuiltin(name)
	if !ok {
		base = Dark
	}
	if root == nil {
		base.Name = name
		return base, nil
	}
	if root.Kind != yaml.MappingNode {
		return Theme{}, fmt.Errorf("%s:%d: a theme is a mapping of fields (%s)", path, root.Line,
			strings.Join(Fields(), ", "))
	}
	var errs []error
	fail := func(n *yaml.Node, field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s:%d: %s: %s", path, n.Line, field, fmt.Sprintf(format, args...)))
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k := root.Content[i]
		if seen[k.Value] {
			fail(k, k.Value, "set twice")
		}
		seen[k.Value] = true
		if k.Value == "base" {
			b, ok := lookupBuiltin(scalar(root.Content[i+1]))
			if !ok {
				fail(root.Content[i+1], "base", "unknown theme %q (built-in: %s)", scalar(root.Content[i+1]),
					strings.Join(Names(), ", "))
			}
			base = b
		}
	}
	t := base
	t.Name = name
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], yamldoc.Deref(root.Content[i+1])
		switch {
		case k.Value == "base":
		case k.Value == "dark" || k.Value == "mono":
			b, err := boolValue(v)
			if err != nil {
				fail(v, k.Value, "%v", err)
			} else if k.Value == "dark" {
				t.Dark = b
			} else {
				t.Mono = b
			}
		case t.colour(k.Value) != nil:
			if v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
				fail(v, k.Value, `no colour: write "#rrggbb" in quotes (an unquoted # starts a YAML comment), `+
					`an ANSI number 0 to 255, or "" for the terminal's`)
				continue
			}
			c, err := ParseColour(v.Value)
			if err != nil {
				fail(v, k.Value, "%v", err)
				continue
			}
			*t.colour(k.Value) = c
		default:
			fail(k, k.Value, "unknown field (fields: %s)", strings.Join(Fields(), ", "))
		}
	}
	if len(errs) > 0 {
		return Theme{}, errors.Join(errs...)
	}
	return t, nil
}

// LoadDir reads every *.yaml and *.yml theme in dir. A missing directory holds no themes; any
// invalid file is an error (all of them are reported) and no themes are returned.
func LoadDir(dir string) (map[string]Theme, error) {
	out := map[string]Theme{}
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return out, nil
	}
	if err != nil {
		return nil, fmt.Errorf("themes: %w", err)
	}
	var errs []error
	for _, e := range entries {
		ext := filepath.Ext(e.Name())
		if e.IsDir() || (ext != ".yaml" && ext != ".yml") {
			continue
		}
		t, err := LoadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if _, dup := out[t.Name]; dup {
			errs = append(errs, fmt.Errorf("%s: theme %q is defined twice (.yaml and .yml)",
				filepath.Join(dir, e.Name()), t.Name))
		}
		out[t.Name] = t
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

// LookupIn finds a theme by name: the user's NAME.yaml (or .yml) in dir when there is one, else a
// built-in theme (see Lookup). dir may be "" for built-in themes only. A user theme with an error
// is an error, not a silent fall back to the built-in one.
func LookupIn(name, dir string) (Theme, error) {
	canon := canonicalName(name)
	if dir != "" && validFileName(canon) {
		for _, ext := range []string{".yaml", ".yml"} {
			path := filepath.Join(dir, canon+ext)
			if _, err := os.Stat(path); err == nil {
				return LoadFile(path)
			}
		}
	}
	if t, ok := lookupBuiltin(canon); ok {
		return t, nil
	}
	msg := fmt.Sprintf("unknown theme %q (built-in: %s", name, strings.Join(Names(), ", "))
	if user := userNames(dir); len(user) > 0 {
		msg += "; in " + dir + ": " + strings.Join(user, ", ")
	}
	return Theme{}, errors.New(msg + ")")
}

// canonicalName resolves the aliases of the built-in names ("monochrome" and "none" for mono, "" and "default" for dark).
func canonicalName(name string) string {
	switch n := strings.ToLower(strings.TrimSpace(name)); n {
	case "monochrome", "none", "no-color":
		return Mono.Name
	case "", "default":
		return Dark.Name
	default:
		return n
	}
}

func lookupBuiltin(name string) (Theme, bool) {
	n := canonicalName(name)
	i := slices.IndexFunc(Builtin, func(t Theme) bool { return t.Name == n })
	if i < 0 {
		return Theme{}, false
	}
	return Builtin[i], true
}

// validFileName keeps a theme name from reaching outside the themes directory.
func validFileName(name string) bool {
	return name != "" && !strings.HasPrefix(name, ".") && !strings.ContainsAny(name, `/\`) &&
		filepath.Base(name) == name
}

func userNames(dir string) []string {
	if dir == "" {
		return nil
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		if ext := filepath.Ext(e.Name()); !e.IsDir() && (ext == ".yaml" || ext == ".yml") {
			names = append(names, strings.TrimSuffix(e.Name(), ext))
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

func scalar(n *yaml.Node) string { return yamldoc.Deref(n).Value }

func boolValue(n *yaml.Node) (bool, error) {
	if n.Kind == yaml.ScalarNode {
		if b, ok := yamldoc.ParseBool(n.Value); ok {
			return b, nil
		}
	}
	return false, fmt.Errorf("%q is not true or false", n.Value)
}
