package cmd_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/deskwatch/deskwatch/internal/e2e"
)

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
		"stdin:3: seq: 1e+300 is out of range (want a whole number, 0 to 2^53)\n",
		"2 event(s) rejected\n")
	if strings.Contains(errOut, "events lost") || strings.Contains(errOut, "panic") {
		t.Errorf("stderr: %s", errOut)
	}
	var rows []map[string]any
	if err := json.Unmarshal([]byte(out), &rows); err != nil || len(rows) != 1 {
		t.Fatalf("--format json: %v, %d rows\n%s", err, len(rows), out)
	}
}
