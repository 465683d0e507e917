package model

import (
	"strconv"
	"time"
)

// Column is one column of an interaction, defined once for every place that names it: the
// configuration's columns list, the table's titles and cells, the sort key it stands for, the
// filter field that selects on it and its name and text in exports. How it is drawn (width,
// which columns hide first, style) is the ui's business, keyed by Name.
type Column struct {
	// Name is the column's name in the configuration and in ":sort NAME".
	Name string
	// Title heads the column in the table; ":sort TITLE" works too.
	Title string
	// Sort is the sort key the column stands for (NoSort for none).
	Sort SortKey
	// Filter is the filter field that selects on the column ("" for none).
	Filter string
	// Export is the column's name in CSV and text exports ("" when not exported).
	Export string
	// Field is the tracked field whose change highlights the cell (NoField for none).
	Field Field
	// Text is the cell's plain text in the table; the ui sanitizes, cuts and styles it.
	Text func(r *Row, now time.Time) string
	// Value is the cell's text in exports; nil means Text.
	Value func(r *Row, now time.Time) string
}

// NoSort marks a column that stands for no sort key.
const NoSort SortKey = -1

// NoField marks a column whose changes no tracked field records.
const NoField Field = -1

// ExportText is the column's text for r in exports.
func (c Column) ExportText(r *Row, now time.Time) string {
	if c.Value != nil {
		return c.Value(r, now)
	}
	return c.Text(r, now)
}

// The catalogue, one variable per column so that the table's order and the export's order name
// the same values.
var (
	colType = Column{Name: "type", Title: "TYPE", Sort: SortType, Filter: "type", Export: "type", Field: NoField,
		Text:  func(r *Row, _ time.Time) string { return TypeGlyph(r.Data.Type) + " " + string(r.Data.Type) },
		Value: func(r *Row, _ time.Time) string { return string(r.Data.Type) }}
	colID = Column{Name: "id", Title: "ID", Sort: SortID, Filter: "id", Export: "id", Field: NoField,
		Text: func(r *Row, _ time.Time) string { return r.Data.ID }}
	colAgent = Column{Name: "agent", Title: "AGENT", Sort: SortAgent, Filter: "agent", Export: "agent", Field: NoField,
		Text: func(r *Row, _ time.Time) string { return r.AgentID }}
	colState = Column{Name: "state", Title: "STATE", Sort: SortState, Filter: "state", Export: "state",
		Field: FieldState, Text: func(r *Row, _ time.Time) string { return string(r.Data.State) }}
	colDir = Column{Name: "dir", Title: "DIR", Sort: SortDirection, Filter: "dir", Export: "direction",
		Field: FieldDirection, Text: func(r *Row, _ time.Time) string { return dirText(r.Data) },
		Value: func(r *Row, _ time.Time) string { return dirKey(r) }}
	colParty = Column{Name: "party", Title: "NUMBER/EMAIL", Sort: SortCounterpart, Filter: "party", Export: "number",
		Field: FieldCounterpart, Text: func(r *Row, _ time.Time) string { return r.Data.Counterpart() }}
	colService = Column{Name: "service", Title: "SERVICE", Sort: SortService, Filter: "service", Export: "service",
		Field: FieldService, Text: func(r *Row, _ time.Time) string { return Str(r.Data.Service) }}
	colParties = Column{Name: "parties", Title: "PARTIES", Sort: SortParties, Export: "parties",
		Field: FieldParties, Text: func(r *Row, _ time.Time) string { return partiesText(r.Data) },
		Value: func(r *Row, _ time.Time) string { return partiesValue(r.Data) }}
	colMuted = Column{Name: "muted", Title: "MUTE", Sort: SortMuted, Filter: "muted", Export: "muted",
		Field: FieldMuted, Text: func(r *Row, _ time.Time) string { return ifTrue(r.Data.CallMuted, "yes") },
		Value: func(r *Row, _ time.Time) string { return yesNo(r.Data.CallMuted) }}
	colRec = Column{Name: "rec", Title: "REC", Sort: SortRecording, Filter: "rec", Export: "recording",
		Field: FieldRecording, Text: func(r *Row, _ time.Time) string { return ifTrue(r.Data.CallRecording, "●") },
		Value: func(r *Row, _ time.Time) string { return yesNo(r.Data.CallRecording) }}
	colDur = Column{Name: "dur", Title: "DUR", Sort: SortDuration, Filter: "dur", Export: "duration", Field: NoField,
		Text: func(r *Row, now time.Time) string { return FormatDuration(r.Duration(now)) }}
	colSubject = Column{Name: "subject", Title: "SUBJECT", Sort: SortSubject, Filter: "subject", Export: "subject",
		Field: FieldSubject, Text: func(r *Row, _ time.Time) string { return r.Data.Subject }}
	// colEnded is in exports only: the table shows an ended row by its style.
	colEnded = Column{Name: "ended", Title: "ENDED", Sort: NoSort, Export: "ended", Field: NoField,
		Text: func(r *Row, _ time.Time) string { return yesNo(!r.Open()) }}
)

// Columns returns the interactions table's columns in their default order, a new slice.
func Columns() []Column {
	return []Column{colType, colID, colAgent, colState, colDir, colParty, colService, colParties, colMuted,
		colRec, colDur, colSubject}
}

// ColumnNames returns the names of Columns, in the same order: the names the configuration
// accepts.
func ColumnNames() []string {
	cols := Columns()
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.Name
	}
	return out
}

// ExportColumns returns the columns exports write, in the order they write them, a new slice.
func ExportColumns() []Column {
	return []Column{colAgent, colID, colType, colState, colEnded, colDir, colParty, colService, colParties,
		colMuted, colRec, colDur, colSubject}
}

// TypeGlyph is the one-cell glyph drawn before a media type's name.
func TypeGlyph(t Type) string {
	switch t {
	case TypeVoice:
		return "☎"
	case TypeChat:
		return "≡"
	case TypeEmail:
		return "@"
	}
	return "?"
}

// dirText is the call direction as the table shows it: in, out, another value as it came.
func dirText(in *Interaction) string {
	if in.CallDirection == nil {
		return ""
	}
	switch *in.CallDirection {
	case DirectionInbound:
		return "in"
	case DirectionOutbound:
		return "out"
	}
	return string(*in.CallDirection)
}

// partiesText is the party count and the first party's name (or phone), e.g. "2 Ann Lee".
func partiesText(in *Interaction) string {
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

// partiesValue is the party count and the first party's name as exports write it: "0" for none.
func partiesValue(in *Interaction) string {
	if len(in.CallParties) == 0 {
		return "0"
	}
	return strconv.Itoa(len(in.CallParties)) + " " + in.CallParties[0].Name
}

// ifTrue is yes when b holds, else blank.
func ifTrue(b bool, yes string) string {
	if b {
		return yes
	}
	return ""
}
