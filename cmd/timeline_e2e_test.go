package cmd_test

import (
	"strings"
	"testing"
	"time"
)

// The state timeline of a replayed hour, through the real binary in tmux: T opens it; a.jones's
// line shows ready, the call (busy), wrap-up, the lunch break with its initial and the logout, each
// with its monochrome glyph; the cursor line says what they and the floor were doing at the end.
func TestTimelineE2E(t *testing.T) {
	const t0 = int64(1700000000000)
	at := func(min float64) int64 { return t0 + int64(min*60000) }
	call := interaction("c-1", "delivered", "Billing")
	path := eventFile(t, "hour.jsonl",
		event(at(0), "ON_LOGIN", map[string]any{"isLoggedIn": true, "agentId": "a.jones", "username": "Alice"}),
		event(at(1), "ON_AGENT_STATE_CHANGE", "ready"),
		event(at(10), "ON_AGENT_STATE_CHANGE", "busy"),
		event(at(10), "ON_NEW_INTERACTION", call),
		event(at(18), "ON_INTERACTION_REMOVED", interaction("c-1", "completed", "Billing")),
		event(at(18), "ON_AGENT_STATE_CHANGE", "after_call_work"),
		event(at(20), "ON_AGENT_STATE_CHANGE", "not_ready", "Lunch"),
		event(at(35), "ON_AGENT_STATE_CHANGE", "ready"),
		event(at(40), "ON_LOGIN", map[string]any{"isLoggedIn": false, "agentId": "a.jones"}),
		event(at(55), "ON_LOGIN", map[string]any{"isLoggedIn": false, "agentId": "a.jones"}), // the clock moves on
	)
	term := replayInTerminal(t, 100, 24, "--theme mono "+path)
	term.Keys("T")
	screen := term.WaitFor(10*time.Second, "Agent state timeline", "floor then:")
	line := ""
	for _, l := range strings.Split(screen, "\n") {
		if strings.HasPrefix(l, "a.jones") {
			line = l
		}
	}
	for _, want := range []string{"-----", "####", "==", "Lxxxx", "....."} {
		if !strings.Contains(line, want) {
			t.Errorf("a.jones's timeline lacks %q: %q\n%s", want, line, screen)
		}
	}
	wantAll(t, "the timeline", screen, "(now) · a.jones: logged out since", "floor then: 1 logged out",
		"- ready", "# busy", "x not ready", "last 60m")
	term.Quit()
}
