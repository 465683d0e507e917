package model

import (
	"cmp"
	"slices"
	"time"
)

// LiveQuery keeps one viewer's query result up to date as the store changes, doing as little work as
// the change needs: nothing when the snapshot is the one it last saw, an incremental update (only the
// rows that appeared, changed or went are filtered, then placed by binary search) when few rows
// changed, a full Query.Run otherwise. Its result is always exactly what Query.Run gives for the
// same rows and clock.
//
// A result slice is never modified once returned, so a caller may keep it (a table, an export
// command) while later calls return new ones. A LiveQuery is for one goroutine (one viewer).
type LiveQuery struct {
	q     Query
	valid bool
	// from is the snapshot row list the result was computed from (in first-sight order, as
	// Snapshot.Rows are), at clock now.
	from []*Row
	now  time.Time
	rows []*Row
	// scratch lists, kept between calls to spare their allocation.
	gone, added []*Row
	drops       []int
	stats       LiveStats
}

// LiveStats count how LiveQuery.Rows produced its results.
type LiveStats struct {
	// Unchanged counts calls that returned the previous result as it was (same snapshot, and the
	// clock either unchanged or irrelevant to the query).
	Unchanged int
	// Incremental counts calls that updated the previous result with the changed rows only.
	Incremental int
	// Full counts calls that ran the whole query: the first, after SetQuery, when the query
	// depends on the clock and it moved, or when too many rows changed.
	Full int
	// Rows counts the rows filtered by incremental updates (full runs filter every row).
	Rows int
}

// incrementalShare is the largest fraction of the rows that may change for an update to be
// incremental: beyond it, placing rows one by one costs about what sorting them all does.
const incrementalShare = 8

// NewLiveQuery returns a LiveQuery for q.
func NewLiveQuery(q Query) *LiveQuery { return &LiveQuery{q: q} }

// Query returns the query being kept.
func (l *LiveQuery) Query() Query { return l.q }

// SetQuery replaces the query (a new filter, sort key, direction or ended-rows setting); the next
// call to Rows runs it in full.
func (l *LiveQuery) SetQuery(q Query) { l.q, l.valid = q, false }

// Stats reports how results were produced so far.
func (l *LiveQuery) Stats() LiveStats { return l.stats }

// Rows returns the query's result over rows, a snapshot's Rows (which must be in first-sight order,
// as Snapshot.Rows are), at now.
//
// When the query depends on the clock (a duration sort, a filter with duration terms), a different
// now makes a full run: a viewer that wants one run per second should pass a clock that moves once a
// second. Otherwise now only matters for the rows that changed.
func (l *LiveQuery) Rows(rows []*Row, now time.Time) []*Row {
	clocked := l.q.Sort == SortDuration || l.q.Filter.Timed()
	switch {
	case !l.valid || clocked && !now.Equal(l.now):
		return l.full(rows, now)
	case sameRows(rows, l.from):
		l.stats.Unchanged++
		return l.rows
	}
	if !l.diff(rows) {
		return l.full(rows, now)
	}
	l.rows = l.merge(now)
	l.from, l.now = rows, now
	l.stats.Incremental++
	return l.rows
}

func (l *LiveQuery) full(rows []*Row, now time.Time) []*Row {
	l.rows = l.q.Run(rows, now)
	l.from, l.now, l.valid = rows, now, true
	l.stats.Full++
	return l.rows
}

// sameRows reports whether two snapshot row lists are the same list: snapshots never change their
// slices, so the same start and length means the same rows.
func sameRows(a, b []*Row) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}

// diff collects the rows that went or were replaced (l.gone) and the rows that appeared or
// replaced one (l.added) since the previous result. It reports false when too many changed for an
// incremental update.
func (l *LiveQuery) diff(rows []*Row) bool {
	limit := max(len(rows), len(l.from))/incrementalShare + 1
	var ok bool
	l.gone, l.added, ok = diffRows(l.from, rows, l.gone[:0], l.added[:0], limit)
	return ok
}

// diffRows walks two snapshot row lists side by side (both in first-sight order, so by Seq) and
// appends to gone the rows of prev that went or were replaced, to added the rows of rows that
// appeared or replaced one. It stops, reporting false, once more than limit rows differ (limit < 0:
// no limit).
func diffRows(prev, rows, gone, added []*Row, limit int) ([]*Row, []*Row, bool) {
	over := func() bool { return limit >= 0 && len(gone)+len(added) > limit }
	i, j := 0, 0
	for i < len(prev) && j < len(rows) {
		p, r := prev[i], rows[j]
		switch {
		case p == r:
			i, j = i+1, j+1
			continue
		case p.Seq == r.Seq:
			gone, added = append(gone, p), append(added, r)
			i, j = i+1, j+1
		case p.Seq < r.Seq:
			gone = append(gone, p)
			i++
		default:
			added = append(added, r)
			j++
		}
		if over() {
			return gone, added, false
		}
	}
	gone = append(gone, prev[i:]...)
	added = append(added, rows[j:]...)
	return gone, added, !over()
}

// merge builds the new result: the previous one without the rows that went, with the new rows that
// pass the query placed in order by binary search. It never writes to the previous result, which
// callers may hold.
func (l *LiveQuery) merge(now time.Time) []*Row {
	order := l.q.order(now) // the order the previous result is in: the clock has not moved, or does not matter
	old := l.rows
	drops := l.drops[:0]
	for _, r := range l.gone {
		if k, ok := slices.BinarySearchFunc(old, r, order); ok && old[k] == r {
			drops = append(drops, k)
		}
	}
	slices.Sort(drops)
	l.drops = drops[:0]
	ins := l.added[:0]
	for _, r := range l.added {
		if l.q.Passes(r, now) {
			ins = append(ins, r)
		}
	}
	l.stats.Rows += len(l.gone) + len(l.added)
	slices.SortFunc(ins, order)
	out := make([]*Row, 0, len(old)-len(drops)+len(ins))
	pos := 0
	for _, r := range ins {
		k, _ := slices.BinarySearchFunc(old, r, order)
		out, drops = appendKept(out, old, pos, k, drops)
		out = append(out, r)
		pos = k
	}
	out, _ = appendKept(out, old, pos, len(old), drops)
	clear(l.gone)
	clear(l.added)
	return out
}

// appendKept appends old[from:to] to out, leaving out the indexes listed in drops (sorted), and
// returns the drops not yet reached.
func appendKept(out, old []*Row, from, to int, drops []int) ([]*Row, []int) {
	for len(drops) > 0 && drops[0] < to {
		out = append(out, old[from:drops[0]]...)
		from = drops[0] + 1
		drops = drops[1:]
	}
	return append(out, old[from:to]...), drops
}

// Passes reports whether r is in the query's result at now.
func (q Query) Passes(r *Row, now time.Time) bool {
	return !(q.HideEnded && !r.Open()) && q.Filter.Match(r, now)
}

// order is the total order Run sorts by for rows in first-sight order: open rows first when
// OpenFirst, the sort key (reversed when Desc), then first sight. It uses the same key functions as
// Run, so the two never disagree.
func (q Query) order(now time.Time) func(a, b *Row) int {
	numeric := numericKey(q.Sort, now)
	byKey := compareBy(q.Sort, now)
	return func(a, b *Row) int {
		if c := q.openFirst(a, b); c != 0 {
			return c
		}
		var c int
		if numeric != nil {
			c = cmp.Compare(numeric(a), numeric(b))
		} else {
			c = byKey(a, b)
		}
		if q.Desc {
			c = -c
		}
		return cmp.Or(c, cmp.Compare(a.Seq, b.Seq))
	}
}
