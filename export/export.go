// Package export writes rows of the store as plain text, JSON or CSV: for --print (batch mode) and the
// export key. Every string from an event is sanitized: the text table like the screen
// (model.Sanitize), CSV cells and JSON strings with model.SanitizeData, and CSV cells that a
// spreadsheet would take for a formula are prefixed with a quote (see csvCell).
package export

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/charmbracelet/x/ansi"

	"github.com/deskwatch/deskwatch/model"
)

// Formats lists the output formats by name.
var Formats = []string{"table", "json", "csv"}

// Write writes rows in the named format. now measures open interactions' durations.
func Write(w io.Writer, format string, rows []*model.Row, now time.Time) error {
	switch format {
	case "table", "text", "":
		return WriteText(w, rows, now)
	case "json":
		return WriteJSON(w, rows, now)
	case "csv":
		return WriteCSV(w, rows, now)
	}
	return fmt.Errorf("unknown format %q (want %s)", format, strings.Join(Formats, ", "))
}

// columns are the exported columns, in order (model.ExportColumns).
var columns = model.ExportColumns()

// header is the exported columns' names.
func header() []string {
	out := make([]string, len(columns))
	for i, c := range columns {
		out[i] = c.Export
	}
	return out
}

func record(r *model.Row, now time.Time) []string {
	out := make([]string, len(columns))
	for i, c := range columns {
		out[i] = c.ExportText(r, now)
	}
	return out
}

// WriteText writes an aligned plain-text table with a header line; strings are sanitized and wide
// characters measured in cells.
func WriteText(w io.Writer, rows []*model.Row, now time.Time) error {
	cells := make([][]string, 0, len(rows)+1)
	cells = append(cells, upper(header()))
	for _, r := range rows {
		rec := record(r, now)
		for i := range rec {
			rec[i] = textCell(rec[i])
		}
		cells = append(cells, rec)
	}
	return writeAligned(w, cells)
}

// textCell is a cell of the text table: sanitized as on screen, cut at 40 cells.
func textCell(s string) string {
	s = model.Sanitize(s)
	if ansi.StringWidth(s) > 40 {
		s = ansi.Truncate(s, 40, "…")
	}
	return s
}

// writeAligned writes cells as a table aligned on cell widths, two spaces between columns.
func writeAligned(w io.Writer, cells [][]string) error {
	if len(cells) == 0 {
		return nil
	}
	widths := make([]int, len(cells[0]))
	for _, row := range cells {
		for i, c := range row {
			widths[i] = max(widths[i], ansi.StringWidth(c))
		}
	}
	var b strings.Builder
	for _, row := range cells {
		b.Reset()
		for i, c := range row {
			if i == len(row)-1 {
				b.WriteString(c)
				break
			}
			b.WriteString(c)
			b.WriteString(strings.Repeat(" ", widths[i]-ansi.StringWidth(c)+2))
		}
		if _, err := io.WriteString(w, strings.TrimRight(b.String(), " ")+"\n"); err != nil {
			return err
		}
	}
	return nil
}

func upper(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = strings.ToUpper(v)
	}
	return out
}

// WriteCSV writes the columns of the text table as CSV with a header row. Cells are sanitized and
// neutralized against formula injection (csvCell); encoding/csv quotes them as RFC 4180 says.
func WriteCSV(w io.Writer, rows []*model.Row, now time.Time) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(header()); err != nil {
		return err
	}
	for _, r := range rows {
		rec := record(r, now)
		for i := range rec {
			rec[i] = csvCell(rec[i])
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// jsonRow is one row of JSON output: the summary plus the full latest snapshot and timeline.
type jsonRow struct {
	AgentID     string             `json:"agentId,omitempty"`
	Ended       bool               `json:"ended"`
	Reclaimed   bool               `json:"reclaimed,omitempty"` // ended by a memory bound, not by its agent
	DurationSec float64            `json:"durationSec"`
	FirstSeen   time.Time          `json:"firstSeen"`
	EndedAt     *time.Time         `json:"endedAt,omitempty"`
	AudioAlert  string             `json:"audioAlert,omitempty"`
	Interaction *model.Interaction `json:"interaction"`
	Record      *model.Interaction `json:"activityRecord,omitempty"`
	Timeline    []jsonChange       `json:"timeline"`
}

type jsonChange struct {
	At   time.Time `json:"at"`
	Kind string    `json:"kind"`
	Text string    `json:"text"`
}

// WriteJSON writes the rows as one JSON array, indented, with each row's snapshot and timeline.
// Every string is sanitized and every member name made visible and unique (sanitizeJSON), so the
// output is valid UTF-8 without control characters or repeated names whatever the events held;
// nothing is written unless all of it encoded.
func WriteJSON(w io.Writer, rows []*model.Row, now time.Time) error {
	out := make([]jsonRow, len(rows))
	for i, r := range rows {
		jr := jsonRow{AgentID: r.AgentID, Ended: !r.Open(), Reclaimed: r.Reclaimed, DurationSec: r.Duration(now).Seconds(),
			FirstSeen: r.FirstSeen, AudioAlert: r.AudioAlert, Interaction: r.Data, Record: r.Record,
			Timeline: make([]jsonChange, len(r.Timeline))}
		if r.Ended {
			t := r.EndedAt
			jr.EndedAt = &t
		}
		for j, c := range r.Timeline {
			jr.Timeline[j] = jsonChange{At: c.At(), Kind: c.Kind.String(), Text: c.Text}
		}
		out[i] = jr
	}
	return writeSanitizedJSON(w, out)
}

// writeSanitizedJSON marshals v and writes it through sanitizeJSON, all of it or nothing.
func writeSanitizedJSON(w io.Writer, v any) error {
	raw, err := json.Marshal(v, jsontext.AllowInvalidUTF8(true), jsontext.AllowDuplicateNames(true),
		json.Deterministic(true))
	if err != nil {
		return err
	}
	var b bytes.Buffer
	b.Grow(len(raw) + len(raw)/2)
	if err := sanitizeJSON(&b, raw); err != nil {
		return err
	}
	_, err = w.Write(b.Bytes())
	return err
}

// sanitizeJSON re-encodes the JSON in raw, indented, with every string passed through
// model.SanitizeData and every member name through memberName, and a newline after it. Member
// names are never repeated within an object (memberNames), so a strict parser reads the output and
// a lenient one cannot be made to take an unknown member for a known field.
func sanitizeJSON(w io.Writer, raw []byte) error {
	dec := jsontext.NewDecoder(bytes.NewReader(raw), jsontext.AllowInvalidUTF8(true),
		jsontext.AllowDuplicateNames(true))
	enc := jsontext.NewEncoder(w, jsontext.Multiline(true), jsontext.WithIndent("  "))
	var stack []memberNames // one per open object or array
	for {
		tok, err := dec.ReadToken()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		var top *memberNames
		if len(stack) > 0 {
			top = &stack[len(stack)-1]
		}
		switch kind := tok.Kind(); kind {
		case '}', ']':
			stack = stack[:len(stack)-1]
		case '"':
			if top != nil && top.object && top.count%2 == 0 {
				tok = jsontext.String(top.add(tok.String()))
			} else {
				tok = jsontext.String(model.SanitizeData(tok.String()))
			}
		}
		if err := enc.WriteToken(tok); err != nil {
			return err
		}
		switch tok.Kind() {
		case '{', '[':
			stack = append(stack, memberNames{object: tok.Kind() == '{'})
		}
		// A token that is not an opening one completes a name or a value of the enclosing frame (a
		// closing token completes the value it closed).
		if k := tok.Kind(); k != '{' && k != '[' && len(stack) > 0 {
			stack[len(stack)-1].count++
		}
	}
}

// memberNames tracks the names written in one open object (or the values in an array).
type memberNames struct {
	object bool
	count  int // names and values read so far
	seen   map[string]bool
}

// add returns the name to write for the member name s: memberName(s), with "~2", "~3", … appended
// if the object already has a member of that name. The first member keeps its name, and the known
// fields are written before the unknown ones, so a known field always keeps its own.
func (m *memberNames) add(s string) string {
	if m.seen == nil {
		m.seen = map[string]bool{}
	}
	name := memberName(s)
	for n := 2; m.seen[name]; n++ {
		name = fmt.Sprintf("%s~%d", memberName(s), n)
	}
	m.seen[name] = true
	return name
}

// memberName makes a member name safe and visible: every character the sanitizer would remove or
// replace (controls, escapes' ESC, line separators, invisible format characters, ZWJ) is written
// as <U+XXXX>, and an invalid byte as <0xXX>, so "interactionId\u200b" becomes
// "interactionId<U+200B>" and can never pass for "interactionId".
func memberName(s string) string {
	if model.SanitizeData(s) == s && !strings.ContainsRune(s, 0x200d) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, "<0x%02X>", s[i])
		case r < 0x20 || (r >= 0x7f && r < 0xa0) || r == 0x2028 || r == 0x2029 || unicode.Is(unicode.Cf, r):
			fmt.Fprintf(&b, "<U+%04X>", r)
		default:
			b.WriteRune(r)
		}
		i += size
	}
	return b.String()
}
