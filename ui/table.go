package ui

import (
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/deskwatch/deskwatch/model"
)

// highlightFor is how long a changed cell stays highlighted.
const highlightFor = 2 * time.Second

// tableView is the interactions table. It draws only the rows that fit on screen, so its cost does
// not depend on how many interactions the store holds.
type tableView struct {
	c    *Common
	cols []column
	rows []*model.Row
	// cursor indexes rows; offset is the first row drawn. selected remembers the cursor's row by
	// key, so the cursor follows its interaction when rows are re-sorted.
	cursor, offset int
	selected       string
	width, height  int
	paints         map[paintKey]paint
}

func newTable(c *Common) *tableView { return &tableView{c: c, cols: allColumns()} }

// SetSize sets the area: one title line and height-1 rows.
func (t *tableView) SetSize(width, height int) {
	t.width, t.height = width, max(height, 1)
	t.clamp()
}

// SetRows replaces the rows (already filtered and sorted) and keeps the cursor on the same
// interaction when it is still there.
func (t *tableView) SetRows(rows []*model.Row) {
	t.rows = rows
	if t.selected != "" && (t.cursor >= len(rows) || rows[t.cursor].Key != t.selected) {
		for i, r := range rows {
			if r.Key == t.selected {
				t.cursor = i
				break
			}
		}
	}
	t.clamp()
}

// Selected returns the row under the cursor, or nil when the table is empty.
func (t *tableView) Selected() *model.Row {
	if t.cursor < 0 || t.cursor >= len(t.rows) {
		return nil
	}
	return t.rows[t.cursor]
}

// Len is the number of rows after filtering.
func (t *tableView) Len() int { return len(t.rows) }

func (t *tableView) page() int { return max(t.height-1, 1) }

// Update moves the cursor for navigation keys, the mouse wheel and clicks.
func (t *tableView) Update(msg tea.Msg) tea.Cmd {
	k := t.c.Keys
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, k.Up):
			t.move(-1)
		case key.Matches(msg, k.Down):
			t.move(1)
		case key.Matches(msg, k.PageUp):
			t.move(-t.page())
		case key.Matches(msg, k.PageDown):
			t.move(t.page())
		case key.Matches(msg, k.Top):
			t.move(-len(t.rows))
		case key.Matches(msg, k.Bottom):
			t.move(len(t.rows))
		}
	case tea.MouseWheelMsg:
		switch msg.Button {
		case tea.MouseWheelUp:
			t.move(-3)
		case tea.MouseWheelDown:
			t.move(3)
		}
	case tea.MouseClickMsg:
		// msg.Y is relative to the table's first line (the column titles).
		if msg.Button == tea.MouseLeft && msg.Y >= 1 {
			if i := t.offset + msg.Y - 1; i < len(t.rows) {
				t.cursor = i
				t.clamp()
			}
		}
	}
	return nil
}

func (t *tableView) move(n int) {
	t.cursor += n
	t.clamp()
}

// clamp keeps the cursor on a row and the cursor's row on screen.
func (t *tableView) clamp() {
	t.cursor = min(max(t.cursor, 0), max(len(t.rows)-1, 0))
	page := t.page()
	if t.cursor < t.offset {
		t.offset = t.cursor
	}
	if t.cursor >= t.offset+page {
		t.offset = t.cursor - page + 1
	}
	t.offset = min(max(t.offset, 0), max(len(t.rows)-page, 0))
	if r := t.Selected(); r != nil {
		t.selected = r.Key
	}
}

// View draws the column titles and the visible rows: exactly height lines of width cells.
func (t *tableView) View(q model.Query, now, wall time.Time, haveAgents bool, empty string) string {
	cols := layoutColumns(t.cols, t.width, haveAgents)
	var b strings.Builder
	b.Grow((t.height + 1) * (t.width + 16))
	b.WriteString(t.titles(cols, q))
	end := min(t.offset+t.page(), len(t.rows))
	for i := t.offset; i < end; i++ {
		b.WriteByte('\n')
		b.WriteString(t.line(cols, t.rows[i], i == t.cursor, now, wall))
	}
	lines := end - t.offset
	if len(t.rows) == 0 && empty != "" && t.height > 1 {
		b.WriteByte('\n')
		b.WriteString(t.c.Styles.Dim.Render(pad(clean(empty, t.width), t.width)))
		lines++
	}
	for ; lines < t.page(); lines++ {
		b.WriteByte('\n')
	}
	return b.String()
}

func (t *tableView) titles(cols []column, q model.Query) string {
	var b strings.Builder
	for i, c := range cols {
		title := c.title
		if c.sort == q.Sort {
			if q.Desc {
				title += "▼"
			} else {
				title += "▲"
			}
		}
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(pad(ansi.Truncate(title, c.width, ""), c.width))
	}
	return t.c.Styles.ColumnHeader.Render(fit(b.String(), t.width))
}

// line draws one row. The selected row is drawn in one style so its background is unbroken; other
// rows colour the state and type cells and highlight cells that changed in the last moments.
func (t *tableView) line(cols []column, r *model.Row, selected bool, now, wall time.Time) string {
	st := t.c.Styles
	var b strings.Builder
	for i, c := range cols {
		if i > 0 {
			b.WriteByte(' ')
		}
		cell := pad(clean(c.text(r, now), c.width), c.width)
		if selected {
			b.WriteString(cell)
			continue
		}
		p := t.painter(c, r, wall)
		b.WriteString(p.pre)
		b.WriteString(cell)
		b.WriteString(p.post)
	}
	if selected {
		return st.Selected.Render(fit(b.String(), t.width))
	}
	if ansi.StringWidth(b.String()) > t.width {
		// Only the columns that never hide are left and they still do not fit.
		return ansi.Truncate(b.String(), t.width, "…")
	}
	return b.String()
}

// paint is a style reduced to the escape sequences before and after a text, so drawing a cell is
// two string writes instead of a lipgloss render (the frame draws hundreds of cells).
type paint struct{ pre, post string }

func paintOf(s lipgloss.Style) paint {
	out := s.Render("\x00")
	i := strings.IndexByte(out, 0)
	if i < 0 {
		return paint{}
	}
	return paint{pre: out[:i], post: out[i+1:]}
}

// paintKey names a cell's look: the column's kind, the value that colours it, ended and changed.
type paintKey struct {
	col     string
	value   string
	ended   bool
	changed bool
}

// painter returns the cached paint of a cell.
func (t *tableView) painter(c column, r *model.Row, wall time.Time) paint {
	k := paintKey{col: c.id, ended: r.Ended}
	switch c.id {
	case "state":
		k.value = string(r.Data.State)
	case "type":
		k.value = string(r.Data.Type)
	}
	if c.field != noField {
		if at := r.Changed[c.field]; !at.IsZero() && wall.Sub(at) < highlightFor {
			k.changed = true
		}
	}
	if p, ok := t.paints[k]; ok {
		return p
	}
	if t.paints == nil || len(t.paints) > 1024 {
		t.paints = make(map[paintKey]paint) // unknown enum values are unbounded; start over
	}
	p := paintOf(t.cellStyle(k, r))
	t.paints[k] = p
	return p
}

func (t *tableView) cellStyle(k paintKey, r *model.Row) lipgloss.Style {
	st := t.c.Styles
	var s lipgloss.Style
	switch {
	case k.ended:
		s = st.Ended
	case k.col == "state":
		s = st.State(r.Data.State)
	case k.col == "type":
		s = st.Type(r.Data.Type)
	case k.col == "rec" || k.col == "muted":
		s = st.Warn
	default:
		s = st.Text
	}
	if k.changed {
		s = s.Inherit(st.Changed)
	}
	return s
}

// pad fills s with spaces to n cells.
func pad(s string, n int) string {
	if w := width(s); w < n {
		return s + strings.Repeat(" ", n-w)
	}
	return s
}
