package cmd_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/internal/e2e"
)

// fold joins a screen's words with single spaces, so text wrapped over lines reads as one.
func fold(s string) string { return strings.Join(strings.Fields(s), " ") }

// The finished replay at 60, 80, 120 and 200 columns: who and what stay (agent, state, number),
// the room goes to the columns that would be cut, a finished replay shows no event rate, and the
// ":" prompt and "?" help wrap their text instead of cutting it.
func TestLayoutAtCommonWidths(t *testing.T) {
	for _, tc := range []struct {
		width       int
		titles      []string // column titles on screen
		rate        bool     // the header has room for the event rate
		fullService bool     // "Technical Support" shows whole
	}{
		{60, []string{"TYPE", "AGENT", "STATE", "NUMBER/EMAIL", "DUR"}, false, false},
		{80, []string{"AGENT", "STATE", "NUMBER/EMAIL", "MUTE", "REC", "SUBJECT"}, false, false},
		{120, []string{"AGENT", "SERVICE", "SUBJECT"}, true, true}, // DIR and PARTIES give way to the subject
		{200, []string{"ID", "AGENT", "SERVICE", "PARTIES", "SUBJECT"}, true, true},
	} {
		t.Run(fmt.Sprint(tc.width), func(t *testing.T) {
			// A simulated stream with long services ("Technical Support"), parties and every type.
			term := replayInTerminal(t, tc.width, 24, simulated(t, "--events", "600", "--seed", "7"), "0 rejected")
			screen := term.loaded
			lines := strings.Split(screen, "\n")
			if len(lines) < 3 {
				t.Fatalf("short screen:\n%s", screen)
			}
			for _, title := range tc.titles {
				if !regexp.MustCompile(`(^|\s)` + regexp.QuoteMeta(title) + `(\s|$)`).MatchString(lines[2]) {
					t.Errorf("the titles lack %s: %q", title, lines[2])
				}
			}
			if tc.fullService && (!strings.Contains(screen, "Technical Support") || strings.Contains(screen, "Technical…") ||
				strings.Contains(screen, "Technical Suppo…")) {
				t.Errorf("the service is cut:\n%s", screen)
			}
			if tc.rate && (!strings.Contains(lines[0], "– ev/s") || regexp.MustCompile(`\d ev/s`).MatchString(lines[0])) {
				t.Errorf("a finished replay shows an event rate: %q", lines[0])
			}
			term.Keys(":")
			if s := term.WaitFor(5*time.Second, "quit"); !strings.Contains(fold(s), "export csv|json · goto TIME|+5m|#N|start|end · rejected · help · quit") {
				t.Errorf("the : prompt cuts the commands:\n%s", s)
			}
			term.Keys("Escape", "?", "G")
			s := term.WaitFor(5*time.Second, "Alerts", "Commands")
			if !strings.Contains(fold(s), "sort COLUMN [asc|desc] · filter TEXT · export csv|json") {
				t.Errorf("the help cuts its text:\n%s", s)
			}
			term.Quit("Escape", "q")
		})
	}
}

// separators gives the cells of the header's first-line separators: the header's shape.
func separators(screen string) string {
	first, _, _ := strings.Cut(screen, "\n")
	var cells []string
	for i, r := range []rune(first) {
		if r == '│' {
			cells = append(cells, fmt.Sprint(i))
		}
	}
	return strings.Join(cells, ",")
}

// On the live demo the header keeps its shape from second to second at each width: no part comes
// and goes, none moves, as counts and rates change.
func TestHeaderShapeHoldsOnTheDemo(t *testing.T) {
	for _, width := range []int{60, 80, 120, 200} {
		t.Run(fmt.Sprint(width), func(t *testing.T) {
			parallelTerminal(t)
			e2e.Require(t, "tmux")
			term := e2e.Start(t, width, 24, nil, e2e.Binary(t)+" --demo-seed 5 --demo-rate 40")
			term.WaitFor(15*time.Second, "open", "rejected")
			shapes := map[string]int{}
			deadline := time.Now().Add(30 * time.Second)
			for samples := 0; samples < 12 && time.Now().Before(deadline); {
				s := term.Screen()
				if strings.HasPrefix(s, "deskwatch") {
					shapes[separators(s)]++
					samples++
				}
				time.Sleep(400 * time.Millisecond)
			}
			if len(shapes) != 1 {
				t.Errorf("at %d columns the header took %d shapes: %v\n%s", width, len(shapes), shapes, term.Screen())
			}
			term.Quit()
		})
	}
}
