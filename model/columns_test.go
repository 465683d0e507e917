package model

import (
	"slices"
	"testing"
	"time"
)

// TestColumnCatalogueAgrees checks that the catalogue's names, sort keys, filter fields and export
// names are unique and valid, and that every sort key but the start time has a column.
func TestColumnCatalogueAgrees(t *testing.T) {
	t.Parallel()
	names, exports := map[string]bool{}, map[string]bool{}
	sorts := map[SortKey]bool{}
	for _, c := range append(Columns(), colEnded) {
		if c.Name == "" || c.Title == "" || c.Text == nil || names[c.Name] {
			t.Errorf("column %+v: empty or repeated name, no title or no text", c)
		}
		names[c.Name] = true
		if c.Export != "" {
			if exports[c.Export] {
				t.Errorf("export name %q repeated", c.Export)
			}
			exports[c.Export] = true
		}
		if c.Sort != NoSort {
			if k, ok := ParseSortKey(c.Sort.String()); !ok || k != c.Sort || sorts[c.Sort] {
				t.Errorf("column %s: sort key %v is not a known sort key or is repeated", c.Name, c.Sort)
			}
			sorts[c.Sort] = true
		}
		if c.Filter != "" && !slices.Contains(FilterFields(), c.Filter) {
			t.Errorf("column %s: %q is not a filter field", c.Name, c.Filter)
		}
		if c.Field != NoField && (c.Field < 0 || c.Field >= NumFields) {
			t.Errorf("column %s: field %d out of range", c.Name, c.Field)
		}
	}
	for k := range numSortKeys {
		if k != SortStarted && !sorts[k] {
			t.Errorf("sort key %v has no column", k)
		}
	}
	if got, want := len(SortKeyNames()), int(numSortKeys); got != want {
		t.Errorf("%d sort key names, want %d", got, want)
	}
	for _, c := range Columns() {
		if !slices.ContainsFunc(ExportColumns(), func(e Column) bool { return e.Name == c.Name }) {
			t.Errorf("table column %s is not exported", c.Name)
		}
	}
}

// TestColumnText checks the cells that the table and exports write differently.
func TestColumnText(t *testing.T) {
	t.Parallel()
	dir := DirectionInbound
	r := &Row{Data: &Interaction{Type: TypeVoice, CallDirection: &dir, CallMuted: true,
		CallParties: []CallParty{{Phone: "+1206"}}}}
	now := time.Time{}
	for _, tc := range []struct {
		c           Column
		text, value string
	}{
		{colType, "☎ voice", "voice"},
		{colDir, "in", "inbound"},
		{colParties, "1 +1206", "1 "},
		{colMuted, "yes", "yes"},
		{colRec, "", "no"},
		{colEnded, "no", "no"},
	} {
		if got := tc.c.Text(r, now); got != tc.text {
			t.Errorf("%s text %q, want %q", tc.c.Name, got, tc.text)
		}
		if got := tc.c.ExportText(r, now); got != tc.value {
			t.Errorf("%s export %q, want %q", tc.c.Name, got, tc.value)
		}
	}
}
