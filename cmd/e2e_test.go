package cmd_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/internal/e2e"
)

func fixture(name string) string { return filepath.Join(e2e.Root(), "cmd", "testdata", name) }

func TestVersion(t *testing.T) {
	t.Parallel()
	out, _, code := e2e.Run(t, nil, "--version")
	if code != 0 || !strings.Contains(out, "v0.0.0-e2e") {
		t.Fatalf("--version: exit %d, output %q", code, out)
	}
}

func TestPrintReportsRejectedLinesAndExitsOne(t *testing.T) {
	t.Parallel()
	out, errOut, code := e2e.Run(t, nil, "--print", fixture("desk.jsonl"))
	if code != 1 {
		t.Errorf("exit status %d, want 1 (some lines were rejected)\nstderr: %s", code, errOut)
	}
	for _, want := range []string{
		"desk.jsonl:5: ", "desk.jsonl:8: ", "desk.jsonl:13: ", "callMuted", "desk.jsonl:26: truncated",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if strings.Contains(errOut, "desk.jsonl:11:") || strings.Contains(errOut, "desk.jsonl:1:") {
		t.Errorf("a blank line or the BOM/CRLF line was rejected:\n%s", errOut)
	}
	for _, want := range []string{"c-1001", "completed", "chat-77", "kim@example.com", "mail-9"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if strings.ContainsAny(out, "\x1b\x07") || strings.Contains(out, "\u009b") {
		t.Errorf("printed table holds control characters: %q", out)
	}
}

func TestPrintCleanFileExitsZeroAndJSONParses(t *testing.T) {
	t.Parallel()
	out, errOut, code := e2e.Run(t, nil, "--print", "--format", "json", fixture("clean.jsonl"))
	if code != 0 {
		t.Fatalf("exit %d, stderr %s", code, errOut)
	}
	var rows []map[string]any
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatalf("--format json is not JSON: %v\n%s", err, out)
	}
	if len(rows) != 3 {
		t.Errorf("%d rows, want 3", len(rows))
	}
}

func TestPrintReadsStandardInput(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(fixture("clean.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	out, errOut, code := e2e.Run(t, data, "--print", "-")
	if code != 0 || !strings.Contains(out, "chat-77") {
		t.Fatalf("exit %d\nstdout %s\nstderr %s", code, out, errOut)
	}
}

func TestBadArgumentsSayWhy(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--speed", "5000", "x.jsonl"}, "0.1 to 1000"},
		{[]string{"--print", "/nonexistent/x.jsonl"}, "no such file"},
		{[]string{"--theme", "purple", "--print", fixture("clean.jsonl")}, "purple"},
	} {
		_, errOut, code := e2e.Run(t, nil, tc.args...)
		if code != 2 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 mentioning %q", tc.args, code, errOut, tc.want)
		}
	}
}

// TestReplayInTerminal is what a new user does: replay a file in a real terminal, move, open the
// detail, filter, look at the rejected log and help, pause, and quit.
func TestReplayInTerminal(t *testing.T) {
	parallelTerminal(t)
	e2e.Require(t, "tmux")
	bin := e2e.Binary(t)
	term := e2e.Start(t, 120, 30, nil, bin+" --speed max "+fixture("desk.jsonl"))
	screen := term.WaitFor(10*time.Second, "c-1001", "chat-77", "mail-9", "done", "4 rejected")
	if strings.Contains(screen, "\x1b") {
		t.Fatalf("escape characters on screen:\n%s", screen)
	}
	if !regexp.MustCompile(`a\.jones\s+ready`).MatchString(screen) {
		t.Errorf("header lacks a.jones's state:\n%s", screen)
	}
	term.Keys("G", "Enter") // open interactions come first: the ended call is the last row
	term.WaitFor(5*time.Second, "c-1001", "Timeline", "party joined", "recording started", "Resolved")
	term.Keys("Escape")
	term.WaitGone(5*time.Second, "Timeline")
	term.Keys("/")
	term.Type("kim")
	term.Keys("Enter")
	screen = term.WaitFor(5*time.Second, "chat-77", "/kim")
	if strings.Contains(screen, "c-1001") {
		t.Errorf("filter kim still shows the call:\n%s", screen)
	}
	term.Keys("r")
	term.WaitFor(5*time.Second, "desk.jsonl:5", "desk.jsonl:13", "callMuted")
	term.Keys("Escape", "?")
	term.WaitFor(5*time.Second, "flip sort", "hide/show ended")
	term.Keys("Escape", "q")
	term.WaitFor(5*time.Second, "[exit 0]")
}

// TestSanitizedOnScreen checks that the subject's escape sequences do not reach the terminal: the
// pane keeps its content (no ESC [2J) and shows the subject's text.
func TestSanitizedOnScreen(t *testing.T) {
	parallelTerminal(t)
	e2e.Require(t, "tmux")
	bin := e2e.Binary(t)
	term := e2e.Start(t, 200, 30, nil, bin+" --speed max "+fixture("desk.jsonl"))
	term.WaitFor(10*time.Second, "Refund", "now", "mail-9")
	ansi := term.ScreenANSI()
	if strings.Contains(ansi, "52;") || strings.Contains(ansi, "\x07") {
		t.Errorf("OSC 52 reached the pane: %q", ansi)
	}
}

// TestDemoRunsWithoutArguments is `go run .`: the embedded demo fills the table by itself.
func TestDemoRunsWithoutArguments(t *testing.T) {
	parallelTerminal(t)
	e2e.Require(t, "tmux")
	bin := e2e.Binary(t)
	term := e2e.Start(t, 160, 40, nil, bin+" --demo-seed 7 --demo-rate 40")
	screen := term.WaitFor(15*time.Second, "demo", "live", "voice")
	if !regexp.MustCompile(`\d+ open`).MatchString(screen) {
		t.Errorf("header lacks the open count:\n%s", screen)
	}
	term.Resize(70, 20)
	term.WaitFor(5*time.Second, "TYPE")
	term.Keys("q")
	term.WaitFor(5*time.Second, "[exit 0]")
}
