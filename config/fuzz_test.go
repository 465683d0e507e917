package config

import (
	"strings"
	"testing"

	"github.com/deskwatch/deskwatch/model"
)

// FuzzParse feeds arbitrary files to the configuration parser: it never panics, every error names
// the file, and a file it accepts gives a configuration the program can use as is.
func FuzzParse(f *testing.F) {
	f.Add(defaultText(f))
	f.Add("theme: light\ncolumns: [type, state, dur]\nalerts:\n  hold: 90s\nkeys:\n  quit: [q, ctrl+c]\n")
	f.Fuzz(func(t *testing.T, data string) {
		c, err := Parse("fuzz.yaml", []byte(data), t.TempDir())
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz.yaml") {
				t.Fatalf("error without the file name: %v", err)
			}
			return
		}
		if _, err := model.ParseFilter(c.Filter); err != nil {
			t.Fatalf("accepted a filter that does not parse: %q: %v", c.Filter, err)
		}
		if c.Retention < 1 || len(c.Columns) == 0 {
			t.Fatalf("accepted retention %d, %d columns", c.Retention, len(c.Columns))
		}
	})
}
