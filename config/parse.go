package config

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"gopkg.in/yaml.v3"

	"github.com/deskwatch/deskwatch/internal/yamldoc"
	"github.com/deskwatch/deskwatch/model"
	"github.com/deskwatch/deskwatch/themes"
)

var (
	topFields   = []string{"theme", "columns", "retention", "filter", "alerts", "kpi", "keys"}
	alertFields = []string{"hold", "queued", "muted", "recent", "not_recording", "audio_quality",
		"server_error", "events_lost", "bell"}
)

// parser walks the YAML tree of one file, collecting every error with its line and field.
type parser struct {
	path string
	errs []error
}

func (p *parser) fail(n *yaml.Node, field, format string, args ...any) {
	p.errs = append(p.errs, fmt.Errorf("%s:%d: %s: %s", p.path, n.Line, field, fmt.Sprintf(format, args...)))
}

// Parse reads a configuration from data. path names the file in errors; themesDir is where user
// themes are looked up. Every field is optional; a field with a null value keeps its default.
// Unknown fields, values of the wrong kind and invalid values are errors, all of them reported,
// and then no configuration is returned.
func Parse(path string, data []byte, themesDir string) (Config, error) {
	root, err := yamldoc.DecodeOne(path, data, "the configuration")
	if err != nil {
		return Config{}, err
	}
	c := Default()
	if root == nil {
		return c, nil
	}
	p := &parser{path: path}
	p.mapping(root, "", topFields, func(key string, k, v *yaml.Node) {
		switch key {
		case "theme":
			p.theme(v, themesDir, &c)
		case "columns":
			p.columns(v, &c)
		case "retention":
			if n, ok := p.integer(v, "retention"); ok {
				if n < 1 {
					p.fail(v, "retention", "%d: keep at least 1 ended interaction", n)
				}
				c.Retention = n
			}
		case "filter":
			if s, ok := p.str(v, "filter"); ok {
				if _, err := model.ParseFilter(s); err != nil {
					p.fail(v, "filter", "%v", err)
				}
				c.Filter = strings.TrimSpace(s)
			}
		case "alerts":
			p.alerts(v, &c)
		case "kpi":
			p.kpi(v, &c)
		case "keys":
			p.keys(v, &c)
		}
	})
	if len(p.errs) > 0 {
		return Config{}, errors.Join(p.errs...)
	}
	return c, nil
}

// mapping checks that n is a mapping with known, distinct keys and calls fn for each key whose
// value is not null. prefix is the dotted path of n ("" at the top).
func (p *parser) mapping(n *yaml.Node, prefix string, known []string, fn func(key string, k, v *yaml.Node)) {
	name := strings.TrimSuffix(prefix, ".")
	if n.Kind != yaml.MappingNode {
		if name == "" {
			p.errs = append(p.errs, fmt.Errorf("%s:%d: the configuration is a mapping of fields (%s)",
				p.path, n.Line, strings.Join(known, ", ")))
			return
		}
		p.fail(n, name, "want a mapping of fields (%s)", strings.Join(known, ", "))
		return
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], yamldoc.Deref(n.Content[i+1])
		field := prefix + k.Value
		if !slices.Contains(known, k.Value) {
			what := "fields"
			if name != "" {
				what = name + " fields"
			}
			p.fail(k, field, "unknown field (%s: %s)", what, strings.Join(known, ", "))
			continue
		}
		if line, dup := seen[k.Value]; dup {
			p.fail(k, field, "set twice (first on line %d)", line)
			continue
		}
		seen[k.Value] = k.Line
		if v.Kind == yaml.ScalarNode && v.Tag == "!!null" {
			continue
		}
		fn(k.Value, k, v)
	}
}

func (p *parser) theme(v *yaml.Node, dir string, c *Config) {
	name, ok := p.str(v, "theme")
	if !ok {
		return
	}
	t, err := themes.LookupIn(name, dir)
	if err != nil {
		p.fail(v, "theme", "%v", err)
		return
	}
	c.Theme, c.Palette = strings.TrimSpace(name), t
}

func (p *parser) columns(v *yaml.Node, c *Config) {
	if v.Kind != yaml.SequenceNode {
		p.fail(v, "columns", "want a list of column names, e.g. [type, state, dur] (columns: %s)",
			strings.Join(model.ColumnNames(), ", "))
		return
	}
	if len(v.Content) == 0 {
		p.fail(v, "columns", "no columns: list at least one (columns: %s)", strings.Join(model.ColumnNames(), ", "))
		return
	}
	var cols []string
	for _, item := range v.Content {
		name, ok := p.str(yamldoc.Deref(item), "columns")
		if !ok {
			continue
		}
		name = strings.ToLower(strings.TrimSpace(name))
		switch {
		case !slices.Contains(model.ColumnNames(), name):
			p.fail(item, "columns", "unknown column %q (columns: %s)", name, strings.Join(model.ColumnNames(), ", "))
		case slices.Contains(cols, name):
			p.fail(item, "columns", "column %q is listed twice", name)
		default:
			cols = append(cols, name)
		}
	}
	c.Columns = cols
}

func (p *parser) alerts(v *yaml.Node, c *Config) {
	a := &c.Alerts
	p.mapping(v, "alerts.", alertFields, func(key string, _, v *yaml.Node) {
		field := "alerts." + key
		durations := map[string]*time.Duration{"hold": &a.Hold, "queued": &a.Queued, "muted": &a.Muted,
			"recent": &a.Recent}
		bools := map[string]*bool{"not_recording": &a.NotRecording, "audio_quality": &a.AudioQuality,
			"server_error": &a.ServerError, "events_lost": &a.EventsLost, "bell": &c.Bell}
		if d := durations[key]; d != nil {
			if got, ok := p.duration(v, field); ok {
				*d = got
			}
		} else if b, ok := p.boolean(v, field); ok {
			*bools[key] = b
		}
	})
}

func (p *parser) keys(v *yaml.Node, c *Config) {
	bound := map[string]string{} // key → the action it was given to
	keys := map[string][]string{}
	p.mapping(v, "keys.", Actions, func(action string, _, v *yaml.Node) {
		field := "keys." + action
		items := []*yaml.Node{v}
		if v.Kind == yaml.SequenceNode {
			items = v.Content
		}
		if len(items) == 0 {
			p.fail(v, field, "no keys: give at least one, e.g. [q, ctrl+c]")
			return
		}
		for _, item := range items {
			k, ok := p.str(yamldoc.Deref(item), field)
			if !ok {
				continue
			}
			switch other, dup := bound[k]; {
			case k == "" || strings.ContainsFunc(k, unicode.IsSpace) || !validKey(k):
				p.fail(item, field, "%q is not a key (write keys as q, G, ctrl+c, shift+tab, f5, space, enter, esc: "+
					"modifiers in the order ctrl, alt, shift)", k)
			case dup:
				p.fail(item, field, "key %q is already bound to keys.%s", k, other)
			default:
				bound[k] = action
				keys[action] = append(keys[action], k)
			}
		}
	})
	if len(keys) > 0 {
		c.Keys, c.KeysLine = keys, v.Line
	}
}

// str reads a scalar as a string.
func (p *parser) str(v *yaml.Node, field string) (string, bool) {
	if v.Kind != yaml.ScalarNode {
		p.fail(v, field, "want a single value, not a %s", kindName(v))
		return "", false
	}
	return v.Value, true
}

func (p *parser) integer(v *yaml.Node, field string) (int, bool) {
	s, ok := p.str(v, field)
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		p.fail(v, field, "%q is not a whole number", s)
		return 0, false
	}
	return n, true
}

// duration reads a Go duration such as "60s", "2m" or "1h30m"; 0 or off turn a rule off.
func (p *parser) duration(v *yaml.Node, field string) (time.Duration, bool) {
	s, ok := p.str(v, field)
	if !ok {
		return 0, false
	}
	s = strings.TrimSpace(s)
	if s == "0" || strings.EqualFold(s, "off") {
		return 0, true
	}
	d, err := time.ParseDuration(s)
	switch {
	case err == nil && d >= 0:
		return d, true
	case err == nil:
		p.fail(v, field, "%q is negative", s)
	case isDigits(s):
		p.fail(v, field, "%q is not a duration (write %ss, or %sm)", s, s, s)
	default:
		p.fail(v, field, "%q is not a duration (e.g. 30s, 2m, 1h30m, or 0 for off)", s)
	}
	return 0, false
}

func (p *parser) boolean(v *yaml.Node, field string) (bool, bool) {
	s, ok := p.str(v, field)
	if !ok {
		return false, false
	}
	if b, ok := yamldoc.ParseBool(s); ok {
		return b, true
	}
	p.fail(v, field, "%q is not true or false", s)
	return false, false
}

func isDigits(s string) bool {
	return s != "" && strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' }) < 0
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "list"
	case yaml.MappingNode:
		return "mapping"
	}
	return "value"
}
