package ui

import (
	"strconv"
	"strings"
	"time"

	"github.com/deskwatch/deskwatch/model"
)

// tableItem is one line of the interactions table: a row or, when rows are grouped, a group's
// heading. Exactly one of row and head is set.
type tableItem struct {
	row  *model.Row
	head *groupHead
}

// key identifies the item across refreshes, so the cursor stays on it.
func (it tableItem) key() string {
	if it.head != nil {
		return "\x00group\x00" + it.head.key
	}
	return it.row.Key
}

// tableLines are the table's lines: the query's rows themselves when they are not grouped (no copy
// of a 100,000-row slice per change), or group headings and the rows of unfolded groups.
type tableLines struct {
	rows  []*model.Row
	items []tableItem
}

// Len is the number of lines.
func (l tableLines) Len() int {
	if l.items != nil {
		return len(l.items)
	}
	return len(l.rows)
}

// At returns line i.
func (l tableLines) At(i int) tableItem {
	if l.items != nil {
		return l.items[i]
	}
	return tableItem{row: l.rows[i]}
}

// groupHead is a group's heading line: what the rows share, how many there are, how many alert.
type groupHead struct {
	by     model.GroupBy
	key    string
	rows   []*model.Row
	alerts int
	folded bool
}

// label names the group as its heading shows it.
func (g *groupHead) label() string {
	if g.key != "" {
		return g.by.String() + " " + g.key
	}
	switch g.by {
	case model.GroupAgent:
		return "no agent"
	case model.GroupService:
		return "no service"
	}
	return "no " + g.by.String()
}

// text is the heading line before styling, e.g. "▾ agent a.jones · 5 interactions · 2 alerts".
func (g *groupHead) text(width int) string {
	mark := "▾ "
	if g.folded {
		mark = "▸ "
	}
	var b strings.Builder
	b.WriteString(mark)
	b.WriteString(model.Sanitize(g.label()))
	b.WriteString(" · ")
	b.WriteString(strconv.Itoa(len(g.rows)))
	if len(g.rows) == 1 {
		b.WriteString(" interaction")
	} else {
		b.WriteString(" interactions")
	}
	switch {
	case g.alerts == 1:
		b.WriteString(" · " + alertGlyph + " 1 alert")
	case g.alerts > 1:
		b.WriteString(" · " + alertGlyph + " " + strconv.Itoa(g.alerts) + " alerts")
	}
	return clean(b.String(), width)
}

// grouping is one viewer's grouping: what rows are grouped by and which groups are folded.
type grouping struct {
	by     model.GroupBy
	folded map[string]bool
	// version rises with every fold change, so a cached layout knows to rebuild.
	version int
}

// setBy groups by another field; folds of the previous grouping are forgotten.
func (g *grouping) setBy(by model.GroupBy) {
	g.by, g.folded = by, nil
	g.version++
}

// toggle folds or unfolds the group with key.
func (g *grouping) toggle(key string) {
	if g.folded == nil {
		g.folded = map[string]bool{}
	}
	g.folded[key] = !g.folded[key]
	g.version++
}

// setAll folds (or unfolds) every group in heads.
func (g *grouping) setAll(heads []*groupHead, fold bool) {
	g.folded = map[string]bool{}
	for _, h := range heads {
		g.folded[h.key] = fold
	}
	g.version++
}

// layout splits rows into groups and returns the lines to draw (headings, and the rows of unfolded
// groups), the headings, and every row in display order (folded ones too, for next-alert and
// export). Ungrouped, the lines are the rows themselves.
func (g *grouping) layout(rows []*model.Row) (lines tableLines, heads []*groupHead, ordered []*model.Row) {
	if g.by == model.GroupNone {
		return tableLines{rows: rows}, nil, rows
	}
	groups := model.GroupRows(rows, g.by)
	items := make([]tableItem, 0, len(rows)+len(groups))
	ordered = make([]*model.Row, 0, len(rows))
	for _, gr := range groups {
		h := &groupHead{by: g.by, key: gr.Key, rows: gr.Rows, folded: g.folded[gr.Key]}
		heads = append(heads, h)
		items = append(items, tableItem{head: h})
		ordered = append(ordered, gr.Rows...)
		if h.folded {
			continue
		}
		for _, r := range gr.Rows {
			items = append(items, tableItem{row: r})
		}
	}
	return tableLines{items: items}, heads, ordered
}

// countHeadAlerts sets each heading's count of alerting rows at now.
func countHeadAlerts(heads []*groupHead, rules model.AlertRules, now time.Time) {
	for _, h := range heads {
		h.alerts = rules.Count(h.rows, now)
	}
}
