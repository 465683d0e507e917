package export

import (
	"bytes"
	"cmp"
	"encoding/csv"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/deskwatch/deskwatch/model"
)

// The floor's figures (issue 14) as tables: one catalogue of columns per view (services, agents),
// read by --print, the export keys and the views on screen, so a figure has one name (the JSON key,
// the CSV header, ":sort NAME"), one title and one value everywhere.

// figureKind says what a figure is, which decides how each output writes it.
type figureKind int

const (
	kindText    figureKind = iota // a name or a state
	kindCount                     // a whole number
	kindSeconds                   // a duration: seconds in JSON and CSV, model.FormatDuration on screen
	kindPercent                   // a percentage, one decimal in JSON and CSV, whole on screen
	kindReasons                   // durations by reason: an object of seconds in JSON
)

// figure is one figure of one row; ok false is an empty figure (no ASA yet): null in JSON, empty
// in CSV and on screen.
type figure struct {
	text    string
	n       float64
	d       time.Duration
	reasons map[string]time.Duration
	ok      bool
}

// FigureColumn is one column of a figures table over rows of type T.
type FigureColumn[T any] struct {
	// Name is the JSON key, the CSV header and the name ":sort" takes.
	Name string
	// Title heads the column on screen and in the text table.
	Title string
	kind  figureKind
	get   func(T) figure
}

// Text is the figure as the screen and the text table show it ("" when empty).
func (c FigureColumn[T]) Text(x T) string {
	f := c.get(x)
	switch {
	case !f.ok:
		return ""
	case c.kind == kindText:
		return f.text
	case c.kind == kindCount:
		return strconv.Itoa(int(f.n))
	case c.kind == kindSeconds:
		return model.FormatDuration(f.d)
	case c.kind == kindPercent:
		return PercentText(f.n)
	}
	return reasonsText(f.reasons, model.FormatDuration)
}

// value is the figure as CSV writes it: numbers plain (seconds, percent with one decimal).
func (c FigureColumn[T]) value(x T) string {
	f := c.get(x)
	switch {
	case !f.ok:
		return ""
	case c.kind == kindSeconds:
		return seconds(f.d)
	case c.kind == kindPercent:
		return strconv.FormatFloat(f.n, 'f', 1, 64)
	case c.kind == kindReasons:
		return reasonsText(f.reasons, seconds)
	}
	return c.Text(x)
}

// json is the figure as JSON writes it: nil (null) when empty.
func (c FigureColumn[T]) json(x T) any {
	f := c.get(x)
	switch {
	case !f.ok:
		return nil
	case c.kind == kindText:
		return f.text
	case c.kind == kindCount:
		return int64(f.n)
	case c.kind == kindSeconds:
		return secondsNum(f.d)
	case c.kind == kindPercent:
		return float64(int64(f.n*10+0.5)) / 10
	}
	out := make(map[string]float64, len(f.reasons))
	for k, d := range f.reasons {
		out[k] = secondsNum(d)
	}
	return out
}

// Compare orders two rows by the column: empty figures last, then by value.
func (c FigureColumn[T]) Compare(a, b T) int {
	fa, fb := c.get(a), c.get(b)
	if fa.ok != fb.ok {
		if fa.ok {
			return -1
		}
		return 1
	}
	switch c.kind {
	case kindText:
		return cmp.Compare(fa.text, fb.text)
	case kindSeconds:
		return cmp.Compare(fa.d, fb.d)
	case kindReasons:
		return cmp.Compare(sum(fa.reasons), sum(fb.reasons))
	}
	return cmp.Compare(fa.n, fb.n)
}

func sum(m map[string]time.Duration) time.Duration {
	var t time.Duration
	for _, d := range m {
		t += d
	}
	return t
}

// secondsNum is d in seconds to the millisecond.
func secondsNum(d time.Duration) float64 { return float64(d.Milliseconds()) / 1000 }

func seconds(d time.Duration) string { return strconv.FormatFloat(secondsNum(d), 'f', -1, 64) }

// reasonsText lists durations by reason, sorted by reason: "Lunch 10:00; Break 5:00" ("" is "none").
func reasonsText(m map[string]time.Duration, f func(time.Duration) string) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		name := k
		if name == "" {
			name = "none"
		}
		parts = append(parts, name+" "+f(m[k]))
	}
	return strings.Join(parts, "; ")
}

func text(s string) figure                  { return figure{text: s, ok: true} }
func count(n int) figure                    { return figure{n: float64(n), ok: true} }
func dur(d time.Duration) figure            { return figure{d: d, ok: true} }
func durIf(d time.Duration, ok bool) figure { return figure{d: d, ok: ok} }
func pctIf(p float64, ok bool) figure       { return figure{n: p, ok: ok} }

// ServiceColumns are the services table's columns, in order.
var ServiceColumns = []FigureColumn[model.ServiceFigures]{
	{"service", "SERVICE", kindText, func(s model.ServiceFigures) figure { return text(s.Service) }},
	{"open", "OPEN", kindCount, func(s model.ServiceFigures) figure { return count(s.Open) }},
	{"waiting", "WAITING", kindCount, func(s model.ServiceFigures) figure { return count(s.Waiting) }},
	{"longest_wait_s", "LONGEST", kindSeconds, func(s model.ServiceFigures) figure { return dur(s.LongestWait) }},
	{"answered", "ANSWERED", kindCount, func(s model.ServiceFigures) figure { return count(s.Answered) }},
	{"abandoned", "ABANDONED", kindCount, func(s model.ServiceFigures) figure { return count(s.Abandoned) }},
	{"asa_s", "ASA", kindSeconds, func(s model.ServiceFigures) figure { return durIf(s.ASA, s.HasASA) }},
	{"aht_s", "AHT", kindSeconds, func(s model.ServiceFigures) figure { return durIf(s.AHT, s.HasAHT) }},
	{"service_level_pct", "SL%", kindPercent, func(s model.ServiceFigures) figure {
		return pctIf(s.ServiceLevel, s.HasServiceLevel)
	}},
	{"transfers", "TRANSFERS", kindCount, func(s model.ServiceFigures) figure { return count(s.Transfers) }},
	{"target_s", "TARGET", kindSeconds, func(s model.ServiceFigures) figure { return durIf(s.Target, s.Target > 0) }},
}

// AgentColumns are the agents table's figure columns, in order.
var AgentColumns = []FigureColumn[model.AgentFigures]{
	{"agent", "AGENT", kindText, func(a model.AgentFigures) figure { return text(a.Agent) }},
	{"state", "STATE", kindText, func(a model.AgentFigures) figure { return text(string(a.State)) }},
	{"in_state_s", "IN STATE", kindSeconds, func(a model.AgentFigures) figure {
		if a.State == "" { // no state (the floor's total row, an agent none was reported for)
			return figure{}
		}
		return dur(a.InState)
	}},
	{"logged_in_s", "LOGGED IN", kindSeconds, func(a model.AgentFigures) figure { return dur(a.LoggedInTime) }},
	{"ready_s", "READY", kindSeconds, func(a model.AgentFigures) figure { return dur(a.Ready) }},
	{"not_ready_s", "NOT READY", kindSeconds, func(a model.AgentFigures) figure { return dur(a.NotReady) }},
	{"not_ready_by", "BY REASON", kindReasons, func(a model.AgentFigures) figure {
		return figure{reasons: a.NotReadyBy, ok: true}
	}},
	{"busy_s", "BUSY", kindSeconds, func(a model.AgentFigures) figure { return dur(a.Busy) }},
	{"acw_s", "ACW", kindSeconds, func(a model.AgentFigures) figure { return dur(a.ACW) }},
	{"handled", "HANDLED", kindCount, func(a model.AgentFigures) figure { return count(a.Handled) }},
	{"aht_s", "AHT", kindSeconds, func(a model.AgentFigures) figure { return durIf(a.AHT, a.HasAHT) }},
	{"occupancy_pct", "OCC%", kindPercent, func(a model.AgentFigures) figure {
		return pctIf(a.Occupancy, a.HasOccupancy)
	}},
	{"muted_s", "MUTED", kindSeconds, func(a model.AgentFigures) figure { return dur(a.Muted) }},
	{"unrecorded_voice_s", "UNREC", kindSeconds, func(a model.AgentFigures) figure { return dur(a.UnrecordedVoice) }},
}

// FigureColumnFor finds the column named name (its Name or Title, any case).
func FigureColumnFor[T any](cols []FigureColumn[T], name string) (FigureColumn[T], bool) {
	for _, c := range cols {
		if strings.EqualFold(c.Name, name) || strings.EqualFold(c.Title, name) {
			return c, true
		}
	}
	return FigureColumn[T]{}, false
}

// NameFilter is the filter of the figures tables by name (the views' / and --print --filter):
// it keeps the names whose text as shown (sanitized) holds text, in any case, so that what matches
// is what the table shows (an escape sequence's letters in a name match nothing).
func NameFilter(text string) func(name string) bool {
	text = strings.ToLower(text)
	return func(name string) bool { return strings.Contains(strings.ToLower(model.Sanitize(name)), text) }
}

// FigureColumnNames lists the columns' names, for errors and help.
func FigureColumnNames[T any](cols []FigureColumn[T]) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.Name
	}
	return out
}

// FloorRow names the total row of a figures table, the whole floor's (the services view's last
// line, and --print --view agents|services).
const FloorRow = "floor"

// WriteFigures writes rows of figures in the named format: an aligned text table (with total as
// its last line, when given), CSV with a header row, or a JSON array of objects keyed by the
// columns' names. Empty figures are null in JSON and empty in CSV and the table.
func WriteFigures[T any](w io.Writer, format string, cols []FigureColumn[T], rows []T, total *T) error {
	switch format {
	case "table", "text", "":
		cells := [][]string{make([]string, len(cols))}
		for i, c := range cols {
			cells[0][i] = c.Title
		}
		all := rows
		if total != nil {
			all = append(slices.Clip(rows), *total)
		}
		for _, r := range all {
			rec := make([]string, len(cols))
			for i, c := range cols {
				rec[i] = textCell(c.Text(r))
			}
			cells = append(cells, rec)
		}
		return writeAligned(w, cells)
	case "csv":
		cw := csv.NewWriter(w)
		if err := cw.Write(FigureColumnNames(cols)); err != nil {
			return err
		}
		for _, r := range rows {
			rec := make([]string, len(cols))
			for i, c := range cols {
				rec[i] = csvCell(c.value(r))
			}
			if err := cw.Write(rec); err != nil {
				return err
			}
		}
		cw.Flush()
		return cw.Error()
	case "json":
		out := make([]jsontext.Value, len(rows))
		for i, r := range rows {
			var b bytes.Buffer
			enc := jsontext.NewEncoder(&b, jsontext.AllowInvalidUTF8(true))
			if err := enc.WriteToken(jsontext.BeginObject); err != nil {
				return err
			}
			for _, c := range cols { // in the columns' order, not sorted
				if err := enc.WriteToken(jsontext.String(c.Name)); err != nil {
					return err
				}
				if err := json.MarshalEncode(enc, c.json(r), json.Deterministic(true)); err != nil {
					return err
				}
			}
			if err := enc.WriteToken(jsontext.EndObject); err != nil {
				return err
			}
			out[i] = bytes.TrimSpace(b.Bytes())
		}
		return writeSanitizedJSON(w, out)
	}
	return fmt.Errorf("unknown format %q (want %s)", format, strings.Join(Formats, ", "))
}

// PercentText is a percentage as the views show it: rounded to a whole number, halves up (72.5 is
// 73), the same on the wallboard, in the services view and in exports' text.
func PercentText(p float64) string { return strconv.Itoa(int(math.Round(p))) }
