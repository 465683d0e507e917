package ui

import (
	"strconv"
	"time"

	"github.com/deskwatch/deskwatch/model"
)

// column is one column of the interactions table: its title, width, how important it is when the
// terminal is narrow, which tracked field highlights it, and how a row's cell reads.
type column struct {
	id    string
	title string
	width int
	// priority orders hiding on narrow terminals: the highest number hides first; 0 never hides.
	// Ties hide the rightmost first.
	priority int
	// flex columns take the width left over (at least width).
	flex bool
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
		{id: "type", title: "TYPE", width: 7, priority: 0, field: noField, sort: model.SortType,
			text: func(r *model.Row, _ time.Time) string {
				return typeGlyph(r.Data.Type) + " " + string(r.Data.Type)
			}},
		{id: "id", title: "ID", width: 8, priority: 4, field: noField, sort: model.SortID,
			text: func(r *model.Row, _ time.Time) string { return shortID(r.Data.ID) }},
		{id: "agent", title: "AGENT", width: 10, priority: 3, field: noField, sort: model.SortAgent,
			text: func(r *model.Row, _ time.Time) string { return r.AgentID }},
		{id: "state", title: "STATE", width: 12, priority: 0, field: model.FieldState, sort: model.SortState,
			text: func(r *model.Row, _ time.Time) string { return string(r.Data.State) }},
		{id: "dir", title: "DIR", width: 3, priority: 8, field: model.FieldDirection, sort: -1,
			text: func(r *model.Row, _ time.Time) string { return dirText(r.Data) }},
		{id: "party", title: "NUMBER/EMAIL", width: 16, priority: 2, field: model.FieldCounterpart,
			sort: model.SortCounterpart,
			text: func(r *model.Row, _ time.Time) string { return r.Data.Counterpart() }},
		{id: "service", title: "SERVICE", width: 10, priority: 5, field: model.FieldService,
			sort: model.SortService,
			text: func(r *model.Row, _ time.Time) string { return model.Str(r.Data.Service) }},
		{id: "parties", title: "PARTIES", width: 12, priority: 7, field: model.FieldParties,
			sort: model.SortParties, text: func(r *model.Row, _ time.Time) string { return partiesText(r.Data) }},
		{id: "muted", title: "MUTE", width: 4, priority: 1, field: model.FieldMuted, sort: -1,
			text: func(r *model.Row, _ time.Time) string { return yesBlank(r.Data.CallMuted, "yes") }},
		{id: "rec", title: "REC", width: 3, priority: 1, field: model.FieldRecording, sort: -1,
			text: func(r *model.Row, _ time.Time) string { return yesBlank(r.Data.CallRecording, "●") }},
		{id: "dur", title: "DUR", width: 7, priority: 0, field: noField, sort: model.SortDuration,
			text: func(r *model.Row, now time.Time) string { return fmtDuration(r.Duration(now)) }},
		{id: "subject", title: "SUBJECT", width: 12, priority: 3, flex: true, field: model.FieldSubject,
			sort: model.SortSubject, text: func(r *model.Row, _ time.Time) string { return r.Data.Subject }},
	}
}

// layoutColumns picks the columns that fit width: lower-priority columns hide first, the agent
// column only shows when the stream names agents, and flexible columns take what is left.
func layoutColumns(cols []column, width int, haveAgents bool) []column {
	shown := make([]column, 0, len(cols))
	for _, c := range cols {
		if c.id == "agent" && !haveAgents {
			continue
		}
		shown = append(shown, c)
	}
	total := func() int {
		n := 0
		for _, c := range shown {
			n += c.width + 1
		}
		return n
	}
	for total() > width {
		worst := -1
		for i, c := range shown {
			if c.priority > 0 && (worst < 0 || c.priority >= shown[worst].priority) {
				worst = i
			}
		}
		if worst < 0 {
			break
		}
		shown = append(shown[:worst], shown[worst+1:]...)
	}
	if spare := width - total(); spare > 0 {
		for i := range shown {
			if shown[i].flex {
				shown[i].width += spare
				break
			}
		}
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
