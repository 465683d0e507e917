package cmd_test

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/internal/e2e"
)

// Time travel in a replay, through the real binary in tmux: after the replay, "," steps back one
// event and ":goto #3" goes to the third; the status line says where, the strip what the event
// changed, and the table is what it was then; space goes back to the replay.
func TestTravelReplayE2E(t *testing.T) {
	const t0 = int64(1700000000000)
	term := replayTerm(t,
		event(t0, "ON_LOGIN", map[string]any{"isLoggedIn": true, "agentId": "a.jones", "username": "Alice"}),
		event(t0+1000, "ON_NEW_INTERACTION", interaction("c-1", "queued", "first call")),
		event(t0+2000, "ON_INTERACTION_STATE_CHANGE", interaction("c-1", "delivered", "first call")),
		event(t0+3000, "ON_NEW_INTERACTION", interaction("c-2", "queued", "second call")),
		event(t0+4000, "ON_INTERACTION_REMOVED", interaction("c-1", "completed", "first call")),
	)
	term.WaitFor(15*time.Second, "second call")
	term.Keys(",")
	screen := term.WaitFor(10*time.Second, "event 4 of 5", "▸ #4", "c-2: new voice, state queued")
	wantAll(t, "a step back", screen, "space: back to the replay", "delivered")
	term.Type(":goto #3")
	term.Keys("Enter")
	screen = term.WaitFor(10*time.Second, "event 3 of 5", "c-1: state queued → delivered")
	if regexp.MustCompile(`second call`).MatchString(screen) {
		t.Errorf("at event 3 the second call had not come yet:\n%s", screen)
	}
	term.Keys("Space")
	term.WaitFor(10*time.Second, "second call", "completed")
	term.WaitGone(10*time.Second, "event 3 of 5")
	term.Quit()
}

// A live view freezes (space) while the demo feed goes on: the status line counts the events
// behind, "," steps back from the frozen picture, and space goes live again.
func TestTravelLiveFreezeE2E(t *testing.T) {
	term := demoTerm(t, 30, "--demo-rate 40")
	term.Keys("Space")
	term.WaitFor(10*time.Second, "⏸ paused ·", "events behind · space: live")
	first := number(t, waitMatch(t, term, behindRe))
	// The count follows the feed, which goes on applying while the picture stays.
	if waitBehind(t, term, 15*time.Second, first) == "" {
		t.Errorf("the count behind did not grow past %d while frozen:\n%s", first, term.Screen())
	}
	term.Keys(",")
	step := waitMatch(t, term, regexp.MustCompile(`⏸ paused · event ([\d,]+) of ([\d,]+) · .* events behind · space: live`))
	if n := number(t, step); n < 1 {
		t.Errorf("a step back from the frozen picture is at event %d", n)
	}
	term.WaitFor(10*time.Second, "▸ #")
	term.Keys("Space")
	term.WaitGone(10*time.Second, "events behind", "▸ #")
	term.Quit()
}

// waitMatch waits for re on the screen and returns its submatches.
func waitMatch(t *testing.T, term *e2e.Term, re *regexp.Regexp) []string {
	t.Helper()
	s := waitUntil(term, 10*time.Second, re.MatchString)
	if s == "" {
		t.Fatalf("the screen never matched %s:\n%s", re, term.Screen())
	}
	return re.FindStringSubmatch(s)
}

// waitUntil polls the screen until ok holds and returns it, or "" after timeout.
func waitUntil(term *e2e.Term, timeout time.Duration, ok func(string) bool) string {
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if s := term.Screen(); ok(s) {
			return s
		}
	}
	return ""
}

// number reads the first submatch, a count written 1,234.
func number(t *testing.T, m []string) int {
	t.Helper()
	n, err := strconv.Atoi(strings.ReplaceAll(m[1], ",", ""))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// replayTerm replays the event lines at full speed in a 160×24 terminal (the real binary in
// tmux), on a parallel terminal's turn, and waits for the replay to be done.
func replayTerm(t *testing.T, lines ...string) *e2e.Term {
	t.Helper()
	return replayInTerminal(t, 160, 24, "--theme mono "+eventFile(t, "events.jsonl", lines...)).Term
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
	term.Quit()
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
	term.Quit("Escape", "q")
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
	term.Quit()
}
