package ui

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/deskwatch/deskwatch/config"
	"github.com/deskwatch/deskwatch/themes"
)

// helpText is the whole help screen's text at width (every line, past the scroll), spaces folded.
func helpText(t *testing.T, width int) (string, []string) {
	t.Helper()
	m, _ := newTestModel(t, themes.Mono, width, 24, deskEvents())
	press(m, "?")
	lines := m.help.lines()
	for i, l := range lines {
		lines[i] = plain(l)
	}
	return strings.Join(strings.Fields(strings.Join(lines, " ")), " "), lines
}

// The help screen lists the keys from the panes' own key help, under the pane they work in, and no
// key of the key map goes missing; at any width its text wraps instead of being cut.
func TestHelpIsDrawnFromThePanesAndWraps(t *testing.T) {
	t.Parallel()
	for _, w := range []int{60, 80, 120, 200} {
		t.Run(fmt.Sprint(w), func(t *testing.T) {
			t.Parallel()
			text, lines := helpText(t, w)
			for _, l := range lines {
				if n := width(l); n > w || strings.HasSuffix(strings.TrimSpace(l), "…") && !strings.Contains(l, "/…") {
					t.Errorf("a help line is %d cells or cut: %q", n, l)
				}
			}
			for _, want := range []string{commandHelp, "Everywhere", "Moving (every list)", "Interactions",
				"dur>5m compares durations (also hold<30s, dur>=1h); \"quotes\" keep spaces: party:\"Ann Lee\"",
				"the row is alerting (n jumps to the next; the detail says why)",
				"Mouse the wheel scrolls; a click selects a row; a click on a replay's progress bar (the status line) travels there",
				"KPI alerts (the floor's figures over the last 15m) a service's level under 70% · a service's longest wait " +
					"over 2:00 · an agent not ready over 30:00"} {
				if !strings.Contains(text, want) {
					t.Errorf("help at %d lacks %q", w, want)
				}
			}
			k := DefaultKeyMap()
			for _, col := range k.FullHelp() {
				for _, b := range col {
					if b.Help() == k.Retry.Help() { // listed for a live source only (TestRetryNowKey)
						continue
					}
					if !strings.Contains(text, b.Help().Key+" ") || !strings.Contains(text, b.Help().Desc) {
						t.Errorf("help at %d lacks the key %s %s", w, b.Help().Key, b.Help().Desc)
					}
					// Every key a binding takes is named (home, ctrl+f, =), but ctrl+c, which quits
					// everywhere.
					for _, kk := range b.Keys() {
						l := keyLabel([]string{kk})
						if l != b.Help().Key && !slices.Contains(strings.Split(b.Help().Key, "/"), l) && kk != "ctrl+c" {
							t.Errorf("help names %q for %s, not its key %q", b.Help().Key, b.Help().Desc, kk)
						}
					}
				}
			}
			// Grouped: the table's own keys come under its title, the agents view's under its own.
			if i, j := strings.Index(text, "Interactions"), strings.Index(text, "hide/show ended"); i < 0 || j < i {
				t.Errorf("the table's keys are not under Interactions: %q", text)
			}
			if i, j := strings.Index(text, "Agents "), strings.Index(text, "agent detail (agents view)"); i < 0 || j < i {
				t.Errorf("the agents view's keys are not under Agents: %q", text)
			}
		})
	}
}

// The ":" prompt's list of commands and a failed command's reason wrap above the input instead of
// being cut at the edge.
func TestPromptHintsWrap(t *testing.T) {
	t.Parallel()
	for _, width := range []int{60, 80} {
		m, _ := newTestModel(t, themes.Mono, width, 24, deskEvents())
		press(m, ":")
		screen := plain(m.Render())
		checkFrame(t, m.Render(), width, 24)
		folded := strings.Join(strings.Fields(screen), " ")
		if !strings.Contains(folded, commandHelp) {
			t.Errorf("at %d the : prompt cuts the commands:\n%s", width, screen)
		}
		for _, r := range "sort nosuch" {
			press(m, string(r))
		}
		press(m, "enter")
		screen = plain(m.Render())
		checkFrame(t, m.Render(), width, 24)
		if folded := strings.Join(strings.Fields(screen), " "); !strings.Contains(folded, "sort by (") ||
			!strings.Contains(folded, "muted, rec)") {
			t.Errorf("at %d the sort error is cut:\n%s", width, screen)
		}
		if lines := strings.Split(screen, "\n"); !strings.HasPrefix(lines[len(lines)-1], ":sort nosuch") {
			t.Errorf("at %d the input is not on the last line:\n%s", width, screen)
		}
	}
}

// A legend line too long for the screen goes on under its meaning, not under its term.
func TestHelpLegendWrapsUnderItsMeaning(t *testing.T) {
	t.Parallel()
	for _, w := range []int{60, 80} {
		_, lines := helpText(t, w)
		// Every line of the filter's legend from its first to the commands' title starts with a term
		// or under the meanings: none goes on at the margin.
		in := false
		for _, l := range lines {
			switch {
			case strings.HasPrefix(l, "free text"):
				in = true
			case strings.HasPrefix(l, "Commands"):
				in = false
			case in && l != "" && !strings.HasPrefix(l, "field:value  ") && !strings.HasPrefix(l, "-term  ") &&
				!strings.HasPrefix(l, "dur>5m  ") && !strings.HasPrefix(l, strings.Repeat(" ", len("free text    "))):
				t.Errorf("at %d a line of the filter's legend goes on at the margin: %q", w, l)
			}
		}
	}
	got := wrapHanging("MUTE  yes when the agent's microphone is muted", 20)
	want := []string{"MUTE  yes when the", "      agent's", "      microphone is", "      muted"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("wrapHanging = %q, want %q", got, want)
	}
	if got := wrapHanging("one-word-only-and-long", 10); len(got) < 2 {
		t.Errorf("a line with no meaning column is not wrapped: %q", got)
	}
}

// On a narrow screen the help's title gives up words before the scroll position.
func TestHelpTitleKeepsTheScrollPosition(t *testing.T) {
	t.Parallel()
	for _, w := range []int{50, 60, 80, 120} {
		m, _ := newTestModel(t, themes.Mono, w, 24, deskEvents())
		press(m, "?")
		title := ""
		for _, l := range strings.Split(plain(m.Render()), "\n") {
			if strings.Contains(l, "close") {
				title = l
				break
			}
		}
		if n := len(m.help.lines()); !strings.Contains(title, fmt.Sprintf("of %d", n)) || strings.Contains(title, "…") {
			t.Errorf("at %d the help's title cuts its scroll position (of %d): %q", w, n, title)
		}
	}
}

// A newcomer's report: with back remapped (keys: {back: [ctrl+g]}) the help's title still said "esc
// or ? to close", as did the other hints. They name the keys as the configuration binds them.
func TestHintsNameTheRemappedBackKey(t *testing.T) {
	t.Parallel()
	m, _ := newTestModel(t, themes.Mono, 120, 24, deskEvents())
	keys, err := NewKeyMap(map[string][]string{"back": {"ctrl+g"}})
	if err != nil {
		t.Fatal(err)
	}
	m.c.Keys = keys
	press(m, "?")
	if out := plain(m.Render()); !strings.Contains(out, "ctrl+g or ? to close") {
		t.Errorf("help's title:\n%s", out)
	}
	m.goBack()
	m.showServiceInteractions("Sales")
	m.dirty = true
	if out := plain(m.Render()); !strings.Contains(out, "interactions of service Sales — ctrl+g back to the services") {
		t.Errorf("the drill's note:\n%s", out)
	}
	press(m, "r")
	if out := plain(m.Render()); !strings.Contains(out, "ctrl+g to go back") || strings.Contains(out, "esc") {
		t.Errorf("the rejected log's title:\n%s", out)
	}
}

// The second newcomer: with help, filter and pause remapped, the status line still said "? help",
// an empty result "/ to change it" and grouping "z folds a group". Every hint names the key bound.
func TestHintsNameTheRemappedKeys(t *testing.T) {
	t.Parallel()
	m, _ := newTestModel(t, themes.Mono, 120, 24, deskEvents())
	keys, err := NewKeyMap(map[string][]string{"help": {"f1"}, "filter": {"ctrl+s"}, "pause": {"p"},
		"rejected": {"L"}, "fold": {"v"}})
	if err != nil {
		t.Fatal(err)
	}
	m.c.Keys = keys
	m.dirty = true
	if out := plain(m.Render()); !strings.Contains(out, "1 rejected (L) · f1 help") {
		t.Errorf("the status line:\n%s", out)
	}
	press(m, "ctrl+s")
	press(m, keysOf("zzzz")...)
	press(m, "enter")
	if out := plain(m.Render()); !strings.Contains(out, "— ctrl+s to change it") {
		t.Errorf("an empty result:\n%s", out)
	}
	press(m, "b")
	if out := plain(m.Render()); !strings.Contains(out, "— v folds a group, Z all") {
		t.Errorf("the grouping's note:\n%s", out)
	}
}

// The configuration takes a key as a key press names it and refuses any other (config.validKey):
// every key the default bindings take is one it takes, so that writing the defaults out is valid.
func TestDefaultKeysAreValidInTheConfiguration(t *testing.T) {
	t.Parallel()
	k := DefaultKeyMap()
	var b strings.Builder
	b.WriteString("keys:\n")
	for name, bind := range k.actions() {
		quoted := make([]string, 0, len(bind.Keys()))
		for _, kk := range bind.Keys() {
			quoted = append(quoted, strconv.Quote(kk))
		}
		fmt.Fprintf(&b, "  %s: [%s]\n", name, strings.Join(quoted, ", "))
	}
	if _, err := config.Parse("config.yaml", []byte(b.String()), t.TempDir()); err != nil {
		t.Errorf("the default keys: %v\n%s", err, b.String())
	}
}
