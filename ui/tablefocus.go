package ui

import "github.com/deskwatch/deskwatch/model"

// The table keeps its cursor on the open interactions (SetLines): these find where it goes and
// let the user pin the interaction it follows instead.

// nextOpen returns the line of the first open row at or after from, else of the last open row
// before it; -1 when no row is open.
func (t *tableView) nextOpen(from int) int {
	n := t.lines.Len()
	from = min(max(from, 0), n)
	for i := from; i < n; i++ {
		if r := t.lines.At(i).row; r != nil && r.Open() {
			return i
		}
	}
	for i := from - 1; i >= 0; i-- {
		if r := t.lines.At(i).row; r != nil && r.Open() {
			return i
		}
	}
	return -1
}

// togglePin pins the selected interaction, so the cursor follows it when it ends, or unpins it;
// it returns the pinned row (nil when unpinned or no row is selected).
func (t *tableView) togglePin() *model.Row {
	r := t.Selected()
	if r == nil || t.pinned == r.Key {
		t.pinned = ""
		return nil
	}
	t.pinned = r.Key
	return r
}
