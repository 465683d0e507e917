package ui

import (
	"cmp"
	"math"
	"slices"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/deskwatch/deskwatch/model"
)

// column is one column of the interactions table: its catalogue entry (model.Columns) and how
// it is drawn. The fields repeat the catalogue's under the names the table code reads.
type column struct {
	id    string
	title string
	colLayout
	// cutLeft keeps the end of a long value (ids differ at their end) instead of its start.
	cutLeft bool
	// field is the tracked field whose change highlights the cell (noField for none).
	field model.Field
	// sort is the sort key the column stands for (to mark the sorted column's title).
	sort model.SortKey
	text func(r *model.Row, now time.Time) string
}

// noField marks a column no tracked change highlights.
const noField = model.NoField

// colDraw is how the table draws one catalogue column.
type colDraw struct {
	colLayout
	cutLeft bool
}

// columnDraw says how each column of the catalogue is drawn, keyed by its name. The priorities put
// who (agent) and what (state, number) last to hide; the direction and the parties hide before the
// subject shrinks below 16 cells, then it shrinks, then the other details hide (service, id,
// subject, mute and recording). Widths are wide enough for the usual values (a service such as
// "Technical Support"), so the room left goes to the columns whose values on screen are longer
// (growToContent) and to the subject last. The duration narrows to its values on screen, down to
// "10:00" (shrink), so that the room it keeps for calls of hours goes to the number and the
// subject; the state does not (a state such as delivery_pending coming and going moved every
// column after it).
var columnDraw = map[string]colDraw{
	"type":    {colLayout: colLayout{width: 7}},
	"id":      {colLayout: colLayout{width: 8, priority: 4, grow: 14}, cutLeft: true},
	"agent":   {colLayout: colLayout{width: 10, priority: 1, grow: 14}},
	"state":   {colLayout: colLayout{width: 12}},
	"dir":     {colLayout: colLayout{width: 3, priority: 7}},
	"party":   {colLayout: colLayout{width: 16, priority: 1, grow: 26}},
	"service": {colLayout: colLayout{width: 17, priority: 5, grow: 20}},
	"parties": {colLayout: colLayout{width: 12, priority: 6, grow: 20}},
	"muted":   {colLayout: colLayout{width: 4, priority: 2}},
	"rec":     {colLayout: colLayout{width: 3, priority: 2}},
	"dur":     {colLayout: colLayout{width: 7, shrink: 5}},
	"subject": {colLayout: colLayout{width: 16, priority: 3, flex: true, keep: 5}},
}

// tableColumn joins a catalogue column with how it is drawn.
func tableColumn(c model.Column) column {
	d := columnDraw[c.Name]
	return column{id: c.Name, title: c.Title, colLayout: d.colLayout, cutLeft: d.cutLeft, field: c.Field,
		sort: c.Sort, text: c.Text}
}

// allColumns lists the table's columns in display order.
func allColumns() []column {
	cat := model.Columns()
	out := make([]column, len(cat))
	for i, c := range cat {
		out[i] = tableColumn(c)
	}
	return out
}

// alertColumn is the one-cell mark before every row: the alert glyph when the row is alerting.
const alertColumn = "alert"

// alertGlyph marks an alerting row or agent, so alerts show in monochrome too.
const alertGlyph = "!"

// pickColumns returns the alert mark and then the columns named by ids in that order (all of them,
// in the default order, when ids is empty). Unknown ids are skipped: the configuration checks them.
func pickColumns(ids []string) []column {
	all := allColumns()
	out := []column{{id: alertColumn, title: " ", colLayout: colLayout{width: 1}, field: noField,
		sort: model.NoSort, text: func(*model.Row, time.Time) string { return "" }}}
	if len(ids) == 0 {
		return append(out, all...)
	}
	for _, id := range ids {
		for _, c := range all {
			if c.id == id {
				out = append(out, c)
			}
		}
	}
	return out
}

// flexMin is the narrowest a flexible column (the subject) gets before it hides.
const flexMin = 8

// colLayout is what laying out a column needs to know: its width, how important it is when the
// terminal is narrow (the highest priority hides first; 0 never hides), whether it takes the width
// left over (flex), and how far it widens when there is room (grow).
type colLayout struct {
	width, priority, grow int
	flex                  bool
	// keep, on a flexible column, lets the columns with a higher priority number hide before it
	// shrinks below its width (0: it shrinks first).
	keep int
	// fitted says grow is as wide as the column's values need (growToContent): of such columns,
	// those that need fewer cells to show them whole widen first.
	fitted bool
	// shrink, when not 0, lets the column narrow from width to its widest value on screen, need
	// (growToContent; 0 for no narrowing), but never below shrink, nor its title and a sort mark.
	// Which columns show is decided at their widths, so what a column gives up goes to the others
	// shown, not to one more column.
	shrink int
	need   int
}

// fitColumns decides which columns show at width and how wide: it returns the index and width of
// each shown column, in order. Lower-priority columns hide first (ties: the rightmost); a flexible
// column keeps its width while less important columns hide, then shrinks to flexMin before more
// important ones do. With room to spare, the flexible column gets its
// own width back, then the others widen to their grow width (the fitted ones needing fewest cells
// first, then in order of importance) with at most half of the room left, and the flexible column
// takes the rest.
func fitColumns(specs []colLayout, width int) (idx, widths []int) {
	for i := range specs {
		idx = append(idx, i)
	}
	// First the columns with a priority above the flexible column's keep hide while it keeps its
	// width; then it shrinks to flexMin and the rest hide in turn.
	keep := -1
	for _, c := range specs {
		if c.flex && c.keep > 0 {
			keep = c.keep
		}
	}
	shrunk := keep < 0
	total := func() int {
		n := 0
		for _, i := range idx {
			w := specs[i].width
			if specs[i].flex && shrunk {
				w = min(w, flexMin)
			}
			n += w + 1
		}
		return max(n-1, 0) // a space between columns, none after the last
	}
	for total() > width {
		worst := -1
		for k, i := range idx {
			p := specs[i].priority
			if p > 0 && (shrunk || p > keep) && (worst < 0 || p >= specs[idx[worst]].priority) {
				worst = k
			}
		}
		if worst < 0 {
			if shrunk {
				break
			}
			shrunk = true
			continue
		}
		idx = slices.Delete(idx, worst, worst+1)
	}
	widths = make([]int, len(idx))
	flex := -1
	spare := width - total()
	for k, i := range idx {
		widths[k] = specs[i].width
		if n := specs[i].need; n > 0 && n < widths[k] {
			if !specs[i].flex || !shrunk { // a shrunk flexible column was counted at flexMin: it gets back to n below
				spare += widths[k] - n
			}
			widths[k] = n
		}
		if specs[i].flex && flex < 0 {
			flex = k
		}
	}
	if flex >= 0 && shrunk {
		// The flexible column first gets back what it gave up.
		give := min(spare, max(widths[flex]-flexMin, 0))
		widths[flex] = flexMin + give
		spare -= give
	}
	// The fixed columns widen with at most half of what is left; the flexible column gets the rest,
	// but for one whose values fit it already (need): the fixed columns may take all.
	fixedShare := spare
	if flex >= 0 && (specs[idx[flex]].need == 0 || specs[idx[flex]].need > widths[flex]) {
		fixedShare = spare / 2
	}
	// The columns whose values need fewest cells more to show whole first (fitted), then the more
	// important.
	order := slices.Clone(idx)
	gap := func(c colLayout) int {
		if !c.fitted {
			return math.MaxInt
		}
		return max(c.grow-c.width, 0)
	}
	slices.SortStableFunc(order, func(a, b int) int {
		return cmp.Or(cmp.Compare(gap(specs[a]), gap(specs[b])), specs[a].priority-specs[b].priority)
	})
	for _, i := range order {
		if spare <= 0 || fixedShare <= 0 {
			break
		}
		k := slices.Index(idx, i)
		if g := specs[i].grow; g > widths[k] {
			give := min(fixedShare, g-widths[k])
			widths[k] += give
			spare -= give
			fixedShare -= give
		}
	}
	if flex >= 0 && spare > 0 {
		widths[flex] += spare
	}
	return idx, widths
}

// layoutColumns picks the columns that fit width (see fitColumns); the agent column only shows
// when the stream names agents.
func layoutColumns(cols []column, width int, haveAgents bool) []column {
	var kept []column
	var specs []colLayout
	for _, c := range cols {
		if c.id == "agent" && !haveAgents {
			continue
		}
		kept = append(kept, c)
		specs = append(specs, c.colLayout)
	}
	idx, widths := fitColumns(specs, width)
	shown := make([]column, len(idx))
	for k, i := range idx {
		shown[k] = kept[i]
		shown[k].width = widths[k]
	}
	return shown
}

// yesBlank is yes when b holds, else blank.
func yesBlank(b bool, yes string) string {
	if b {
		return yes
	}
	return ""
}

// growToContent returns cols with each column's grow width no wider than the widest of its values in
// rows (the rows on screen), nor narrower than its width: the room left goes to the columns whose
// values need it, so an agent column of short ids does not widen while interaction ids are cut; and
// a column that may shrink no wider than its values need. It reads only the rows on screen, so that
// a frame depends on nothing but what it shows (a traveler's screen is a fresh store's), and
// drawing does not cost more with more rows held.
func growToContent(cols []column, rows []*model.Row, now time.Time) []column {
	out := slices.Clone(cols)
	for i := range out {
		c := &out[i]
		if c.shrink > 0 && c.text != nil && len(rows) > 0 {
			need := max(ansi.StringWidth(c.title)+1, c.shrink) // and the sort mark
			for _, r := range rows {
				need = max(need, ansi.StringWidth(clean(c.text(r, now), c.width)))
			}
			c.need = min(c.width, need)
		}
		if c.grow <= c.width || c.text == nil {
			continue
		}
		need := 0
		for _, r := range rows {
			if need >= c.grow {
				break
			}
			need = max(need, ansi.StringWidth(clean(c.text(r, now), c.grow)))
		}
		c.grow, c.fitted = max(c.width, min(c.grow, need)), true
	}
	return out
}
