package ui

import "charm.land/bubbles/v2/key"

// KeyMap lists every key binding; help is generated from it, so the help screen cannot drift from
// what the keys do.
type KeyMap struct {
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding
	Open, Back                              key.Binding
	Filter, Sort, SortDir, HideEnded        key.Binding
	Pause, Faster, Slower                   key.Binding
	Rejected, Help, Quit                    key.Binding
	Agents, ExportCSV, ExportJSON           key.Binding
}

// DefaultKeyMap returns the standard bindings.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Up:         key.NewBinding(key.WithKeys("k", "up"), key.WithHelp("↑/k", "up")),
		Down:       key.NewBinding(key.WithKeys("j", "down"), key.WithHelp("↓/j", "down")),
		PageUp:     key.NewBinding(key.WithKeys("pgup", "ctrl+b"), key.WithHelp("pgup", "page up")),
		PageDown:   key.NewBinding(key.WithKeys("pgdown", "ctrl+f"), key.WithHelp("pgdn", "page down")),
		Top:        key.NewBinding(key.WithKeys("g", "home"), key.WithHelp("g", "top")),
		Bottom:     key.NewBinding(key.WithKeys("G", "end"), key.WithHelp("G", "bottom")),
		Open:       key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "detail")),
		Back:       key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
		Filter:     key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		Sort:       key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "sort column")),
		SortDir:    key.NewBinding(key.WithKeys("S"), key.WithHelp("S", "flip sort")),
		HideEnded:  key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "hide/show ended")),
		Pause:      key.NewBinding(key.WithKeys("space"), key.WithHelp("space", "pause replay")),
		Faster:     key.NewBinding(key.WithKeys("+", "="), key.WithHelp("+", "faster")),
		Slower:     key.NewBinding(key.WithKeys("-"), key.WithHelp("-", "slower")),
		Rejected:   key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "rejected log")),
		Agents:     key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "agents/interactions")),
		ExportCSV:  key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "export view as CSV")),
		ExportJSON: key.NewBinding(key.WithKeys("X"), key.WithHelp("X", "export view as JSON")),
		Help:       key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Quit:       key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
	}
}

// ShortHelp is the one-line help shown in the status bar.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Open, k.Agents, k.Filter, k.Sort, k.HideEnded, k.Rejected, k.Help, k.Quit}
}

// FullHelp is the help screen's columns.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom},
		{k.Open, k.Back, k.Agents, k.Filter, k.Sort, k.SortDir, k.HideEnded},
		{k.Pause, k.Faster, k.Slower, k.ExportCSV, k.ExportJSON, k.Rejected, k.Help, k.Quit},
	}
}
