package ui

import (
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/lipgloss/v2"
)

// helpView is the full help screen opened by "?": every key from the key map (so it cannot drift
// from what the keys do) and a legend of the table's glyphs.
type helpView struct {
	c             *Common
	help          help.Model
	width, height int
}

func newHelp(c *Common) *helpView {
	h := help.New()
	st := c.Styles
	h.Styles.FullKey = st.Key
	h.Styles.FullDesc = st.KeyDesc
	h.Styles.FullSeparator = st.Dim
	h.Styles.ShortKey = st.Key
	h.Styles.ShortDesc = st.KeyDesc
	h.Styles.ShortSeparator = st.Dim
	h.FullSeparator = "    "
	return &helpView{c: c, help: h}
}

// SetSize sets the area the help screen fills.
func (h *helpView) SetSize(width, height int) {
	h.width, h.height = width, height
	h.help.SetWidth(width)
}

// ShortView is the one-line key summary.
func (h *helpView) ShortView() string { return h.help.ShortHelpView(h.c.Keys.ShortHelp()) }

// View draws the help screen in exactly height lines.
func (h *helpView) View() string {
	st := h.c.Styles
	legend := []string{
		st.Title.Render("Columns"),
		st.Dim.Render("TYPE") + "  ☎ voice  ≡ chat  @ email",
		st.Dim.Render("MUTE") + "  yes when the agent's microphone is muted",
		st.Dim.Render("REC ") + "  ● while the call is being recorded",
		st.Dim.Render("DUR ") + "  time since the interaction started; ticks while open",
		st.Changed.Render("cell") + "  a value that changed in the last 2 seconds",
		st.Ended.Render("row ") + "  an interaction that has ended",
		"",
		st.Title.Render("Filter"),
		"/ matches text in the id, parties' names and phones, numbers,",
		"  subject, service and agent; words must all match.",
	}
	body := lipgloss.JoinVertical(lipgloss.Left,
		st.Title.Render("deskwatch — keys"), "",
		h.help.FullHelpView(h.c.Keys.FullHelp()), "",
		strings.Join(legend, "\n"), "",
		st.Dim.Render("esc or ? to close"))
	return fitBlock(body, h.width, h.height)
}

// fitBlock cuts or pads a block of lines to exactly width×height cells.
func fitBlock(s string, width, height int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > height {
		lines = lines[:height]
	}
	for len(lines) < height {
		lines = append(lines, "")
	}
	for i, l := range lines {
		lines[i] = fit(l, width)
	}
	return strings.Join(lines, "\n")
}
