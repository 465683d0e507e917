package ui

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/deskwatch/deskwatch/themes"
)

// An export's note names the file as short as it can: relative to the working directory, else
// under "~"; and at 80 columns it shows the whole name, not half of it.
func TestExportNoteShowsTheWholeName(t *testing.T) {
	dir, home := t.TempDir(), t.TempDir()
	t.Chdir(dir)
	t.Setenv("HOME", home)
	for path, want := range map[string]string{
		filepath.Join(dir, "deskwatch-20261207-092544.csv"):         "deskwatch-20261207-092544.csv",
		filepath.Join(home, "out", "deskwatch-20261207-092544.csv"): "~/out/deskwatch-20261207-092544.csv",
		"/elsewhere/deskwatch.csv":                                  "/elsewhere/deskwatch.csv",
	} {
		if got := shortPath(path); got != want {
			t.Errorf("shortPath(%q) = %q, want %q", path, got, want)
		}
	}
	for _, w := range []int{80, 120} {
		m, _ := newTestModel(t, themes.Mono, w, 20, deskEvents())
		m.Update(exportedMsg{path: filepath.Join(dir, "deskwatch-20261207-092544.csv")})
		screen := plain(m.Render())
		if !strings.Contains(screen, "exported deskwatch-20261207-092544.csv") {
			t.Errorf("at %d the export's note cuts the file's name:\n%s", w, screen)
		}
		checkFrame(t, m.Render(), w, 20)
	}
	// A long note takes more than half a wide line while it lasts.
	m, _ := newTestModel(t, themes.Mono, 120, 20, deskEvents())
	long := "exported /srv/exports/supervisors/floor-2/deskwatch-20261207-092544.json"
	m.setNote(long)
	if screen := plain(m.Render()); !strings.Contains(screen, long) {
		t.Errorf("at 120 a note of %d cells is cut:\n%s", len(long), screen)
	}
}
