package ui

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/deskwatch/deskwatch/export"
	"github.com/deskwatch/deskwatch/model"
)

// exportedMsg reports where an export was written, or why it failed.
type exportedMsg struct {
	path string
	err  error
}

// exportRows writes rows (the view as filtered and sorted) to a new file in dir, off the UI
// goroutine. It captures its inputs when made, never the model.
func exportRows(rows []*model.Row, format, dir string, now, wall time.Time) tea.Cmd {
	name := fmt.Sprintf("deskwatch-%s.%s", wall.Format("20060102-150405"), format)
	return exportFile(dir, name, func(w io.Writer) error { return export.Write(w, format, rows, now) })
}

// exportFile writes a new file name in dir with write, off the UI goroutine, and reports its
// absolute path.
func exportFile(dir, name string, write func(io.Writer) error) tea.Cmd {
	return func() tea.Msg {
		path, err := export.WriteFile(dir, name, write)
		if err != nil {
			return exportedMsg{path: path, err: err}
		}
		if abs, aerr := filepath.Abs(path); aerr == nil {
			path = abs
		}
		return exportedMsg{path: path}
	}
}

// shortPath names a file for the status line: relative to the working directory when it is under
// it, else with the home directory as "~", else as it is.
func shortPath(path string) string {
	if wd, err := os.Getwd(); err == nil {
		if rel, err := filepath.Rel(wd, path); err == nil && filepath.IsLocal(rel) {
			return rel
		}
	}
	if home, err := os.UserHomeDir(); err == nil && home != "" && strings.HasPrefix(path, home+string(filepath.Separator)) {
		return "~" + path[len(home):]
	}
	return path
}
