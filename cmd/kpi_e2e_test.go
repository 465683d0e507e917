package cmd_test

import (
	"strings"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/internal/e2e"
)

// TestNotReadyAlertInTerminal replays, through the real binary in tmux, a file where a.jones goes
// not ready for lunch and stays so for 3 minutes, under a configuration whose not-ready alert
// limit is 2 minutes: the header counts the alert and marks a.jones, n goes to a.jones in the agents
// view and says why, and the agents view marks the row.
func TestNotReadyAlertInTerminal(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC).UnixMilli()
	file := eventFile(t, "lunch.jsonl",
		event(t0, "ON_LOGIN", map[string]any{"isLoggedIn": true, "agentId": "a.jones"}),
		event(t0+1000, "ON_AGENT_STATE_CHANGE", "not_ready", "Lunch"),
		// The last event, 3 minutes after lunch began: where the replay's clock stops.
		strings.Replace(event(t0+181_000, "ON_LOGIN", map[string]any{"isLoggedIn": true, "agentId": "b.smith"}),
			`"agentId":"a.jones"`, `"agentId":"b.smith"`, 1))
	cfg := e2e.WriteFile(t, "config.yaml", "kpi:\n  not_ready: {warn: 1m, alert: 2m}\n")
	term := replayInTerminal(t, 120, 24, "--config "+cfg+" "+file, "! 1 alert")
	screen := term.loaded
	if l := screenLine(screen, "a.jones not_ready(Lunch)"); !strings.Contains(l, "3:00 !") ||
		strings.Count(l, "!") != 1 {
		t.Errorf("the header's agents line does not mark a.jones (not ready 3:00) alone:\n%s", screen)
	}
	term.Keys("n")
	screen = term.WaitFor(5*time.Second, "1/1 a.jones: a.jones not ready 3:00 (Lunch)")
	if l := screenLine(screen, "long not re"); !strings.Contains(l, "a.jones") || !strings.Contains(l, "!") {
		t.Errorf("the agents view does not mark a.jones's row:\n%s", screen)
	}
	term.Quit()
}

// screenLine is the first line of screen that contains s ("" when none does).
func screenLine(screen, s string) string {
	for _, l := range strings.Split(screen, "\n") {
		if strings.Contains(l, s) {
			return l
		}
	}
	return ""
}
