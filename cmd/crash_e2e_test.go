package cmd_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/deskwatch/deskwatch/internal/e2e"
)

// overflowLine is the attacker's event: a ts of 2^63 or more once overflowed an index and the panic
// took down --print, the monitor and the SSH server alike.
const overflowLine = `{"type":"ON_LOGOUT","ts":1e19,"params":[]}`

// overflowFile writes the bad event between two good ones and returns its path.
func overflowFile(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "bad.jsonl")
	lines := []string{
		event(1700000000000, "ON_NEW_INTERACTION", interaction("c-before", "connected", "Before")),
		overflowLine,
		event(1700000002000, "ON_NEW_INTERACTION", interaction("c-after", "connected", "After")),
	}
	writeEvents(t, path, lines...)
	return path
}

// --print on the overflowing event never dies with a goroutine dump: the event is at worst a
// located rejection (exit 1) and the events after it are applied and printed.
func TestPrintSurvivesOverflowingTS(t *testing.T) {
	t.Parallel()
	path := overflowFile(t)
	out, errOut, code := e2e.Run(t, nil, "--print", path)
	if code == 2 || strings.Contains(errOut, "goroutine ") || strings.Contains(errOut, "panic:") {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
	if code == 1 && !strings.Contains(errOut, "bad.jsonl:2: ") {
		t.Errorf("exit 1 without a rejection located at bad.jsonl:2:\n%s", errOut)
	}
	for _, want := range []string{"c-before", "c-after"} {
		if !strings.Contains(out, want) {
			t.Errorf("the table lacks %s:\n%s", want, out)
		}
	}
}
