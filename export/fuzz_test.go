package export

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/deskwatch/deskwatch/model"
)

// FuzzExportStrings writes a row whose subject, service and unknown members' names and values are
// the input: the CSV must read back with no cell that starts a formula (but a plain number), the
// JSON must be whole and valid with no repeated member name, and neither may hold a control
// character or invalid UTF-8.
func FuzzExportStrings(f *testing.F) {
	for _, s := range []string{"=HYPERLINK(\"x\")", "+12065550148", "-5", "+cmd|' /C calc'!A0", "@SUM(1)",
		" =1", "＝1", "\x1b]52;c;eA==\x07", "\x1b]0;open", "\u009b2J", "\u202e\u200b\u2028", "\xff\xfe",
		"👨\u200d👩\u200d👧", "a\"b,c\nd", "interactionId", "service\u00ad", "\u00a0=1", "\u3000=1", "﹢1",
		"−1+1", "\u2003@x", "﹫x", "\ufeff=1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		svc := s
		d := &model.Interaction{ID: "i", Type: "voice", State: "talking", Subject: s, Service: &svc}
		if q, err := jsontext.AppendQuote(nil, s); err == nil || len(q) > 0 {
			d.Extra = map[string]jsontext.Value{s: jsontext.Value(q), s + "\u200b": jsontext.Value(q),
				"interactionId\u200b": jsontext.Value(q)}
		}
		rows := []*model.Row{{AgentID: s, Data: d, FirstSeen: t0}}
		var b bytes.Buffer
		if err := WriteCSV(&b, rows, t0); err != nil {
			t.Fatal(err)
		}
		checkClean(t, b.String())
		recs, err := csv.NewReader(&b).ReadAll()
		if err != nil || len(recs) != 2 {
			t.Fatalf("csv of %q: %v %q", s, err, recs)
		}
		for _, cell := range recs[1] {
			if isFormula(cell) {
				t.Fatalf("cell %q starts a formula", cell)
			}
		}
		b.Reset()
		if err := WriteJSON(&b, rows, t0); err != nil {
			t.Fatalf("json of %q: %v", s, err)
		}
		if !utf8.Valid(b.Bytes()) || !jsontext.Value(bytes.TrimSpace(b.Bytes())).IsValid() {
			t.Fatalf("json of %q is not valid: %s", s, b.String())
		}
		checkClean(t, strings.ReplaceAll(b.String(), "\n", " "))
	})
}
