package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/deskwatch/deskwatch/model"
)

// helpView is the full help screen opened by "?": the keys, drawn from each pane's own key help
// (so it cannot drift from what the panes take), grouped by where they work, then the filter
// language, the commands and a legend of the table's glyphs, all wrapped to the width. It scrolls
// when the terminal is short.
type helpView struct {
	c             *Common
	scroll        cursor
	width, height int
	// sections are the panes whose keys help lists, in order, under their titles (SetSections).
	sections []helpSection
	// kpi are the floor's KPI limits, as the last frame had them.
	kpi model.KPILimits
}

// helpSection is one group of keys on the help screen: a pane (or any key map) and its title.
type helpSection struct {
	title string
	keys  help.KeyMap
}

func newHelp(c *Common) *helpView { return &helpView{c: c, kpi: model.DefaultKPILimits()} }

// SetSections sets the panes whose keys the help screen lists, in order.
func (h *helpView) SetSections(s []helpSection) { h.sections = s }

// SetSize sets the area the help screen fills.
func (h *helpView) SetSize(width, height int) {
	h.width, h.height = width, height
}

// Top scrolls back to the start.
func (h *helpView) Top() { h.scroll = cursor{} }

// Update scrolls.
func (h *helpView) Update(f *frame, msg tea.Msg) (pane, tea.Cmd) {
	h.kpi = f.snap.Floor.Limits()
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
		st.Alert.Render(alertGlyph) + "     the row is alerting (" + keyName(h.c.Keys.NextAlert) + " jumps to the next; the detail says why)",
		dim("MUTE") + "  yes when the agent's microphone is muted",
		dim("REC ") + "  ● while the call is being recorded",
		dim("DUR ") + "  time since the interaction started; ticks while open",
		st.Changed.Render("cell") + "  a value that changed in the last 2 seconds",
		st.Ended.Render("row ") + "  an interaction that has ended",
		"",
		st.Title.Render("Mouse"),
		"the wheel scrolls; a click selects a row; a click on a replay's progress bar (the status line) travels there",
		"",
		st.Title.Render("Filter  (/ or --filter; every term must match)"),
		"free text    matches id, parties' names and phones, numbers, subject, service, agent",
		"field:value  " + strings.Join(model.FilterFields(), " "),
		"             e.g. type:voice state:hold agent:jdoe service:Sales dir:in muted:yes rec:no party:Smith",
		"-term        negates: -state:completed",
		"dur>5m       compares durations (also hold<30s, dur>=1h); \"quotes\" keep spaces: party:\"Ann Lee\"",
		"",
		st.Title.Render("Commands  (:)"),
		commandHelp,
		"",
		st.Title.Render("Alerts"),
		alertRulesText(h.c.Alerts),
		"",
		st.Title.Render("KPI alerts  (the floor's figures over the last " + spanText(h.kpi.Window) + ")"),
		kpiRulesText(h.kpi),
	}
	out := append(h.keyLines(), "")
	for _, l := range legend {
		out = append(out, wrapHanging(l, h.width)...)
	}
	return out
}

// wrapLines wraps a styled line to width cells, at spaces where it can.
func wrapLines(s string, width int) []string {
	if width < 1 || ansi.StringWidth(s) <= width {
		return []string{s}
	}
	return strings.Split(ansi.Wrap(s, width, ""), "\n")
}

// wrapHanging wraps a legend line ("term  what it means", or a meaning's second line indented to
// it) with its later lines under the meaning, where the term is followed by two spaces or more and
// the meaning starts in the line's first half; any other line is wrapped as wrapLines does.
func wrapHanging(s string, width int) []string {
	plain := ansi.Strip(s)
	indent := len(plain) - len(strings.TrimLeft(plain, " "))
	if i := strings.Index(plain, "  "); indent == 0 && i > 0 {
		if j := i + len(plain[i:]) - len(strings.TrimLeft(plain[i:], " ")); j < len(plain) {
			indent = ansi.StringWidth(plain[:j])
		}
	}
	if indent == 0 || indent > width/2 || ansi.StringWidth(s) <= width {
		return wrapLines(s, width)
	}
	first := wrapLines(s, width)[0]
	rest := strings.TrimLeft(ansi.TruncateLeft(s, ansi.StringWidth(first), ""), " ")
	out := []string{strings.TrimRight(first, " ")}
	pad := strings.Repeat(" ", indent)
	for _, l := range wrapLines(rest, width-indent) {
		out = append(out, pad+l)
	}
	return out
}

// keyLines lists the keys by where they work: the keys the root takes on every screen, the keys
// that move in every list, then each pane's own. A key is listed once, in the first group that has
// it; a key the viewer's capabilities turned off is not listed.
func (h *helpView) keyLines() []string {
	k := h.c.Keys
	everywhere := keyList{k.Help, k.Back, k.Command, k.Agents, k.Timeline, k.Wall, k.Rejected}
	if h.c.Retry != nil {
		everywhere = append(everywhere, k.Retry)
	}
	if h.c.Caps.CanControlReplay { // else space is the travel keys' (freeze), + and - nothing
		pause := k.Pause // listed once: in a replay, space also ends a travel (travelHelp leaves it out)
		pause.SetHelp(k.Pause.Help().Key, k.Pause.Help().Desc+" · end a travel")
		everywhere = append(everywhere, pause, k.Faster, k.Slower)
	}
	groups := append([]helpSection{
		{"Everywhere", append(everywhere, k.Quit)},
		{"Moving (every list)", keyList(k.navigation())},
	}, h.sections...)
	seen := map[string]bool{}
	var out []string
	for _, g := range groups {
		var entries []key.Help
		for _, col := range g.keys.FullHelp() {
			for _, b := range col {
				id := b.Help().Key + " " + b.Help().Desc
				if !b.Enabled() || seen[id] {
					continue
				}
				seen[id] = true
				entries = append(entries, b.Help())
			}
		}
		if len(entries) == 0 {
			continue
		}
		if len(out) > 0 {
			out = append(out, "")
		}
		out = append(out, h.c.Styles.Title.Render(g.title))
		out = append(out, h.keyGrid(entries)...)
	}
	return out
}

// keyGrid lays out the keys and their descriptions in as many columns as the width holds, filled
// row by row, each column as wide as the widest entry; an entry wider than the width wraps.
func (h *helpView) keyGrid(entries []key.Help) []string {
	st := h.c.Styles
	keyW, descW := 0, 0
	for _, e := range entries {
		keyW, descW = max(keyW, ansi.StringWidth(e.Key)), max(descW, ansi.StringWidth(e.Desc))
	}
	const gap = 4
	cell := keyW + 1 + descW
	perRow := max((h.width+gap)/(cell+gap), 1)
	var out []string
	for i := 0; i < len(entries); i += perRow {
		var row strings.Builder
		for j, e := range entries[i:min(i+perRow, len(entries))] {
			if j > 0 {
				row.WriteString(strings.Repeat(" ", gap))
			}
			text := st.Key.Render(pad(e.Key, keyW)) + " " + st.KeyDesc.Render(e.Desc)
			if perRow > 1 {
				text = pad(text, cell)
			}
			row.WriteString(text)
		}
		// One entry too wide for the line wraps under its description.
		lines := wrapLines(row.String(), h.width)
		for n := 1; n < len(lines); n++ {
			lines[n] = strings.Repeat(" ", min(keyW+1, h.width/2)) + lines[n]
		}
		out = append(out, lines...)
	}
	return out
}

// keyList is a list of bindings as a help.KeyMap, for groups of keys no pane owns.
type keyList []key.Binding

// ShortHelp lists the bindings.
func (l keyList) ShortHelp() []key.Binding { return l }

// FullHelp lists the bindings as one column.
func (l keyList) FullHelp() [][]key.Binding { return [][]key.Binding{l} }

// alertRulesText describes the alert rules in force.
func alertRulesText(r model.AlertRules) string {
	var parts []string
	if r.Hold > 0 {
		parts = append(parts, "hold > "+model.FormatDuration(r.Hold))
	}
	if r.Queued > 0 {
		parts = append(parts, "queued > "+model.FormatDuration(r.Queued))
	}
	if r.Muted > 0 {
		parts = append(parts, "muted > "+model.FormatDuration(r.Muted)+" while delivered")
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

// kpiRulesText lists the KPI alert limits (model.KPILimits' alert ones; the warn ones only colour).
func kpiRulesText(l model.KPILimits) string {
	var parts []string
	if l.ServiceLevelAlert > 0 {
		parts = append(parts, fmt.Sprintf("a service's level under %g%%", l.ServiceLevelAlert))
	}
	if l.LongestWaitAlert > 0 {
		parts = append(parts, "a service's longest wait over "+model.FormatDuration(l.LongestWaitAlert))
	}
	if l.NotReadyAlert > 0 {
		parts = append(parts, "an agent not ready over "+model.FormatDuration(l.NotReadyAlert))
	}
	if len(parts) == 0 {
		return "none (the configuration turned every KPI alert off)"
	}
	return strings.Join(parts, " · ")
}

// View draws the help screen in exactly height lines: a title line and the scrolled text.
func (h *helpView) View(f *frame) string {
	h.kpi = f.snap.Floor.Limits()
	st := h.c.Styles
	lines := h.lines()
	page := h.page()
	h.scroll.clampScroll(len(lines), page)
	first := h.scroll.offset
	last := min(first+page, len(lines))
	// The title in the longest form that fits: on a narrow screen the program's name goes, then
	// the words around the keys, so that the scroll position stays whole.
	var title string
	back, help := keyName(h.c.Keys.Back), keyName(h.c.Keys.Help) // as the configuration binds them
	for _, t := range [][3]string{{"deskwatch — help", "  " + back + " or " + help + " to close", "  ·  ↑/↓ scroll  "},
		{"help", "  " + back + " or " + help + " to close", "  ·  ↑/↓ scroll  "},
		{"help", "  " + back + "/" + help + " close", "  ↑/↓ "}} {
		title = st.Title.Render(t[0]) + st.Dim.Render(t[1])
		if len(lines) > page {
			title += st.Dim.Render(t[2] + scrollPos(first, last, len(lines)))
		}
		if ansi.StringWidth(title) <= h.width {
			break
		}
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
