package ui

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/config"
	"github.com/deskwatch/deskwatch/model"
	"github.com/deskwatch/deskwatch/themes"
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

// The room a wide terminal has left goes to the columns whose values need it: interaction ids show
// whole while the agent ids, all short, keep the agent column at its width; a long agent id widens
// it (to its grow width at most), and a column of no rows stays at its width.
func TestWidthGoesToValuesThatNeedIt(t *testing.T) {
	t.Parallel()
	_, store := newTestModel(t, themes.Mono, 120, 20, deskEvents())
	rows := store.Snapshot().Rows
	width := func(cols []column, id string) int {
		for _, c := range cols {
			if c.id == id {
				return c.width
			}
		}
		return -1
	}
	cols := layoutColumns(growToContent(pickColumns(nil), rows, base), 120, true)
	if got := width(cols, "id"); got != len("c-1001-voice") {
		t.Errorf("id column %d cells wide, want %d (the longest id, whole)", got, len("c-1001-voice"))
	}
	if got := width(cols, "agent"); got != columnDraw["agent"].width {
		t.Errorf("agent column %d cells wide for ids of 7, want its width %d", got, columnDraw["agent"].width)
	}
	long := *rows[0]
	long.AgentID = strings.Repeat("a", 40)
	cols = layoutColumns(growToContent(pickColumns(nil), []*model.Row{&long}, base), 120, true)
	if got := width(cols, "agent"); got != columnDraw["agent"].grow {
		t.Errorf("agent column %d cells wide for an id of 40, want its grow width %d", got, columnDraw["agent"].grow)
	}
	// Little room, wanted by a long email and an id two cells over: the id shows whole first.
	mail, data := *rows[2], *rows[2].Data
	email := "isabella.rossi@example.com"
	data.ID, data.Email, mail.Data = "call-10085", &email, &data
	cols = layoutColumns(growToContent(pickColumns(nil), []*model.Row{&mail}, base), 120, true)
	if got := width(cols, "id"); got != len("call-10085") {
		t.Errorf("id column %d cells wide beside a long email, want %d (whole)", got, len("call-10085"))
	}
	cols = layoutColumns(growToContent(pickColumns(nil), nil, base), 120, true)
	if got := width(cols, "id"); got != columnDraw["id"].width {
		t.Errorf("id column %d cells wide with no rows, want its width %d", got, columnDraw["id"].width)
	}
}

// A newcomer's report: at 80 columns the duration kept room for calls of hours while the subject was
// cut. It narrows to its values on screen, down to "10:00" (never below its title and a sort mark),
// the room going to the columns shown (not to one more); a call of hours widens it again; and s
// walks the columns the frame shows. The state keeps its width: the second newcomer saw every
// column after it move as a delivery_pending row came and went.
func TestDurationNarrowsToItsValues(t *testing.T) {
	t.Parallel()
	m, store := newTestModel(t, themes.Mono, 80, 24, deskEvents())
	rows := store.Snapshot().Rows
	widths := func(rows []*model.Row) map[string]int {
		out := map[string]int{}
		for _, c := range layoutColumns(growToContent(pickColumns(nil), rows, base), 80, true) {
			out[c.id] = c.width
		}
		return out
	}
	fixed := widths(nil)
	got := widths(rows)
	if got["state"] != fixed["state"] || got["dur"] != len("10:00") {
		t.Errorf("state %d and dur %d cells, want %d and %d", got["state"], got["dur"], fixed["state"], len("10:00"))
	}
	if len(got) != len(fixed) || got["subject"] != fixed["subject"]+(fixed["dur"]-got["dur"]) {
		t.Errorf("the room did not go to the subject: %v, at the columns' widths %v", got, fixed)
	}
	long, data := *rows[0], *rows[0].Data
	start := float64(base.Add(-2 * time.Hour).UnixMilli())
	data.StartTime, long.Data = &start, &data
	if got := widths([]*model.Row{&long}); got["dur"] != fixed["dur"] {
		t.Errorf("a call of hours: the column is %d cells, want its width %d", got["dur"], fixed["dur"])
	}
	m.Render()
	keys := []model.SortKey{}
	for k := m.query.Sort; len(keys) == 0 || k != m.query.Sort; {
		k = m.table.nextSort(k, true, true)
		keys = append(keys, k)
	}
	for _, c := range m.table.shown {
		if c.sort >= 0 && !slices.Contains(keys, c.sort) {
			t.Errorf("s does not reach column %s on screen (it walks %v)", c.id, keys)
		}
	}
}

// A newcomer's report: sorted by MUTE, REC or DIR, the table showed no mark of it, the title
// filling the column. Every column shown keeps its mark when sorted by, in both directions.
func TestSortMarkOnEveryColumn(t *testing.T) {
	t.Parallel()
	m, _ := newTestModel(t, themes.Mono, 200, 24, deskEvents())
	for _, c := range m.table.cols {
		if c.sort < 0 {
			continue
		}
		for _, desc := range []bool{false, true} {
			m.setSort(c.sort, desc)
			m.dirty = true
			titles := strings.Split(plain(m.Render()), "\n")[headerHeight]
			// At 200 columns there is room for the whole title and its mark (the second newcomer saw
			// "MUT▲" with 60 cells to spare).
			if mark := map[bool]string{false: "▲", true: "▼"}[desc]; strings.Count(titles, mark) != 1 ||
				!strings.Contains(titles, c.title+mark) {
				t.Errorf("sorted by %s (desc %v): titles %q lack the mark", c.id, desc, titles)
			}
		}
	}
}
