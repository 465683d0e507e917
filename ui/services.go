package ui

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/deskwatch/deskwatch/export"
	"github.com/deskwatch/deskwatch/model"
)

// servicesView is the third view (issue 14): one row per service with its figures over the floor
// window (w switches it), sortable and filtered by service name, and the floor's total last.
type servicesView struct {
	c             *Common
	cur           cursor
	width, height int
	// sort is the column sorted by (an index of export.ServiceColumns), desc its direction; filter
	// keeps the services whose name holds it (any case).
	sort   int
	desc   bool
	filter string
}

func newServices(c *Common) *servicesView { return &servicesView{c: c} }

// SetSize sets the area: the window line, the titles, height-3 services and the floor's total.
func (s *servicesView) SetSize(width, height int) { s.width, s.height = width, max(height, 1) }

func (s *servicesView) page() int { return max(s.height-3, 1) }

// serviceDraw is how the view lays each catalogue column out, by name; a column not here (the
// target, shown in the window line) is not on screen. The figures a supervisor acts on (waiting,
// longest wait, service level) never hide.
var serviceDraw = map[string]colLayout{
	"service":           {width: 14, grow: 30},
	"open":              {width: 4, priority: 3},
	"waiting":           {width: 7},
	"longest_wait_s":    {width: 7},
	"answered":          {width: 8, priority: 2},
	"abandoned":         {width: 9, priority: 2},
	"asa_s":             {width: 6, priority: 1},
	"aht_s":             {width: 6, priority: 1},
	"service_level_pct": {width: 4},
	"transfers":         {width: 9, priority: 4},
}

// serviceScreenColumns are the catalogue's columns the view draws, in order.
func serviceScreenColumns() []export.FigureColumn[model.ServiceFigures] {
	var out []export.FigureColumn[model.ServiceFigures]
	for _, c := range export.ServiceColumns {
		if _, ok := serviceDraw[c.Name]; ok {
			out = append(out, c)
		}
	}
	return out
}

// rows are the services shown on the frame: filtered, then sorted (ties by name).
func (s *servicesView) rows(f *frame) (rows []model.ServiceFigures, figs model.FloorFigures) {
	figs = f.figures()
	col, keep := export.ServiceColumns[s.sort], export.NameFilter(s.filter)
	for _, r := range figs.Services {
		if keep(r.Service) {
			rows = append(rows, r)
		}
	}
	slices.SortStableFunc(rows, func(a, b model.ServiceFigures) int {
		if s.desc {
			return col.Compare(b, a)
		}
		return col.Compare(a, b)
	})
	return rows, figs
}

// Selected is the service under the cursor on the frame.
func (s *servicesView) Selected(f *frame) (string, bool) {
	rows, _ := s.rows(f)
	if s.cur.pos < 0 || s.cur.pos >= len(rows) {
		return "", false
	}
	return rows[s.cur.pos].Service, true
}

// Update moves the cursor over the services; the window line and the titles are above them.
func (s *servicesView) Update(f *frame, msg tea.Msg) (pane, tea.Cmd) {
	rows, _ := s.rows(f)
	s.cur.selectFor(msg, s.c.Keys, len(rows), s.page(), 2)
	return s, nil
}

// ShortHelp lists the services view's main keys.
func (s *servicesView) ShortHelp() []key.Binding {
	k := s.c.Keys
	return []key.Binding{k.Open, k.Window, k.Sort, k.Filter, k.Agents}
}

// FullHelp lists every key the services view takes.
func (s *servicesView) FullHelp() [][]key.Binding {
	k := s.c.Keys
	return [][]key.Binding{append(k.navigation(), k.Open, k.Window, k.Agents),
		{k.Filter, k.Sort, k.SortPrev, k.SortDir, k.ExportCSV, k.ExportJSON}}
}

// nextSort sorts by the next (or previous) column shown.
func (s *servicesView) nextSort(forward bool) {
	cols := s.shownColumns()
	at := slices.IndexFunc(cols, func(c export.FigureColumn[model.ServiceFigures]) bool {
		return c.Name == export.ServiceColumns[s.sort].Name
	})
	if forward {
		at = (at + 1) % len(cols)
	} else {
		at = (at - 1 + len(cols)) % len(cols)
	}
	s.setSort(cols[at].Name)
}

// setSort sorts by the named column, reporting whether there is one.
func (s *servicesView) setSort(name string) bool {
	c, ok := export.FigureColumnFor(export.ServiceColumns, name)
	if ok {
		s.sort = slices.IndexFunc(export.ServiceColumns, func(x export.FigureColumn[model.ServiceFigures]) bool {
			return x.Name == c.Name
		})
	}
	return ok
}

// sortTitle names the sort for the status line.
func (s *servicesView) sortTitle() string { return export.ServiceColumns[s.sort].Title }

// shownColumns are the columns that fit the width, and their widths.
func (s *servicesView) shownColumns() []export.FigureColumn[model.ServiceFigures] {
	cols, _ := s.layout()
	return cols
}

func (s *servicesView) layout() ([]export.FigureColumn[model.ServiceFigures], []int) {
	all := serviceScreenColumns()
	specs := []colLayout{{width: 1}} // the alert mark
	for _, c := range all {
		sp := serviceDraw[c.Name]
		// Room for the sort's arrow on the sorted column only (the others' room went to the service's
		// name, which 80 columns cut).
		sp.width = max(sp.width, len(c.Title)+b2i(c.Name == export.ServiceColumns[s.sort].Name))
		specs = append(specs, sp)
	}
	idx, widths := fitColumns(specs, s.width)
	var cols []export.FigureColumn[model.ServiceFigures]
	for _, i := range idx[1:] {
		cols = append(cols, all[i-1])
	}
	return cols, widths
}

// View draws the window line, the titles, the services and the floor's total in height lines.
func (s *servicesView) View(f *frame) string {
	st := s.c.Styles
	rows, figs := s.rows(f)
	cols, widths := s.layout()
	titles := []string{" "}
	for k, c := range cols {
		t := c.Title
		if c.Name == export.ServiceColumns[s.sort].Name {
			t = ansi.Truncate(t, max(widths[k+1]-1, 0), "") + sortArrow(s.desc)
		}
		titles = append(titles, t)
	}
	all := allIdx(len(widths))
	note := "SL target " + spanText(f.snap.Floor.Limits().Target)
	if sorted := export.ServiceColumns[s.sort]; !slices.ContainsFunc(cols, func(c export.FigureColumn[model.ServiceFigures]) bool {
		return c.Name == sorted.Name
	}) { // sorted by a column the width hides: the order would say nothing of why
		note = "sorted by " + sorted.Title + sortArrow(s.desc) + " · " + note
	}
	lines := []string{windowLine(st.Dim, f, s.width, note, s.filter),
		st.ColumnHeader.Render(fit(joinCells(titles, all, widths), s.width))}
	if len(rows) == 0 {
		empty := "  no services seen yet — interactions name their service"
		if s.filter != "" {
			empty = "  no service matches " + strconv.Quote(s.filter) + " — " + keyName(s.c.Keys.Filter) + " to change the filter"
		}
		lines = append(lines, st.Dim.Render(fit(empty, s.width)))
	}
	s.cur.clampList(len(rows), s.page())
	lim := f.snap.Floor.Limits()
	for i := s.cur.offset; i < len(rows) && i < s.cur.offset+s.page(); i++ {
		style, mark := st.Text, ""
		switch lim.ServiceFiguresLevel(rows[i]) {
		case model.LevelAlert:
			style, mark = st.Alert, alertGlyph
		case model.LevelWarn:
			style = st.Warn
		}
		if i == s.cur.pos {
			style = st.Selected
		}
		text := fit(joinCells(serviceCells(cols, rows[i], mark), all, widths), s.width)
		lines = append(lines, style.Render(text))
	}
	body := fitBlock(strings.Join(lines, "\n"), s.width, s.height-1)
	total := figs.Total
	total.Service = export.FloorRow
	return body + "\n" + st.Title.Render(fit(joinCells(serviceCells(cols, total, ""), all, widths), s.width))
}

// serviceCells are the alert mark and r's figures in the columns shown.
func serviceCells(cols []export.FigureColumn[model.ServiceFigures], r model.ServiceFigures, mark string) []string {
	out := []string{mark}
	for _, c := range cols {
		out = append(out, c.Text(r))
	}
	return out
}

// allIdx is 0..n-1: every cell of a row already cut to the shown columns.
func allIdx(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

func sortArrow(desc bool) string {
	if desc {
		return "▼"
	}
	return "▲"
}

// windowText names the floor window: "last 15m" or "since start".
func windowText(f *frame) string {
	if f.view.floorWindow == model.SinceStart {
		return "since start"
	}
	return "last " + spanText(f.snap.Floor.RollingWindow())
}

// spanText is a span of time as a setting names it: 15m, 1h, 20s (else as durations show).
func spanText(d time.Duration) string {
	switch {
	case d > 0 && d%time.Hour == 0:
		return strconv.Itoa(int(d/time.Hour)) + "h"
	case d > 0 && d%time.Minute == 0:
		return strconv.Itoa(int(d/time.Minute)) + "m"
	case d > 0 && d%time.Second == 0:
		return strconv.Itoa(int(d/time.Second)) + "s"
	}
	return model.FormatDuration(d)
}

// windowLine is the figures views' first line: the window, what the view adds (the SL target),
// the filter, and what the figures cover, in its short form when narrow.
func windowLine(style interface{ Render(...string) string }, f *frame, width int, extra, filter string) string {
	parts := []string{windowText(f) + " (" + keyName(f.keys.Window) + ")"}
	if extra != "" {
		parts = append(parts, extra)
	}
	if filter != "" {
		parts = append(parts, "filter "+strconv.Quote(model.Sanitize(filter)))
	}
	long, short := slices.Clone(parts), parts
	if n := rejectedNote(f); n[0] != "" {
		long, short = append(long, n[0]), append(short, n[1])
	}
	for _, line := range []string{strings.Join(append(long, floorNote[0]), " · "),
		strings.Join(append(slices.Clone(short), "reporting desktops only"), " · ")} {
		if ansi.StringWidth(line) <= width {
			return style.Render(fit(line, width))
		}
	}
	return style.Render(fit(strings.Join(short, " · "), width)) // the rejected count before the note
}

// rejectedNote says, in a long and a short form, that the figures leave out the events the
// monitor rejected (or a hub said it rejected): nothing when there are none.
func rejectedNote(f *frame) [2]string {
	n := f.snap.Stats.Rejected
	if n == 0 {
		return [2]string{}
	}
	r := " (" + keyName(f.keys.Rejected) + ")"
	return [2]string{"leaving out " + plural(int(n), "rejected event", "rejected events") + r, fmt.Sprintf("%d rejected", n) + r}
}
