package ui

import (
	"slices"
	"strings"
	"testing"

	"github.com/deskwatch/deskwatch/config"
	"github.com/deskwatch/deskwatch/model"
)

// TestColumnsAgree checks that the table, the configuration and ":sort" all read the one column
// catalogue: each catalogue column is drawn and nothing else is, the configuration accepts every
// name and shows them all by default, ":sort" finds each column by name and title, and the sort
// error lists every sort key.
func TestColumnsAgree(t *testing.T) {
	t.Parallel()
	names := model.ColumnNames()
	for name := range columnDraw {
		if !slices.Contains(names, name) {
			t.Errorf("the ui draws column %q, which the catalogue does not have", name)
		}
	}
	tv := &tableView{cols: pickColumns(nil)}
	for _, c := range model.Columns() {
		if d, ok := columnDraw[c.Name]; !ok || d.width < 1 {
			t.Errorf("column %s has no drawing", c.Name)
		}
		for _, name := range []string{c.Name, c.Title, c.Sort.String()} {
			if k, ok := tv.sortFor(name); !ok || k != c.Sort {
				t.Errorf(":sort %s gives %v %v, want %v", name, k, ok, c.Sort)
			}
		}
	}
	if got := config.Default().Columns; !slices.Equal(got, names) {
		t.Errorf("default columns %v, want the catalogue's %v", got, names)
	}
	rev := slices.Clone(names)
	slices.Reverse(rev)
	cfg, err := config.Parse("config.yaml", []byte("columns: ["+strings.Join(rev, ", ")+"]\n"), t.TempDir())
	if err != nil || !slices.Equal(cfg.Columns, rev) {
		t.Errorf("configuring every column: %v %v", cfg.Columns, err)
	}
	m := &Model{table: tv}
	_, err = m.sortCommand([]string{"nosuch"})
	for _, k := range model.SortKeyNames() {
		if err == nil || !strings.Contains(err.Error(), k) {
			t.Errorf("sort error %v does not name %s", err, k)
		}
	}
}
