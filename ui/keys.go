package ui

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
)

// KeyMap lists every key binding; help is generated from it, so the help screen cannot drift from
// what the keys do.
type KeyMap struct {
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding
	Open, Back, Follow                      key.Binding
	Filter, Command                         key.Binding
	Sort, SortPrev, SortDir, HideEnded      key.Binding
	Group, Fold, FoldAll                    key.Binding
	NextAlert, PrevAlert                    key.Binding
	Pause, Faster, Slower, Retry            key.Binding
	Rejected, Help, Quit                    key.Binding
	Agents, Describe, ExportCSV, ExportJSON key.Binding
	// The floor's views (issue 14): the statistics' window, the state timeline, the wallboard,
	// and moving the timeline's cursor in time.
	Window, Timeline, Wall, Left, Right key.Binding
	// The timeline's zoom: a shorter or a longer span of time across the width.
	ZoomIn, ZoomOut key.Binding
	// Time travel (issue 15, ui/travel.go): one event back or forward, 10 s and 1 min of event
	// time back or forward.
	EventPrev, EventNext, Back10s, Forward10s, Back1m, Forward1m key.Binding
}

// DefaultKeyMap returns the standard bindings.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Up:         key.NewBinding(key.WithKeys("k", "up"), key.WithHelp("↑/k", "up")),
		Down:       key.NewBinding(key.WithKeys("j", "down"), key.WithHelp("↓/j", "down")),
		PageUp:     key.NewBinding(key.WithKeys("pgup", "ctrl+b"), key.WithHelp("pgup/ctrl+b", "page up")),
		PageDown:   key.NewBinding(key.WithKeys("pgdown", "ctrl+f"), key.WithHelp("pgdn/ctrl+f", "page down")),
		Top:        key.NewBinding(key.WithKeys("g", "home"), key.WithHelp("g/home", "top")),
		Bottom:     key.NewBinding(key.WithKeys("G", "end"), key.WithHelp("G/end", "bottom")),
		Open:       key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "detail / fold / its interactions / wrap log")),
		Back:       key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
		Follow:     key.NewBinding(key.WithKeys("f"), key.WithHelp("f", "follow this row (pin)")),
		Filter:     key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		Command:    key.NewBinding(key.WithKeys(":"), key.WithHelp(":", "command (:agents, :sort dur)")),
		Sort:       key.NewBinding(key.WithKeys("s", ">"), key.WithHelp("s/>", "sort by next column")),
		SortPrev:   key.NewBinding(key.WithKeys("<"), key.WithHelp("<", "sort by previous column")),
		SortDir:    key.NewBinding(key.WithKeys("S"), key.WithHelp("S", "flip sort")),
		HideEnded:  key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "hide/show ended")),
		Group:      key.NewBinding(key.WithKeys("b"), key.WithHelp("b", "group by agent/service/…")),
		Fold:       key.NewBinding(key.WithKeys("z"), key.WithHelp("z", "fold/unfold group")),
		FoldAll:    key.NewBinding(key.WithKeys("Z"), key.WithHelp("Z", "fold/unfold all")),
		NextAlert:  key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "next alert")),
		PrevAlert:  key.NewBinding(key.WithKeys("N"), key.WithHelp("N", "previous alert")),
		Pause:      key.NewBinding(key.WithKeys("space"), key.WithHelp("space", "pause replay")),
		Faster:     key.NewBinding(key.WithKeys("+", "="), key.WithHelp("+/=", "faster")),
		Slower:     key.NewBinding(key.WithKeys("-"), key.WithHelp("-", "slower")),
		Retry:      key.NewBinding(key.WithKeys("R"), key.WithHelp("R", "reconnect now (a live source that is down)")),
		Rejected:   key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "rejected log")),
		Agents:     key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "agents → services → interactions")),
		Describe:   key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "agent detail (agents view)")),
		ExportCSV:  key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "export view as CSV")),
		ExportJSON: key.NewBinding(key.WithKeys("X"), key.WithHelp("X", "export view as JSON")),
		Help:       key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Window:     key.NewBinding(key.WithKeys("w"), key.WithHelp("w", "figures: last 15m / since start")),
		Timeline:   key.NewBinding(key.WithKeys("T"), key.WithHelp("T", "agent state timeline")),
		Wall:       key.NewBinding(key.WithKeys("W"), key.WithHelp("W", "wallboard")),
		Left:       key.NewBinding(key.WithKeys("h", "left"), key.WithHelp("←/h", "earlier")),
		Right:      key.NewBinding(key.WithKeys("l", "right"), key.WithHelp("→/l", "later")),
		Quit:       key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
		ZoomIn:     key.NewBinding(key.WithKeys("["), key.WithHelp("[", "timeline: shorter span")),
		ZoomOut:    key.NewBinding(key.WithKeys("]"), key.WithHelp("]", "timeline: longer span")),
		EventPrev:  key.NewBinding(key.WithKeys(","), key.WithHelp(",", "travel: one event back")),
		EventNext:  key.NewBinding(key.WithKeys("."), key.WithHelp(".", "travel: one event forward")),
		Back10s:    key.NewBinding(key.WithKeys("{"), key.WithHelp("{", "travel: 10 s back")),
		Forward10s: key.NewBinding(key.WithKeys("}"), key.WithHelp("}", "travel: 10 s forward")),
		Back1m:     key.NewBinding(key.WithKeys("("), key.WithHelp("(", "travel: 1 min back")),
		Forward1m:  key.NewBinding(key.WithKeys(")"), key.WithHelp(")", "travel: 1 min forward")),
	}
}

// actions names each binding as the configuration's keys setting does (config.Actions).
func (k *KeyMap) actions() map[string]*key.Binding {
	return map[string]*key.Binding{
		"up": &k.Up, "down": &k.Down, "page_up": &k.PageUp, "page_down": &k.PageDown,
		"top": &k.Top, "bottom": &k.Bottom, "open": &k.Open, "back": &k.Back, "follow": &k.Follow,
		"filter": &k.Filter, "command": &k.Command, "sort": &k.Sort, "sort_prev": &k.SortPrev,
		"sort_dir": &k.SortDir, "hide_ended": &k.HideEnded, "group": &k.Group, "fold": &k.Fold,
		"fold_all": &k.FoldAll, "next_alert": &k.NextAlert, "prev_alert": &k.PrevAlert,
		"pause": &k.Pause, "faster": &k.Faster, "slower": &k.Slower, "retry": &k.Retry, "rejected": &k.Rejected,
		"agents": &k.Agents, "describe": &k.Describe, "export_csv": &k.ExportCSV, "export_json": &k.ExportJSON,
		"help": &k.Help, "quit": &k.Quit, "window": &k.Window, "timeline": &k.Timeline, "wall": &k.Wall,
		"left": &k.Left, "right": &k.Right, "zoom_in": &k.ZoomIn, "zoom_out": &k.ZoomOut,
		"event_prev": &k.EventPrev, "event_next": &k.EventNext, "back_10s": &k.Back10s,
		"forward_10s": &k.Forward10s, "back_1m": &k.Back1m, "forward_1m": &k.Forward1m,
	}
}

// Actions lists the names of the actions keys can be remapped for, sorted.
func Actions() []string {
	var k KeyMap
	return slices.Sorted(maps.Keys(k.actions()))
}

// NewKeyMap returns the default bindings with remap applied: each named action gets exactly the
// keys given. A remapped key leaves the action it was bound to by default, so no key means two
// things; an action left without any key is an error.
func NewKeyMap(remap map[string][]string) (KeyMap, error) {
	k := DefaultKeyMap()
	if len(remap) == 0 {
		return k, nil
	}
	byName := k.actions()
	taken := map[string]string{}
	for _, action := range slices.Sorted(maps.Keys(remap)) {
		b, ok := byName[action]
		if !ok {
			return KeyMap{}, fmt.Errorf("keys.%s: unknown action (actions: %s)", action,
				strings.Join(Actions(), ", "))
		}
		keys := remap[action]
		if len(keys) == 0 {
			return KeyMap{}, fmt.Errorf("keys.%s: no keys", action)
		}
		for _, kk := range keys {
			if other, dup := taken[kk]; dup {
				return KeyMap{}, fmt.Errorf("keys.%s: %q is already bound to keys.%s", action, kk, other)
			}
			taken[kk] = action
		}
		b.SetKeys(keys...)
		b.SetHelp(keyLabel(keys), b.Help().Desc)
	}
	for _, action := range Actions() {
		if _, remapped := remap[action]; remapped {
			continue
		}
		b := byName[action]
		left := slices.DeleteFunc(slices.Clone(b.Keys()), func(kk string) bool { _, t := taken[kk]; return t })
		switch {
		case len(left) == 0:
			return KeyMap{}, fmt.Errorf("keys: %s leaves %s without a key; give keys.%s a key too",
				keyLabel(b.Keys()), action, action)
		case len(left) < len(b.Keys()):
			b.SetKeys(left...)
			b.SetHelp(keyLabel(left), b.Help().Desc)
		}
	}
	return k, nil
}

// keyLabel is how help shows a binding's keys: the first two, arrows as glyphs.
func keyLabel(keys []string) string {
	glyph := map[string]string{"up": "↑", "down": "↓", "left": "←", "right": "→", "pgdown": "pgdn"}
	var out []string
	for _, k := range keys[:min(len(keys), 2)] {
		if g, ok := glyph[k]; ok {
			k = g
		}
		out = append(out, k)
	}
	return strings.Join(out, "/")
}

// keyName is how a hint names a binding: its first key, as help shows keys, so that a hint names
// the key the configuration bound ("? help" said ? with help remapped to f1).
func keyName(b key.Binding) string {
	if k := b.Keys(); len(k) > 0 {
		return keyLabel(k[:1])
	}
	return ""
}

// ShortHelp is the most used keys, as bubbles' help.KeyMap asks (the panes list their own for the
// help screen; this is the whole map's short form).
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Open, k.Agents, k.Filter, k.Sort, k.Group, k.NextAlert, k.Help, k.Quit}
}

// FullHelp is every binding, in columns, as bubbles' help.KeyMap asks: the whole map, which the
// tests hold the panes' own help to (the help screen itself is built from the panes).
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom, k.Open, k.Follow, k.Back, k.Agents, k.Describe,
			k.Window},
		{k.Filter, k.Command, k.Sort, k.SortPrev, k.SortDir, k.HideEnded, k.Group, k.Fold, k.FoldAll},
		{k.NextAlert, k.PrevAlert, k.Pause, k.Faster, k.Slower, k.Retry, k.ExportCSV, k.ExportJSON, k.Rejected,
			k.Help, k.Quit},
		{k.Timeline, k.Left, k.Right, k.ZoomIn, k.ZoomOut, k.Wall},
		{k.EventPrev, k.EventNext, k.Back10s, k.Forward10s, k.Back1m, k.Forward1m},
	}
}

// navigation is the keys every pane's cursor moves with, for the panes' own help.
func (k KeyMap) navigation() []key.Binding {
	return []key.Binding{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom}
}

// noKeys is embedded by the panes that take no keys of their own (the header, the status line and
// the prompts, whose keys are typed text): their help is empty.
type noKeys struct{}

// ShortHelp lists no keys.
func (noKeys) ShortHelp() []key.Binding { return nil }

// FullHelp lists no keys.
func (noKeys) FullHelp() [][]key.Binding { return nil }
