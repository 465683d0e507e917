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
	term.Keys("q")
	term.WaitFor(5*time.Second, "[exit 0]")
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
	term.Keys("q")
	term.WaitFor(5*time.Second, "[exit 0]")
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
