package model

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// SortKey names the column rows are sorted by.
type SortKey int

// The sort keys, in the order the sort key cycles through them.
const (
	SortStarted SortKey = iota
	SortDuration
	SortState
	SortType
	SortAgent
	SortService
	SortParties
	SortCounterpart
	SortSubject
	SortID
	SortDirection
	SortMuted
	SortRecording
	numSortKeys
)

var sortNames = [...]string{"started", "duration", "state", "type", "agent", "service", "parties",
	"number", "subject", "id", "dir", "muted", "rec"}

// String names the sort key as the status line shows it.
func (k SortKey) String() string {
	if k >= 0 && k < numSortKeys {
		return sortNames[k]
	}
	return "?"
}

// SortKeyNames lists the sort keys' names in the order the sort key cycles through them.
func SortKeyNames() []string { return slices.Clone(sortNames[:]) }

// Next returns the following sort key, wrapping around.
func (k SortKey) Next() SortKey { return (k + 1) % numSortKeys }

// ParseSortKey finds a sort key by its name.
func ParseSortKey(name string) (SortKey, bool) {
	i := slices.Index(sortNames[:], strings.ToLower(name))
	return SortKey(i), i >= 0
}

// Query selects and orders rows for one viewer: a filter, a sort and whether ended rows are hidden.
type Query struct {
	Filter    Filter
	Sort      SortKey
	Desc      bool
	HideEnded bool
	// OpenFirst lists every open interaction before the ended ones, each part in the sort's order,
	// so a long day's ended rows do not bury the calls that need attention.
	OpenFirst bool
}

// DefaultQuery is the order every view starts with, the TUI, --print and the export alike: open
// interactions first, each part by start time, oldest first, so a long day's ended rows do not
// bury the calls that need attention.
func DefaultQuery(f Filter) Query { return Query{Filter: f, Sort: SortStarted, OpenFirst: true} }

// Run returns the rows that pass the query, sorted, as a new slice (rows are shared, not copied).
// Ties keep the order of first sight, so rows do not jump while values tie.
func (q Query) Run(rows []*Row, now time.Time) []*Row {
	out := make([]*Row, 0, len(rows))
	for _, r := range rows {
		if q.Passes(r, now) {
			out = append(out, r)
		}
	}
	q.sortRows(out, now)
	return out
}

// sortItem carries a row through the sort with its position and, for numeric sort keys, the key
// computed once rather than at every comparison (a duration sort of 100,000 rows would otherwise
// convert each row's start time some three million times).
type sortItem struct {
	key int64
	row *Row
	pos int
}

// sortRows sorts by the query's key, then by first sight, then by position: a total order, so
// the faster unstable sort gives the stable result.
func (q Query) sortRows(rows []*Row, now time.Time) {
	items := make([]sortItem, len(rows))
	numeric := numericKey(q.Sort, now)
	for i, r := range rows {
		items[i] = sortItem{row: r, pos: i}
		if numeric != nil {
			items[i].key = numeric(r)
		}
	}
	cmpFn := compareBy(q.Sort, now)
	slices.SortFunc(items, func(a, b sortItem) int {
		if c := q.openFirst(a.row, b.row); c != 0 {
			return c
		}
		var c int
		if numeric != nil {
			c = cmp.Compare(a.key, b.key)
		} else {
			c = cmpFn(a.row, b.row)
		}
		if q.Desc {
			c = -c
		}
		return cmp.Or(c, cmp.Compare(a.row.Seq, b.row.Seq), cmp.Compare(a.pos, b.pos))
	})
	for i := range items {
		rows[i] = items[i].row
	}
}

// openFirst orders an open row before an ended one when the query asks for it; 0 otherwise.
func (q Query) openFirst(a, b *Row) int {
	if !q.OpenFirst {
		return 0
	}
	switch ao, bo := a.Open(), b.Open(); {
	case ao && !bo:
		return -1
	case !ao && bo:
		return 1
	}
	return 0
}

// numericKey returns the sort key as a number for the keys that have one, else nil.
func numericKey(k SortKey, now time.Time) func(*Row) int64 {
	switch k {
	case SortStarted:
		return func(r *Row) int64 { return r.Start().UnixMicro() }
	case SortDuration:
		return func(r *Row) int64 { return int64(r.Duration(now)) }
	case SortState:
		return func(r *Row) int64 { return int64(stateRank(r)) }
	case SortParties:
		return func(r *Row) int64 { return int64(len(r.Data.CallParties)) }
	case SortMuted:
		return func(r *Row) int64 { return boolKey(r.Data.CallMuted) }
	case SortRecording:
		return func(r *Row) int64 { return boolKey(r.Data.CallRecording) }
	}
	return nil
}

func compareBy(k SortKey, now time.Time) func(a, b *Row) int {
	switch k {
	case SortDuration:
		return func(a, b *Row) int { return cmp.Compare(a.Duration(now), b.Duration(now)) }
	case SortState:
		return func(a, b *Row) int { return cmp.Compare(stateRank(a), stateRank(b)) }
	case SortType:
		return func(a, b *Row) int { return strings.Compare(string(a.Data.Type), string(b.Data.Type)) }
	case SortAgent:
		return func(a, b *Row) int { return strings.Compare(a.AgentID, b.AgentID) }
	case SortService:
		return func(a, b *Row) int { return strings.Compare(Str(a.Data.Service), Str(b.Data.Service)) }
	case SortParties:
		return func(a, b *Row) int { return cmp.Compare(len(a.Data.CallParties), len(b.Data.CallParties)) }
	case SortCounterpart:
		return func(a, b *Row) int { return strings.Compare(a.Data.Counterpart(), b.Data.Counterpart()) }
	case SortSubject:
		return func(a, b *Row) int { return strings.Compare(a.Data.Subject, b.Data.Subject) }
	case SortID:
		return func(a, b *Row) int { return strings.Compare(a.Data.ID, b.Data.ID) }
	case SortDirection:
		return func(a, b *Row) int { return strings.Compare(dirKey(a), dirKey(b)) }
	case SortMuted:
		return func(a, b *Row) int { return cmp.Compare(boolKey(a.Data.CallMuted), boolKey(b.Data.CallMuted)) }
	case SortRecording:
		return func(a, b *Row) int {
			return cmp.Compare(boolKey(a.Data.CallRecording), boolKey(b.Data.CallRecording))
		}
	}
	return func(a, b *Row) int { return a.Start().Compare(b.Start()) }
}

// stateRank orders states as a call passes through them; ended rows last, unknown values before them.
func stateRank(r *Row) int {
	if r.Ended {
		return len(States) + 1
	}
	if i := slices.Index(States, r.Data.State); i >= 0 {
		return i
	}
	return len(States)
}

// dirKey is the call direction as a string, "" when absent.
func dirKey(r *Row) string {
	if d := r.Data.CallDirection; d != nil {
		return string(*d)
	}
	return ""
}

// boolKey orders false before true.
func boolKey(b bool) int64 {
	if b {
		return 1
	}
	return 0
}
