package cmd_test

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/deskwatch/deskwatch/internal/e2e"
)

// tableRows returns the table's row lines of a screen: below the two header lines and the column
// titles, above the status line, without blank ones.
func tableRows(screen string) []string {
	lines := strings.Split(strings.TrimRight(screen, "\n"), "\n")
	var out []string
	for i := 3; i < len(lines)-1; i++ {
		if strings.TrimSpace(lines[i]) != "" {
			out = append(out, lines[i])
		}
	}
	return out
}

// ended reports whether a table row shows an ended interaction (its state column says so).
func ended(line string) bool { return strings.Contains(line, "completed") }

// TestReplayEndsOnTheOpenRows replays a generated day at full speed without a key pressed: at the
// end the table shows the open interactions at its top, not the ended history the first selected
// row went into when it ended.
func TestReplayEndsOnTheOpenRows(t *testing.T) {
	term := replayInTerminal(t, 120, 40, simulated(t, "--events", "3000", "--seed", "7"), "100%")
	screen := term.loaded
	m := regexp.MustCompile(`(\d+) open`).FindStringSubmatch(screen)
	if m == nil {
		t.Fatalf("no open count in the header:\n%s", screen)
	}
	open := number(t, m)
	rows := tableRows(screen)
	if open == 0 || len(rows) <= open {
		t.Fatalf("want some open and more ended rows for this test, got %d open of %d:\n%s", open, len(rows), screen)
	}
	for i, line := range rows[:open] {
		if ended(line) {
			t.Fatalf("row %d of the %d open ones on screen is ended:\n%s", i+1, open, screen)
		}
	}
	term.Quit()
}

// TestSelectionMovesOnWhenItsCallEnds selects the second row of the live demo and waits for that
// interaction to end: the selection goes on to an open row and the open rows stay in view, where
// the cursor used to follow the call into the ended history (80x24, `--demo-seed 5`).
func TestSelectionMovesOnWhenItsCallEnds(t *testing.T) {
	parallelTerminal(t)
	// Mono (NO_COLOR) draws the selected row in reverse video, which tells it apart on screen.
	term := e2e.Start(t, 80, 24, nil, "env NO_COLOR=1 "+e2e.Binary(t)+" --demo-seed 5 --demo-rate 40")
	term.WaitFor(30*time.Second, "completed", "delivered")
	term.Keys("g", "j")
	var call []string // the selected row's agent, number and the last word of its subject
	deadline := time.Now().Add(10 * time.Second)
	for call == nil && time.Now().Before(deadline) {
		if line := selectedRow(term.ScreenANSI()); line != "" && !ended(line) {
			if f := strings.Fields(line); len(f) > 5 { // glyph, type, agent, state, number, …
				call = []string{f[2], f[4], f[len(f)-1]}
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	if call == nil {
		t.Fatalf("no open row selected after g j:\n%s", term.Screen())
	}
	// Wait for the selected interaction to end: no open row shows it any more.
	deadline = time.Now().Add(2 * time.Minute)
	for {
		raw := term.ScreenANSI()
		text := ansi.Strip(raw)
		if rows := tableRows(text); !stillOpen(rows, call) {
			if sel := selectedRow(raw); sel == "" || ended(sel) || len(rows) == 0 || ended(rows[0]) {
				t.Fatalf("after %q ended the selection is %q:\n%s", call, sel, text)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%q did not end in time:\n%s", call, text)
		}
		time.Sleep(200 * time.Millisecond)
	}
	term.Quit()
}

// stillOpen reports whether an open row shows every one of texts.
func stillOpen(rows, texts []string) bool {
	for _, r := range rows {
		if !ended(r) && !slices.ContainsFunc(texts, func(s string) bool { return !strings.Contains(r, s) }) {
			return true
		}
	}
	return false
}

// reverse finds a select-graphic-rendition sequence that turns reverse video on.
var reverse = regexp.MustCompile(`\x1b\[(?:[0-9;]*;)?7(?:;[0-9;]*)?m`)

// selectedRow returns the table row drawn in reverse video, as text, or "".
func selectedRow(raw string) string {
	lines := strings.Split(raw, "\n")
	for i := 3; i < len(lines)-1; i++ {
		if reverse.MatchString(lines[i]) {
			return ansi.Strip(lines[i])
		}
	}
	return ""
}

// TestPrintOrdersAsTheMonitor: --print lists rows in the monitor's (and the export's) order, open
// interactions first, each part by start time; the call that ended comes last although it started
// first.
func TestPrintOrdersAsTheMonitor(t *testing.T) {
	t.Parallel()
	out, errOut, _ := e2e.Run(t, nil, "--print", fixture("desk.jsonl"))
	var ids []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n")[1:] {
		if f := strings.Fields(line); len(f) > 1 {
			ids = append(ids, f[1])
		}
	}
	if got := strings.Join(ids, " "); got != "chat-77 mail-9 c-1001" {
		t.Errorf("--print order %q, want the open chat-77 and mail-9, then the ended c-1001\n%s\n%s", got, out, errOut)
	}
}
