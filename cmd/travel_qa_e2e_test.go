package cmd_test

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/internal/e2e"
)

// replayTerm replays the event lines at full speed in a 160×24 terminal (the real binary in
// tmux), on a parallel terminal's turn, and waits for the replay to be done.
func replayTerm(t *testing.T, lines ...string) *e2e.Term {
	t.Helper()
	path := filepath.Join(t.TempDir(), "events.jsonl")
	writeEvents(t, path, lines...)
	return replayInTerminal(t, 160, 24, "--theme mono "+path).Term
}

// demoTerm runs the demo (seed 7, with more flags) in a 160-column terminal of the given height,
// on a parallel terminal's turn, and waits for its first call.
func demoTerm(t *testing.T, height int, flags string) *e2e.Term {
	t.Helper()
	parallelTerminal(t)
	e2e.Require(t, "tmux")
	term := e2e.Start(t, 160, height, nil, e2e.Binary(t)+" --theme mono --demo-seed 7 "+flags)
	term.WaitFor(15*time.Second, "demo", "voice")
	return term
}

// behindRe reads a frozen live view's count of events behind.
var behindRe = regexp.MustCompile(`([\d,]+) events behind`)

// waitBehind waits until a frozen view is more than n events behind and returns the screen, or ""
// after timeout.
func waitBehind(t *testing.T, term *e2e.Term, timeout time.Duration, n int) string {
	t.Helper()
	return waitUntil(term, timeout, func(s string) bool {
		m := behindRe.FindStringSubmatch(s)
		return m != nil && number(t, m) > n
	})
}

// The strip names what the event shown changed, not an earlier change of what it touched: an
// event that adds nothing to a timeline (ON_ACTIVE_INTERACTION_SWITCHED) is not described by the
// agent's last state change.
func TestTravelStripOnlyTheEventShownE2E(t *testing.T) {
	const t0 = int64(1700000000000)
	term := replayTerm(t,
		event(t0, "ON_LOGIN", map[string]any{"isLoggedIn": true, "agentId": "a.jones", "username": "Alice"}),
		event(t0+1000, "ON_AGENT_STATE_CHANGE", "busy"),
		event(t0+2000, "ON_NEW_INTERACTION", interaction("c-1", "delivered", "first call")),
		event(t0+3000, "ON_ACTIVE_INTERACTION_SWITCHED", "c-1"),
		event(t0+4000, "ON_INTERACTION_REMOVED", interaction("c-1", "completed", "first call")),
	)
	term.WaitFor(15*time.Second, "first call")
	term.Type(":goto #2")
	term.Keys("Enter")
	term.WaitFor(10*time.Second, "event 2 of 5", "▸ #2", "a.jones: state busy")
	term.Type(":goto #4")
	term.Keys("Enter")
	screen := term.WaitFor(10*time.Second, "event 4 of 5", "▸ #4")
	if strings.Contains(screen, "state busy") || strings.Contains(screen, "new voice") {
		t.Errorf("the strip of event 4 (an active interaction switched) tells an earlier event's change:\n%s", screen)
	}
	term.Keys("q")
	term.WaitFor(5*time.Second, "[exit 0]")
}

// What is typed or pasted into a prompt (:goto's target, the filter) reaches the screen
// sanitized: a bidirectional override or a zero-width space typed into ":goto" is dropped from the
// input line, not drawn raw where it would reorder the line.
func TestPromptInputSanitizedE2E(t *testing.T) {
	parallelTerminal(t)
	e2e.Require(t, "tmux")
	term := e2e.Start(t, 120, 20, nil, e2e.Binary(t)+" --theme mono --speed max "+fixture("clean.jsonl"))
	term.WaitFor(15*time.Second, "done")
	term.Keys(":")
	term.Type("goto #1\u202eX\u200bY")
	screen := term.WaitFor(10*time.Second, "goto #1XY")
	if strings.ContainsAny(screen, "\u202e\u200b") {
		t.Errorf("the prompt draws the invisible characters typed into it:\n%q", screen)
	}
	term.Keys("Escape", "/")
	term.Type("a\u202ejones")
	screen = term.WaitFor(10*time.Second, "ajones")
	if strings.ContainsAny(screen, "\u202e") {
		t.Errorf("the filter prompt draws the override typed into it:\n%q", screen)
	}
	term.Keys("Escape", "q")
	term.WaitFor(5*time.Second, "[exit 0]")
}

// A step back from a frozen live picture the history has since forgotten says so, rather than
// jumping forward to the oldest event kept (with --history 1s, a second of the demo).
func TestTravelStepBackFromForgottenE2E(t *testing.T) {
	term := demoTerm(t, 24, "--demo-rate 200 --history 1s")
	term.Keys("Space")
	frozen := number(t, waitMatch(t, term, regexp.MustCompile(`▸ #([\d,]+)`)))
	// The history forgets the frozen position once a second of event time has passed it.
	if waitBehind(t, term, 20*time.Second, 1000) == "" {
		t.Fatalf("the demo did not run 1,000 events past the frozen picture:\n%s", term.Screen())
	}
	term.Keys(",")
	screen := term.WaitFor(10*time.Second, "outside the history")
	if m := regexp.MustCompile(`event ([\d,]+) of`).FindStringSubmatch(screen); m != nil && number(t, m) > frozen {
		t.Errorf("one event back from #%d shows event %s:\n%s", frozen, m[1], screen)
	}
	term.Keys("q")
	term.WaitFor(5*time.Second, "[exit 0]")
}
