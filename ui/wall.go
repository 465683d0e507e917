package ui

import (
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/deskwatch/deskwatch/export"
	"github.com/deskwatch/deskwatch/model"
)

// wallView is the wallboard (issue 14): the floor's figures as big tiles in block digits, a line per
// service below them as room allows, for a screen on the wall. It is redrawn every second, so it
// keeps the block digits it drew last (the figures are the frame's, shared with the other panes).
type wallView struct {
	c             *Common
	width, height int
	// digits caches drawn figures by size and text (bounded: cleared when full).
	digits map[digitKey][]string
}

// digitKey names a drawn figure: its size, its text and the room it had.
type digitKey struct {
	z    digitSize
	text string
	room int
}

// maxDigitCache bounds the drawn-figure cache: a wall shows a few dozen figures at once.
const maxDigitCache = 256

// floorNote says what the figures cover, from the longest form to the shortest.
var floorNote = []string{"figures cover the agents whose desktops send events",
	"covers agents whose desktops send events", "desktops sending events"}

func newWall(c *Common) *wallView { return &wallView{c: c, digits: map[digitKey][]string{}} }

// SetSize sets the area: a title line, the tiles and the services.
func (w *wallView) SetSize(width, height int) { w.width, w.height = width, max(height, 1) }

// Update switches the figures' window with the window key.
func (w *wallView) Update(f *frame, msg tea.Msg) (pane, tea.Cmd) {
	if k, ok := msg.(tea.KeyPressMsg); ok && key.Matches(k, w.c.Keys.Window) {
		f.view.floorWindow = nextWindow(f.view.floorWindow)
	}
	return w, nil
}

// nextWindow is the other window of the two.
func nextWindow(win model.FloorWindow) model.FloorWindow {
	if win == model.Rolling {
		return model.SinceStart
	}
	return model.Rolling
}

// wallStamp is what the wallboard says it shows, whatever the store holds: a store change never
// redraws it, the once-a-second tick does (a busy live stream would otherwise recompute the floor's
// figures dozens of times a second for a board read from across the room).
var wallStamp = []lineID{{head: "wallboard"}}

func (w *wallView) stamp(*frame) []lineID { return wallStamp }

// ShortHelp lists the wallboard's main keys.
func (w *wallView) ShortHelp() []key.Binding {
	return []key.Binding{w.c.Keys.Window, w.c.Keys.Wall, w.c.Keys.Back}
}

// FullHelp lists every key the wallboard takes.
func (w *wallView) FullHelp() [][]key.Binding { return [][]key.Binding{w.ShortHelp()} }

// View draws the title, the tiles and the services in exactly the size set.
func (w *wallView) View(f *frame) string {
	return w.draw(f, f.figures(), f.snap.Floor.Limits())
}

// draw draws the wallboard of figs against limits on the frame.
func (w *wallView) draw(f *frame, figs model.FloorFigures, limits model.KPILimits) string {
	var b strings.Builder
	b.Grow(w.width * w.height * 4)
	b.WriteString(w.title(f, limits))
	tiles := floorTiles(figs, limits)
	lay := w.layout(tiles, len(figs.Services))
	w.drawTiles(&b, tiles, lay)
	w.drawServices(&b, figs.Services, limits, w.height-1-lay.rows*lay.tileH)
	return fitBlock(b.String(), w.width, w.height)
}

// title is the wallboard's first line: the window, the source clock and what the figures cover,
// the note shortened (or left out) to fit.
func (w *wallView) title(f *frame, limits model.KPILimits) string {
	st := w.c.Styles
	head := "WALLBOARD · " + windowText(f) + " · " + f.now.Format("15:04:05")
	line, used := st.Title.Render(head), width(head)
	for _, n := range rejectedNote(f) { // the figures leave out what was rejected: said first
		if n != "" && used+3+width(n) <= w.width {
			line, used = line+st.Warn.Render(" · "+n), used+3+width(n)
			break
		}
	}
	for _, n := range floorNote {
		if used+3+width(n) <= w.width {
			line += st.Dim.Render(" · " + n)
			break
		}
	}
	return fit(line, w.width)
}

// levelStyle is how a figure at level lv is drawn: the theme's warning or alert colour past its
// limits, bold otherwise.
func levelStyle(st *Styles, lv model.Level) lipgloss.Style {
	switch lv {
	case model.LevelAlert:
		return st.Alert
	case model.LevelWarn:
		return st.Warn
	}
	return st.Bold
}

// levelMark is the glyph that says a figure is past its limits, so monochrome shows it too.
func levelMark(lv model.Level) string {
	return [...]string{" ", "▲", "✖"}[lv]
}

// wallServiceColumns are the columns of the wallboard's services, with how they lay out when
// narrow (the handle time hides first, then the abandoned and answered counts).
var wallServiceColumns = []struct {
	title string
	colLayout
}{
	{" ", colLayout{width: 1}},
	{"SERVICE", colLayout{width: 16, flex: true, keep: 3}},
	{"WAITING", colLayout{width: 7}},
	{"LONGEST", colLayout{width: 7}},
	{"SL%", colLayout{width: 4}},
	{"ANSWERED", colLayout{width: 8, priority: 2}},
	{"ABANDONED", colLayout{width: 9, priority: 3}},
	{"AHT", colLayout{width: 7, priority: 4}},
}

// maxServiceWidth is the widest the services' table gets, so its figures stay near their names.
const maxServiceWidth = 100

// drawServices writes a heading and one line per service in room lines, each starting on a new
// line; a service past a limit is drawn in its level's colour and marked with its glyph. Those that
// do not fit are counted on the last line.
func (w *wallView) drawServices(b *strings.Builder, svcs []model.ServiceFigures, limits model.KPILimits, room int) {
	st := w.c.Styles
	if room < 2 {
		return
	}
	b.WriteByte('\n')
	if len(svcs) == 0 {
		b.WriteString(st.Dim.Render(fit("  no services seen yet", w.width)))
		return
	}
	specs := make([]colLayout, len(wallServiceColumns))
	var cells [8]string
	for i, c := range wallServiceColumns {
		specs[i], cells[i] = c.colLayout, c.title
	}
	idx, widths := fitColumns(specs, min(w.width, maxServiceWidth))
	b.WriteString(st.ColumnHeader.Render(fit(joinCells(cells[:], idx, widths), w.width)))
	shown := min(len(svcs), room-1)
	if shown < len(svcs) {
		shown--
	}
	for i := range shown {
		s := &svcs[i]
		lv := limits.ServiceFiguresLevel(*s)
		name := s.Service
		if name == "" {
			name = "(none)"
		}
		cells = [8]string{levelMark(lv), name, strconv.Itoa(s.Waiting), model.FormatDuration(s.LongestWait), "-",
			strconv.Itoa(s.Answered), strconv.Itoa(s.Abandoned), "-"}
		if s.HasServiceLevel {
			cells[4] = export.PercentText(s.ServiceLevel)
		}
		if s.HasAHT {
			cells[7] = model.FormatDuration(s.AHT)
		}
		style := st.Text
		if lv != model.LevelOK {
			style = levelStyle(st, lv)
		}
		b.WriteByte('\n')
		b.WriteString(style.Render(fit(joinCells(cells[:], idx, widths), w.width)))
	}
	if shown < len(svcs) {
		b.WriteByte('\n')
		b.WriteString(st.Dim.Render(fit("  +"+strconv.Itoa(len(svcs)-shown)+" more services", w.width)))
	}
}

// openWall puts the wallboard in front; Esc returns to the screen it came from.
func (m *Model) openWall() {
	if m.screen != screenWall {
		m.wallBack, m.screen = m.screen, screenWall
	}
}

// toggleWall opens the wallboard, or goes back from it when it is in front.
func (m *Model) toggleWall() {
	if m.screen == screenWall {
		m.goBack()
		return
	}
	m.openWall()
}

var (
	_ pane    = (*wallView)(nil)
	_ stamper = (*wallView)(nil)
)
