package ui

import (
	"slices"
	"strconv"
	"time"

	"github.com/deskwatch/deskwatch/model"
)

// column is one column of the interactions table: its title, width, how important it is when the
// terminal is narrow, which tracked field highlights it, and how a row's cell reads.
type column struct {
	id    string
	title string
	colLayout
	// cutLeft keeps the end of a long value (ids differ at their end) instead of its start.
	cutLeft bool
	// field is the tracked field whose change highlights the cell (-1 for none).
	field model.Field
	// sort is the sort key the column stands for (to mark the sorted column's title).
	sort model.SortKey
	text func(r *model.Row, now time.Time) string
}

// noField marks a column no tracked change highlights.
const noField model.Field = -1

// allColumns lists the table's columns in display order.
func allColumns() []column {
	return []column{
		{id: "type", title: "TYPE", colLayout: colLayout{width: 7}, field: noField, sort: model.SortType,
			text: func(r *model.Row, _ time.Time) string {
				return typeGlyph(r.Data.Type) + " " + string(r.Data.Type)
			}},
		{id: "id", title: "ID", colLayout: colLayout{width: 8, priority: 4, grow: 14}, field: noField, sort: model.SortID, cutLeft: true,
			text: func(r *model.Row, _ time.Time) string { return r.Data.ID }},
		{id: "agent", title: "AGENT", colLayout: colLayout{width: 10, priority: 3, grow: 14}, field: noField, sort: model.SortAgent,
			text: func(r *model.Row, _ time.Time) string { return r.AgentID }},
		{id: "state", title: "STATE", colLayout: colLayout{width: 12}, field: model.FieldState, sort: model.SortState,
			text: func(r *model.Row, _ time.Time) string { return string(r.Data.State) }},
		{id: "dir", title: "DIR", colLayout: colLayout{width: 3, priority: 8}, field: model.FieldDirection, sort: model.SortDirection,
			text: func(r *model.Row, _ time.Time) string { return dirText(r.Data) }},
		{id: "party", title: "NUMBER/EMAIL", colLayout: colLayout{width: 16, priority: 2, grow: 26}, field: model.FieldCounterpart,
			sort: model.SortCounterpart,
			text: func(r *model.Row, _ time.Time) string { return r.Data.Counterpart() }},
		{id: "service", title: "SERVICE", colLayout: colLayout{width: 10, priority: 5, grow: 16}, field: model.FieldService,
			sort: model.SortService,
			text: func(r *model.Row, _ time.Time) string { return model.Str(r.Data.Service) }},
		{id: "parties", title: "PARTIES", colLayout: colLayout{width: 12, priority: 7, grow: 20}, field: model.FieldParties,
			sort: model.SortParties, text: func(r *model.Row, _ time.Time) string { return partiesText(r.Data) }},
		{id: "muted", title: "MUTE", colLayout: colLayout{width: 4, priority: 1}, field: model.FieldMuted, sort: model.SortMuted,
			text: func(r *model.Row, _ time.Time) string { return yesBlank(r.Data.CallMuted, "yes") }},
		{id: "rec", title: "REC", colLayout: colLayout{width: 3, priority: 1}, field: model.FieldRecording, sort: model.SortRecording,
			text: func(r *model.Row, _ time.Time) string { return yesBlank(r.Data.CallRecording, "●") }},
		{id: "dur", title: "DUR", colLayout: colLayout{width: 7}, field: noField, sort: model.SortDuration,
			text: func(r *model.Row, now time.Time) string { return fmtDuration(r.Duration(now)) }},
		{id: "subject", title: "SUBJECT", colLayout: colLayout{width: 20, priority: 3, flex: true, keep: 4}, field: model.FieldSubject,
			sort: model.SortSubject, text: func(r *model.Row, _ time.Time) string { return r.Data.Subject }},
	}
}

// alertColumn is the one-cell mark before every row: the alert glyph when the row is alerting.
const alertColumn = "alert"

// alertGlyph marks an alerting row or agent, so alerts show in monochrome too.
const alertGlyph = "!"

// pickColumns returns the alert mark and then the columns named by ids in that order (all of them,
// in the default order, when ids is empty). Unknown ids are skipped: the configuration checks them.
func pickColumns(ids []string) []column {
	all := allColumns()
	out := []column{{id: alertColumn, title: " ", colLayout: colLayout{width: 1}, field: noField, sort: -1,
		text: func(*model.Row, time.Time) string { return "" }}}
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
}

// fitColumns decides which columns show at width and how wide: it returns the index and width of
// each shown column, in order. Lower-priority columns hide first (ties: the rightmost); a flexible
// column keeps its width while less important columns hide, then shrinks to flexMin before more
// important ones do. With room to spare, the flexible column gets its
// own width back, then the others widen to their grow width in order of importance with at most
// half of the room left, and the flexible column takes the rest.
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
		return n
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
	for k, i := range idx {
		widths[k] = specs[i].width
		if specs[i].flex && flex < 0 {
			flex = k
		}
	}
	spare := width - total()
	if flex >= 0 && shrunk {
		// The flexible column first gets back what it gave up.
		give := min(spare, max(widths[flex]-flexMin, 0))
		widths[flex] = flexMin + give
		spare -= give
	}
	// The fixed columns widen with at most half of what is left; the flexible column gets the rest.
	fixedShare := spare
	if flex >= 0 {
		fixedShare = spare / 2
	}
	order := slices.Clone(idx)
	slices.SortStableFunc(order, func(a, b int) int { return specs[a].priority - specs[b].priority })
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

func dirText(in *model.Interaction) string {
	if in.CallDirection == nil {
		return ""
	}
	switch *in.CallDirection {
	case model.DirectionInbound:
		return "in"
	case model.DirectionOutbound:
		return "out"
	}
	return string(*in.CallDirection)
}

// partiesText is the party count and the first party's name (or phone), e.g. "2 Ann Lee".
func partiesText(in *model.Interaction) string {
	if len(in.CallParties) == 0 {
		return ""
	}
	p := in.CallParties[0]
	name := p.Name
	if name == "" {
		name = p.Phone
	}
	return strconv.Itoa(len(in.CallParties)) + " " + name
}

func yesBlank(b bool, yes string) string {
	if b {
		return yes
	}
	return ""
}
