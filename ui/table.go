package ui

import (
	"slices"
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

// tableView is the interactions table. It draws only the lines that fit on screen, so its cost does
// not depend on how many interactions the store holds. Its lines are rows and, when grouped, group
// headings.
type tableView struct {
	c     *Common
	cols  []column
	lines tableLines
	// cur indexes lines. selected remembers the cursor's item by key, so the cursor follows its
	// interaction when rows are re-sorted; selectedOpen says whether it was open then (see
	// SetLines). pinned is the key the user asked to follow wherever it goes ("f"), "" for none.
	cur           cursor
	selected      string
	selectedOpen  bool
	pinned        string
	width, height int
	paints        map[paintKey]paint
	// dim is set while the source is down: the table is drawn stale (View sets it from the frame).
	dim bool
	// shown is the columns the last frame drew (nil before the first): s and < walk them.
	shown []column
}

func newTable(c *Common) *tableView { return &tableView{c: c, cols: pickColumns(c.Columns)} }

// SetSize sets the area: one title line and height-1 rows.
func (t *tableView) SetSize(width, height int) {
	t.width, t.height = width, max(height, 1)
	t.clamp()
}

// SetLines replaces the lines (rows already filtered and sorted, and group headings) and keeps the
// cursor on the same line when it is still there. When the selected interaction was open and has
// ended (or left the view), the cursor stays with the open ones: it goes to the open row that took
// its place (the next one), or the last open row above when none follows, so the view never drifts
// into the ended history after it; unless the user pinned it (f), when the cursor follows it.
func (t *tableView) SetLines(lines tableLines) {
	t.lines = lines
	from, key, wasOpen := t.cur.pos, t.selected, t.selectedOpen
	if key != "" && (t.cur.pos >= lines.Len() || lines.At(t.cur.pos).key() != key) {
		t.Select(key)
	}
	if wasOpen && t.pinned != key {
		if r := t.Selected(); r == nil || !r.Open() || r.Key != key {
			if i := t.nextOpen(from); i >= 0 {
				t.cur.pos = i
			}
		}
	}
	t.clamp()
}

// Select moves the cursor to the item with key, reporting whether it is there.
func (t *tableView) Select(key string) bool {
	for i := range t.lines.Len() {
		if t.lines.At(i).key() == key {
			t.cur.pos = i
			t.clamp()
			return true
		}
	}
	return false
}

// Selected returns the row under the cursor, or nil when the table is empty or the cursor is on a
// group heading.
func (t *tableView) Selected() *model.Row {
	if t.cur.pos < 0 || t.cur.pos >= t.lines.Len() {
		return nil
	}
	return t.lines.At(t.cur.pos).row
}

// SelectedHead returns the group heading under the cursor, or the heading of the group whose row is
// under it; nil when rows are not grouped.
func (t *tableView) SelectedHead() *groupHead {
	for i := min(t.cur.pos, t.lines.Len()-1); i >= 0; i-- {
		if h := t.lines.At(i).head; h != nil {
			return h
		}
	}
	return nil
}

// Len is the number of lines after filtering and folding.
func (t *tableView) Len() int { return t.lines.Len() }

func (t *tableView) page() int { return max(t.height-1, 1) }

// Update moves the cursor for navigation keys, the mouse wheel and clicks.
func (t *tableView) Update(_ *frame, msg tea.Msg) (pane, tea.Cmd) {
	t.cur.selectFor(msg, t.c.Keys, t.lines.Len(), t.page(), 1)
	t.clamp()
	return t, nil
}

// ShortHelp lists the table's main keys.
func (t *tableView) ShortHelp() []key.Binding {
	k := t.c.Keys
	return []key.Binding{k.Open, k.Filter, k.Sort, k.Group, k.NextAlert}
}

// FullHelp lists every key the table takes: moving, opening, the query and grouping, alerts, export.
func (t *tableView) FullHelp() [][]key.Binding {
	k := t.c.Keys
	return [][]key.Binding{append(k.navigation(), k.Open, k.Follow),
		{k.Filter, k.Sort, k.SortPrev, k.SortDir, k.HideEnded, k.Group, k.Fold, k.FoldAll},
		{k.NextAlert, k.PrevAlert, k.ExportCSV, k.ExportJSON}}
}

// clamp keeps the cursor on an item and the cursor's item on screen, and remembers it.
func (t *tableView) clamp() {
	t.cur.clampList(t.lines.Len(), t.page())
	if t.cur.pos < t.lines.Len() {
		it := t.lines.At(t.cur.pos)
		t.selected, t.selectedOpen = it.key(), it.row != nil && it.row.Open()
	}
}

// nextSort returns the sort key after cur (before it when forward is false) among the start time
// and the columns on screen, in display order, so s and < walk the visible columns.
func (t *tableView) nextSort(cur model.SortKey, haveAgents, forward bool) model.SortKey {
	keys := []model.SortKey{model.SortStarted}
	shown := t.shown
	if shown == nil {
		shown = layoutColumns(t.cols, t.width, haveAgents)
	}
	for _, c := range shown {
		if c.sort >= 0 && !slices.Contains(keys, c.sort) {
			keys = append(keys, c.sort)
		}
	}
	i := slices.Index(keys, cur)
	switch {
	case forward:
		i = (i + 1) % len(keys)
	case i <= 0:
		i = len(keys) - 1
	default:
		i--
	}
	return keys[i]
}

// sortFor finds the sort key of a column by its id or title (e.g. "dur", "number/email").
func (t *tableView) sortFor(name string) (model.SortKey, bool) {
	for _, c := range t.cols {
		if c.sort >= 0 && (strings.EqualFold(c.id, name) || strings.EqualFold(c.title, name)) {
			return c.sort, true
		}
	}
	return model.ParseSortKey(name)
}

// stamp identifies the lines on screen, for the root to tell whether a store change shows.
func (t *tableView) stamp(*frame) []lineID {
	end := min(t.cur.offset+t.page(), t.lines.Len())
	out := make([]lineID, 0, end-t.cur.offset+1)
	for i := t.cur.offset; i < end; i++ {
		if h := t.lines.At(i).head; h != nil {
			out = append(out, lineID{head: h.text(t.width)})
		} else {
			out = append(out, lineID{row: t.lines.At(i).row})
		}
	}
	return out
}

// View draws the column titles and the visible rows: exactly height lines of width cells.
func (t *tableView) View(f *frame) string {
	q, now, wall := f.query, f.now, f.wall
	t.dim = !f.down.IsZero()
	end := min(t.cur.offset+t.page(), t.lines.Len())
	rows := make([]*model.Row, 0, end-t.cur.offset)
	for i := t.cur.offset; i < end; i++ {
		if r := t.lines.At(i).row; r != nil {
			rows = append(rows, r)
		}
	}
	grown := growToContent(t.cols, rows, now)
	for i := range grown { // the sorted column has a cell for its mark, where the width allows
		if c := &grown[i]; c.sort == q.Sort {
			c.width = max(c.width, width(c.title)+1)
		}
	}
	cols := layoutColumns(grown, t.width, len(f.snap.Agents) > 0)
	t.shown = cols
	var b strings.Builder
	b.Grow((t.height + 1) * (t.width + 16))
	b.WriteString(t.titles(cols, q))
	for i := t.cur.offset; i < end; i++ {
		b.WriteByte('\n')
		if h := t.lines.At(i).head; h != nil {
			b.WriteString(t.heading(h, i == t.cur.pos))
		} else {
			b.WriteString(t.line(cols, t.lines.At(i).row, i == t.cur.pos, now, wall))
		}
	}
	lines := end - t.cur.offset
	if t.lines.Len() == 0 && t.height > 1 {
		b.WriteByte('\n')
		b.WriteString(t.c.Styles.Dim.Render(pad(clean(emptyText(f), t.width), t.width)))
		lines++
	}
	for ; lines < t.page(); lines++ {
		b.WriteByte('\n')
	}
	return b.String()
}

// emptyText explains an empty table.
func emptyText(f *frame) string {
	switch {
	case len(f.snap.Rows) == 0 && f.over && f.travel == nil:
		return "  no interactions — the source ended without any"
	case len(f.snap.Rows) == 0:
		return "  no interactions yet — waiting for events"
	case !f.query.Filter.Empty():
		return "  no interaction matches the filter " + f.query.Filter.String() + " — " + keyName(f.keys.Filter) + " to change it"
	default:
		return "  every interaction has ended — " + keyName(f.keys.HideEnded) + " to show ended ones"
	}
}

func (t *tableView) titles(cols []column, q model.Query) string {
	var b strings.Builder
	for i, c := range cols {
		title := c.title
		if c.sort == q.Sort { // the mark stays when the title fills the column (MUTE, REC, DIR)
			mark := "▲"
			if q.Desc {
				mark = "▼"
			}
			title = ansi.Truncate(title, max(c.width-1, 0), "") + mark
		}
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(pad(ansi.Truncate(title, c.width, ""), c.width))
	}
	if t.dim {
		return t.c.Styles.Stale.Render(fit(b.String(), t.width))
	}
	return t.c.Styles.ColumnHeader.Render(fit(b.String(), t.width))
}

// heading draws a group's heading line.
func (t *tableView) heading(h *groupHead, selected bool) string {
	st := t.c.Styles
	text := pad(h.text(t.width), t.width)
	if selected {
		return st.Selected.Render(text)
	}
	return st.Group.Render(text)
}

// line draws one row. The selected row is drawn in one style so its background is unbroken; other
// rows colour the state and type cells and highlight cells that changed in the last moments.
func (t *tableView) line(cols []column, r *model.Row, selected bool, now, wall time.Time) string {
	st := t.c.Styles
	var b strings.Builder
	alerting := t.c.Alerts.Alerting(r, now)
	for i, c := range cols {
		if i > 0 {
			b.WriteByte(' ')
		}
		var cell string
		if c.id == alertColumn {
			cell = yesBlank(alerting, alertGlyph)
		} else if c.cutLeft {
			cell = pad(cleanLeft(c.text(r, now), c.width), c.width)
		} else {
			cell = pad(clean(c.text(r, now), c.width), c.width)
		}
		if selected {
			b.WriteString(pad(cell, c.width))
			continue
		}
		if c.id == alertColumn {
			if alerting && t.dim {
				b.WriteString(t.c.Styles.Stale.Render(cell))
			} else if alerting {
				b.WriteString(t.c.Styles.Alert.Render(cell))
			} else {
				b.WriteByte(' ')
			}
			continue
		}
		p := t.painter(c, r, alerting, wall)
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

// paintKey names a cell's look: the column's kind, the value that colours it, ended, alerting and
// changed.
type paintKey struct {
	col      string
	value    string
	ended    bool
	stale    bool // the source is down, or the row's desktop disconnected
	alerting bool
	changed  bool
}

// painter returns the cached paint of a cell.
func (t *tableView) painter(c column, r *model.Row, alerting bool, wall time.Time) paint {
	k := paintKey{col: c.id, ended: !r.Open(), alerting: alerting && c.id == "state",
		stale: t.dim || r.Open() && !r.DisconnectedAt.IsZero()}
	switch c.id {
	case "state":
		k.value = string(r.Data.State)
	case "type":
		k.value = string(r.Data.Type)
	}
	if c.field != noField {
		if at := r.ChangedAt(c.field); !at.IsZero() && wall.Sub(at) < highlightFor {
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
	case k.stale:
		s = st.Stale
	case k.ended:
		s = st.Ended
	case k.alerting:
		s = st.Alert
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
