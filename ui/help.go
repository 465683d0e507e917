package ui

import (
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/deskwatch/deskwatch/model"
)

// helpView is the full help screen opened by "?": every key from the key map (so it cannot drift
// from what the keys do), the filter language, the commands and a legend of the table's glyphs.
// It scrolls when the terminal is short.
type helpView struct {
	c             *Common
	help          help.Model
	scroll        cursor
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
	// The help model draws at its natural width; keyLines decides how the columns fit.
	h.width, h.height = width, height
}

// Top scrolls back to the start.
func (h *helpView) Top() { h.scroll = cursor{} }

// Update scrolls.
func (h *helpView) Update(_ *frame, msg tea.Msg) (pane, tea.Cmd) {
	h.scroll.scroll(msg, h.c.Keys, len(h.lines()), h.page())
	return h, nil
}

// ShortHelp lists the help screen's main keys.
func (h *helpView) ShortHelp() []key.Binding { return []key.Binding{h.c.Keys.Back, h.c.Keys.Help} }

// FullHelp lists every key the help screen takes.
func (h *helpView) FullHelp() [][]key.Binding {
	return [][]key.Binding{append(h.c.Keys.navigation(), h.c.Keys.Back, h.c.Keys.Help)}
}

// stamp is empty: nothing in help changes with the store.
func (h *helpView) stamp(*frame) []lineID { return []lineID{} }

func (h *helpView) page() int { return max(h.height-1, 1) }

// lines is the help text, one entry per line.
func (h *helpView) lines() []string {
	st := h.c.Styles
	dim := st.Dim.Render
	legend := []string{
		st.Title.Render("Columns"),
		dim("TYPE") + "  ☎ voice  ≡ chat  @ email",
		st.Alert.Render(alertGlyph) + "     the row is alerting (n jumps to the next; the detail says why)",
		dim("MUTE") + "  yes when the agent's microphone is muted",
		dim("REC ") + "  ● while the call is being recorded",
		dim("DUR ") + "  time since the interaction started; ticks while open",
		st.Changed.Render("cell") + "  a value that changed in the last 2 seconds",
		st.Ended.Render("row ") + "  an interaction that has ended",
		"",
		st.Title.Render("Filter  (/ or --filter; every term must match)"),
		"free text   matches id, parties' names and phones, numbers, subject, service, agent",
		"field:value " + strings.Join(model.FilterFields(), " "),
		"            e.g. type:voice state:hold agent:jdoe service:Sales dir:in muted:yes rec:no party:Smith",
		"-term       negates: -state:completed",
		"dur>5m      compares durations (also hold<30s, dur>=1h); \"quotes\" keep spaces: party:\"Ann Lee\"",
		"",
		st.Title.Render("Commands  (:)"),
		commandHelp,
		"",
		st.Title.Render("Alerts"),
		alertRulesText(h.c.Alerts),
	}
	return append(append(h.keyLines(), ""), legend...)
}

// keyLines lays the key columns side by side, as many as fit the width, the rest below.
func (h *helpView) keyLines() []string {
	var out []string
	var row [][]key.Binding
	flush := func() {
		if len(row) > 0 {
			if len(out) > 0 {
				out = append(out, "")
			}
			out = append(out, strings.Split(h.help.FullHelpView(row), "\n")...)
			row = nil
		}
	}
	for _, col := range h.c.Keys.FullHelp() {
		if len(row) > 0 && lipgloss.Width(h.help.FullHelpView(append(row, col))) > h.width {
			flush()
		}
		row = append(row, col)
	}
	flush()
	return out
}

// alertRulesText describes the alert rules in force.
func alertRulesText(r model.AlertRules) string {
	var parts []string
	if r.Hold > 0 {
		parts = append(parts, "hold > "+fmtDuration(r.Hold))
	}
	if r.Queued > 0 {
		parts = append(parts, "queued > "+fmtDuration(r.Queued))
	}
	if r.Muted > 0 {
		parts = append(parts, "muted > "+fmtDuration(r.Muted)+" while delivered")
	}
	if r.NotRecording {
		parts = append(parts, "delivered voice call not recording")
	}
	if r.AudioQuality {
		parts = append(parts, "audio-quality alert")
	}
	if r.ServerError {
		parts = append(parts, "server error")
	}
	if r.EventsLost {
		parts = append(parts, "events lost")
	}
	if len(parts) == 0 {
		return "none (the configuration turned every rule off)"
	}
	return strings.Join(parts, " · ")
}

// View draws the help screen in exactly height lines: a title line and the scrolled text.
func (h *helpView) View(*frame) string {
	st := h.c.Styles
	lines := h.lines()
	page := h.page()
	h.scroll.clampScroll(len(lines), page)
	first := h.scroll.offset
	last := min(first+page, len(lines))
	title := st.Title.Render("deskwatch — help") + st.Dim.Render("  esc or ? to close")
	if len(lines) > page {
		title += st.Dim.Render("  ·  ↑/↓ scroll  " + scrollPos(first, last, len(lines)))
	}
	out := append([]string{title}, lines[first:last]...)
	return fitBlock(strings.Join(out, "\n"), h.width, h.height)
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
