package ui

import (
	"image/color"

	"charm.land/lipgloss/v2"

	"github.com/deskwatch/deskwatch/model"
	"github.com/deskwatch/deskwatch/themes"
)

// Styles are the lipgloss styles every view draws with. They are built by NewStyles from a theme and
// never mutated afterwards; a theme change builds a new Styles.
type Styles struct {
	Theme themes.Theme

	Text, Dim, Accent, Bold lipgloss.Style
	Header, HeaderDim       lipgloss.Style
	ColumnHeader            lipgloss.Style
	Selected                lipgloss.Style
	Changed                 lipgloss.Style
	Alert, Warn, OK         lipgloss.Style
	Border                  lipgloss.Style
	Title                   lipgloss.Style
	Key, KeyDesc            lipgloss.Style
	Ended                   lipgloss.Style
	// Stale draws what nobody is receiving: the whole table while the source is down, and the
	// rows of a desktop the hub says is disconnected.
	Stale lipgloss.Style
	Group lipgloss.Style

	states map[model.State]lipgloss.Style
	types  map[model.Type]lipgloss.Style
	// agentStates are the timeline's cells by agent state (AgentState).
	agentStates map[model.AgentState]lipgloss.Style
}

// NewStyles builds the styles for a theme.
func NewStyles(t themes.Theme) *Styles {
	c := func(hex string) color.Color {
		if t.Mono || hex == "" {
			return lipgloss.NoColor{}
		}
		return lipgloss.Color(hex)
	}
	fg := func(hex string) lipgloss.Style { return lipgloss.NewStyle().Foreground(c(hex)) }
	s := &Styles{Theme: t}
	s.Text = fg(t.Text)
	s.Dim = fg(t.Dim).Faint(t.Mono)
	s.Accent = fg(t.Accent).Bold(t.Mono)
	s.Bold = s.Text.Bold(true)
	s.Header = lipgloss.NewStyle().Foreground(c(t.HeaderFg)).Background(c(t.HeaderBg)).Bold(true)
	s.HeaderDim = lipgloss.NewStyle().Foreground(c(t.Dim)).Background(c(t.HeaderBg))
	s.ColumnHeader = fg(t.Accent).Bold(true)
	s.Selected = lipgloss.NewStyle().Foreground(c(t.SelectedFg)).Background(c(t.SelectedBg)).Reverse(t.Mono)
	s.Changed = lipgloss.NewStyle().Background(c(t.Changed)).Underline(t.Mono)
	s.Alert = fg(t.Alert).Bold(true)
	s.Warn = fg(t.Warn)
	s.OK = fg(t.OK)
	s.Border = fg(t.Border)
	s.Title = fg(t.Accent).Bold(true)
	s.Key = fg(t.Accent).Bold(true)
	s.KeyDesc = fg(t.Dim)
	s.Ended = fg(t.Ended).Faint(t.Mono)
	s.Group = fg(t.Accent).Bold(true)
	s.Stale = fg(t.Dim).Faint(true)
	s.states = map[model.State]lipgloss.Style{
		model.StateQueued: fg(t.Queued), model.StateIVR: fg(t.IVR),
		model.StateDelivered: fg(t.Delivered), model.StateDeliveryPending: fg(t.Queued),
		model.StateHold: fg(t.Hold).Bold(t.Mono), model.StateWrapUp: fg(t.WrapUp),
		model.StateWrapUpHold: fg(t.WrapUp), model.StateCompleted: fg(t.Completed),
	}
	s.types = map[model.Type]lipgloss.Style{
		model.TypeVoice: fg(t.Voice), model.TypeChat: fg(t.Chat), model.TypeEmail: fg(t.Email),
	}
	s.agentStates = agentStateStyles(t, c)
	return s
}

// agentStateStyles are the timeline's cells: each agent state's colour from the theme's palette
// as the background (monochrome: no colour, each state has its glyph, timeline_draw.go).
func agentStateStyles(t themes.Theme, c func(string) color.Color) map[model.AgentState]lipgloss.Style {
	cell := func(hex string) lipgloss.Style {
		return lipgloss.NewStyle().Foreground(c(t.SelectedFg)).Background(c(hex))
	}
	return map[model.AgentState]lipgloss.Style{
		model.AgentReady: cell(t.OK), model.AgentBusy: cell(t.Accent), model.AgentAfterCallWork: cell(t.Hold),
		model.AgentNotReady: cell(t.Warn), model.AgentRinging: cell(t.IVR), model.AgentReserved: cell(t.Changed),
		model.AgentSupervising: cell(t.Text), model.StateLoggedOut: cell(t.Ended),
	}
}

// AgentState returns the timeline's cell style of an agent state; unknown ones get the Unknown colour.
func (s *Styles) AgentState(st model.AgentState) lipgloss.Style {
	if v, ok := s.agentStates[st]; ok {
		return v
	}
	return lipgloss.NewStyle().Foreground(s.color(s.Theme.SelectedFg)).Background(s.color(s.Theme.Unknown))
}

// State returns the style of an interaction state; unknown values get the Unknown colour.
func (s *Styles) State(st model.State) lipgloss.Style {
	if v, ok := s.states[st]; ok {
		return v
	}
	return s.Text.Foreground(s.color(s.Theme.Unknown))
}

// Type returns the style of a media type.
func (s *Styles) Type(t model.Type) lipgloss.Style {
	if v, ok := s.types[t]; ok {
		return v
	}
	return s.Text
}

func (s *Styles) color(hex string) color.Color {
	if s.Theme.Mono || hex == "" {
		return lipgloss.NoColor{}
	}
	return lipgloss.Color(hex)
}
