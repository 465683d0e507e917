package config

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/deskwatch/deskwatch/model"
	"github.com/deskwatch/deskwatch/themes"
)

// WriteDefaultFile writes the default file (WriteDefault's) to path, creating its directory. It
// does not replace a file already there (the error is then fs.ErrExist) unless force.
func WriteDefaultFile(path string, force bool) error {
	var buf bytes.Buffer
	if err := WriteDefault(&buf); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	if force {
		flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	f, err := os.OpenFile(path, flags, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(buf.Bytes()); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// WriteDefault writes the default configuration as a commented YAML file, the one `deskwatch config
// init` creates. Loading it gives Default().
func WriteDefault(w io.Writer) error {
	d := Default()
	_, err := fmt.Fprintf(w, defaultTemplate,
		strings.Join(themes.Names(), ", "),
		wrap("All columns: "+strings.Join(model.ColumnNames(), ", ")+".", "# "),
		strings.Join(d.Columns, ", "),
		d.Retention,
		d.Filter,
		alertLines(d),
		kpiLines(d.KPI),
		wrap(strings.Join(Actions, ", "), "#   "),
	)
	if err != nil {
		return fmt.Errorf("write default configuration: %w", err)
	}
	return nil
}

const defaultTemplate = `# deskwatch configuration.
#
# Written by "deskwatch config init". Every value below is the default: change what you need
# and delete the rest. A field left empty keeps its default. An unknown field or a bad value is
# an error that names this file, the line and the field, and deskwatch does not start with a
# half-read configuration.

# Colour theme: %s, or NAME for themes/NAME.yaml
# beside this file (a user theme starts from "base: dark" and overrides fields one by one).
# Unset, it is dark, or mono when NO_COLOR is set. --theme overrides it.
# theme: dark

# The interactions table's columns, in order. Narrow terminals hide some; agent shows only when
# the stream names agents.
%s
columns: [%s]

# How many ended interactions to keep before forgetting the oldest (--retention overrides it).
retention: %d

# The filter in force at start, in the language of the / prompt, e.g.
# "type:voice -state:completed dur>5m smith" (--filter overrides it).
filter: %q

# Alerts mark the row and the agent, and the header counts them. Durations are written like
# 30s, 2m or 1h30m; 0 turns a rule off.
alerts:
%s

# The floor's figures (services, agents, wallboard) and their KPI limits. A service level under
# warn, or a wait or a time not ready over warn, shows in warning colour; past alert it shows in
# alert colour and is an alert (the header counts it, n visits it, the bell rings). warn must be
# milder than alert; 0 turns a limit off. Durations as above; levels in percent.
kpi:
%s
  # a service's own target T, by its name in the events
  # services:
  #   Sales: {target: 30s}

# Key remapping: an action and its keys (a key or a list). Actions not listed keep their keys.
# Keys are written as q, G, ctrl+c, shift+tab, f5, space, enter. Actions:
%s
# keys:
#   quit: [q, ctrl+c]
#   next_alert: n
`

// formatDuration writes a duration the way the file shows them: seconds under five minutes
// (60s, 120s), whole minutes or hours above.
func formatDuration(d time.Duration) string {
	switch {
	case d == 0:
		return "0"
	case d < 5*time.Minute || d%time.Minute != 0:
		if d%time.Second == 0 {
			return fmt.Sprintf("%ds", d/time.Second)
		}
		return d.String()
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	}
	return fmt.Sprintf("%dm", d/time.Minute)
}

// wrap breaks a comma-separated list into comment lines of at most 100 columns.
func wrap(list, prefix string) string {
	var b strings.Builder
	line := prefix
	for i, word := range strings.Split(list, ", ") {
		if i > 0 {
			word = ", " + word
		}
		if len(line)+len(word) > 100 {
			b.WriteString(strings.TrimRight(line, " ") + ",\n")
			line = prefix + strings.TrimPrefix(word, ", ")
			continue
		}
		line += word
	}
	b.WriteString(line)
	return b.String()
}

// alertLines writes the alerts section's fields with a comment each, the comments aligned.
func alertLines(d Config) string {
	a := d.Alerts
	lines := []struct{ field, value, comment string }{
		{"hold", formatDuration(a.Hold), "a call on hold longer than this"},
		{"queued", formatDuration(a.Queued), "an interaction queued longer than this"},
		{"muted", formatDuration(a.Muted), "a delivered call muted longer than this"},
		{"not_recording", fmt.Sprint(a.NotRecording), "a delivered voice call that is not being recorded"},
		{"audio_quality", fmt.Sprint(a.AudioQuality), "a call or agent with an audio-quality alert"},
		{"server_error", fmt.Sprint(a.ServerError), "a server error..."},
		{"events_lost", fmt.Sprint(a.EventsLost), "...or events lost on the way, open for"},
		{"recent", formatDuration(a.Recent), "(0: until deskwatch stops)"},
		{"bell", fmt.Sprint(d.Bell), "ring the terminal bell when an alert opens"},
	}
	var b strings.Builder
	for i, l := range lines {
		if i > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "  %-22s # %s", l.field+": "+l.value, l.comment)
	}
	return b.String()
}
