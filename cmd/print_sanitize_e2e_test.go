package cmd_test

import (
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/deskwatch/deskwatch/internal/e2e"
)

// hostileFeed is two events an attacker could send: one accepted, whose strings carry an OSC 52
// clipboard write, a screen clear, an 8-bit CSI, a bidi override, a zero-width space, a line
// separator, spreadsheet formulas and, in an unknown member, invalid UTF-8; and one rejected for a
// key holding an OSC that never ends.
var hostileFeed = []byte(`{"type":"ON_NEW_INTERACTION","agentId":"jdoe","params":[{"interactionId":"=HYPERLINK(\"http://evil\",\"x\")","state":"talking","type":"voice","subject":"Refund \u001b]52;c;ZXZpbA==\u0007\u001b[2J\u009b31m \u202egnp.exe z\u200bw\u2028x","associatedObjects":{"list":[],"selected":null},"callParties":[],"callMuted":false,"callRecording":false,"attachedData":{},"ANI":"+12065550148","service":"@SUM(1+1)*cmd|' /C calc'!A0","extra` + "\xff" + `":"bad ` + "\xff\xfe" + ` utf8"}]}
{"type":"ON_NEW_INTERACTION","agentId":"jdoe","params":[{"interactionId":"c2","state":"talking","type":"voice","subject":"s","associatedObjects":{"list":[],"selected":null},"callParties":[],"callMuted":false,"callRecording":false,"attachedData":{"k\u001b]0;evil":5}}]}
`)

// cleanOut fails if out holds a control character (but newline), an escape, a bidi override, a
// zero-width character, a line separator or invalid UTF-8.
func cleanOut(t *testing.T, what, out string) {
	t.Helper()
	if !utf8.ValidString(out) {
		t.Errorf("%s: invalid UTF-8: %q", what, out)
	}
	for _, r := range out {
		if (r < 0x20 && r != '\n') || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == 0x202e || r == 0x200b ||
			r == 0x2028 {
			t.Errorf("%s: %U reached the output: %q", what, r, out)
			return
		}
	}
}

// TestPrintSanitizesEveryFormat: --print as a table, CSV and JSON writes no control character, CSV
// cells cannot start a formula, JSON is whole and valid, and the rejected line's reason keeps its
// end although the key in it opens an OSC that never ends.
func TestPrintSanitizesEveryFormat(t *testing.T) {
	t.Parallel()
	for _, format := range []string{"table", "csv", "json"} {
		out, errOut, code := e2e.Run(t, hostileFeed, "--print", "--format", format, "-")
		if code != 1 {
			t.Errorf("%s: exit %d, want 1 (one line rejected)\nstderr %s", format, code, errOut)
		}
		cleanOut(t, format, out)
		cleanOut(t, format+" stderr", errOut)
		if !strings.Contains(errOut, "attachedData.k␛]0;evil: want string, got number") {
			t.Errorf("%s: the rejected line lost its end:\n%s", format, errOut)
		}
		switch format {
		case "csv":
			recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
			if err != nil || len(recs) != 2 {
				t.Fatalf("csv %v %q", err, recs)
			}
			for _, rec := range recs[1:] {
				for _, cell := range rec {
					if strings.IndexAny(cell, "=+-@") == 0 && cell != "+12065550148" {
						t.Errorf("cell %q starts a formula", cell)
					}
				}
			}
		case "json":
			var rows []map[string]any
			if err := json.Unmarshal([]byte(out), &rows); err != nil || len(rows) != 1 {
				t.Fatalf("json (%v): %s", err, out)
			}
		}
	}
}

// The attacker's lines through the real binary: invalid UTF-8 inside an unknown member used to cut
// the JSON export short (exit 2), and a ts of 1e19 made --print panic. Now the first is accepted
// with a located warning and exported as valid JSON, the numbers out of range are rejected with
// their line and range, and the run ends normally (status 1: some lines were rejected).
func TestPrintRepairsTextAndRejectsNumbersOutOfRange(t *testing.T) {
	t.Parallel()
	in := strings.Join([]string{
		`{"type":"ON_NEW_INTERACTION","agentId":"x","params":[{"interactionId":"a","state":"delivered",` +
			`"type":"voice","subject":"s","associatedObjects":{"list":[]},"callParties":[],"callMuted":false,` +
			`"callRecording":false,"attachedData":{},"chatParties":{"k":"` + "\xff" + `"}}]}`,
		`{"type":"ON_LOGOUT","ts":1e19,"params":[]}`,
		`{"type":"ON_LOGOUT","agentId":"x","seq":1e300,"params":[]}`,
		`{"type":"ON_LOGOUT","agentId":"x","seq":1,"params":[]}`,
	}, "\n") + "\n"
	out, errOut, code := e2e.Run(t, []byte(in), "--print", "--format", "json", "-")
	if code != 1 {
		t.Fatalf("exit %d, want 1\nstdout %s\nstderr %s", code, out, errOut)
	}
	wantAll(t, "stderr", errOut,
		"stdin:1: warning: invalid UTF-8 replaced with U+FFFD in params[0].chatParties.k\n",
		"stdin:2: ts: 1e+19 is out of range (want milliseconds since the Unix epoch, 0 to 7258118400000 (2200-01-01))\n",
		"stdin:3: seq: 1e+300 is out of range (want a whole number, 0 to 2^53-1)\n",
		"2 events rejected\n")
	if strings.Contains(errOut, "events lost") || strings.Contains(errOut, "panic") {
		t.Errorf("stderr: %s", errOut)
	}
	var rows []map[string]any
	if err := json.Unmarshal([]byte(out), &rows); err != nil || len(rows) != 1 {
		t.Fatalf("--format json: %v, %d rows\n%s", err, len(rows), out)
	}
}
