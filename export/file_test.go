package export

import (
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/model"
)

// TestWriteFileNeverReplaces: a second export under a taken name (two in one second) is named
// NAME-2.EXT, then NAME-3.EXT; the files already there are left alone, no temporary file stays,
// and once every name tried is taken it fails saying so.
func TestWriteFileNeverReplaces(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(s string) func(io.Writer) error {
		return func(w io.Writer) error { _, err := io.WriteString(w, s); return err }
	}
	for i, want := range []string{"x.csv", "x-2.csv", "x-3.csv"} {
		path, err := WriteFile(dir, "x.csv", write(want))
		if err != nil || path != filepath.Join(dir, want) {
			t.Fatalf("export %d: %q, %v; want %s", i+1, path, err, want)
		}
	}
	for _, name := range []string{"x.csv", "x-2.csv", "x-3.csv"} {
		if b, err := os.ReadFile(filepath.Join(dir, name)); err != nil || string(b) != name {
			t.Errorf("%s holds %q (%v)", name, b, err)
		}
	}
	for i := 4; i <= maxNamesTried; i++ {
		if _, err := WriteFile(dir, "x.csv", write("")); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := WriteFile(dir, "x.csv", write("")); err == nil || !strings.Contains(err.Error(), "x.csv and 99 more names like it are taken") {
		t.Errorf("with every name taken: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != maxNamesTried {
		t.Errorf("%d files in the folder, want %d (no temporary one left)", len(entries), maxNamesTried)
	}
}

// A row without a state (the floor's total, an agent none was reported for) has no time in
// state: IN STATE is blank, not 0:00.
func TestInStateIsBlankWithoutAState(t *testing.T) {
	t.Parallel()
	col := AgentColumns[slices.IndexFunc(AgentColumns, func(c FigureColumn[model.AgentFigures]) bool { return c.Title == "IN STATE" })]
	if got := col.Text(model.AgentFigures{Agent: FloorRow}); got != "" {
		t.Errorf("the floor row's IN STATE %q, want blank", got)
	}
	if got := col.Text(model.AgentFigures{Agent: "a", State: model.AgentReady, InState: 5 * time.Second}); got != "0:05" {
		t.Errorf("an agent's IN STATE %q, want 0:05", got)
	}
}
