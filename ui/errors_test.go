package ui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/deskwatch/deskwatch/feed"
	"github.com/deskwatch/deskwatch/themes"
)

// blinkLike is a message the root passes on to an open prompt, as the cursor's blink or any other
// message on a busy feed.
type blinkLike struct{}

// busyFeed sends what a live feed sends between two keys: store changes, ticks and other messages,
// with the wall clock moved past any note's lifetime.
func busyFeed(m *Model, now *time.Time) {
	for range 5 {
		*now = now.Add(2 * noteFor)
		m.Update(changedMsg{})
		m.Update(tickMsg(*now))
		m.Update(blinkLike{})
	}
}

func TestCommandErrorStaysUntilTheNextKey(t *testing.T) {
	t.Parallel()
	for _, line := range []string{"sort bogus", "bogus"} {
		m, now := newDeskModel(t, themes.Mono, 120, 20)
		press(m, ":")
		for _, r := range line {
			press(m, string(r))
		}
		press(m, "enter")
		want := "no column"
		if line == "bogus" {
			want = "unknown command"
		}
		busyFeed(m, now)
		if out := plain(m.Render()); !strings.Contains(out, want) {
			t.Errorf(":%s: the error is gone before a key was pressed:\n%s", line, out)
		}
		press(m, "x")
		if out := plain(m.Render()); strings.Contains(out, want) {
			t.Errorf(":%s: the error outlived the next key:\n%s", line, out)
		}
	}
}

func TestStatusErrorOutlivesTicksNotKeys(t *testing.T) {
	t.Parallel()
	m, now := newDeskModel(t, themes.Mono, 120, 20)
	m.Update(exportedMsg{err: errTest("disk full")})
	busyFeed(m, now)
	if out := plain(m.Render()); !strings.Contains(out, "export failed: disk full") {
		t.Fatalf("the export error is gone before a key was pressed:\n%s", out)
	}
	press(m, "j")
	if out := plain(m.Render()); strings.Contains(out, "disk full") {
		t.Errorf("the export error outlived the next key:\n%s", out)
	}
}

// A newcomer's report: after a failed export, the next key brought back "exporting csv…", the note
// the export had set. The failure ends it.
func TestFailedExportEndsItsNote(t *testing.T) {
	t.Parallel()
	m, _ := newDeskModel(t, themes.Mono, 120, 20)
	m.export("csv")
	if out := plain(m.Render()); !strings.Contains(out, "exporting csv…") {
		t.Fatalf("no note while exporting:\n%s", out)
	}
	m.Update(exportedMsg{err: errTest("disk full")})
	press(m, "j")
	if out := plain(m.Render()); strings.Contains(out, "exporting") {
		t.Errorf("the note outlived the failure:\n%s", out)
	}
}

type errTest string

func (e errTest) Error() string { return string(e) }

func TestReadOnlyViewerIsToldWhyAKeyDoesNothing(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ key, want string }{
		{"x", "read-only view: export is off"},
		{"X", "read-only view: export is off"},
		{"space", "read-only view: pause is off"},
		{"+", "read-only view: speed is off"},
		{"=", "read-only view: speed is off"},
		{"-", "read-only view: speed is off"},
	} {
		m, now := newDeskModel(t, themes.Mono, 120, 20)
		m.c.SetCapabilities(Capabilities{ReadOnly: true}) // as cmd does for SSH sessions
		press(m, tc.key)
		busyFeed(m, now)
		if out := plain(m.Render()); !strings.Contains(out, tc.want) {
			t.Errorf("%s in a read-only view does not say %q:\n%s", tc.key, tc.want, out)
		}
		press(m, "j")
		if out := plain(m.Render()); strings.Contains(out, "read-only") {
			t.Errorf("the note on %s outlived the next key:\n%s", tc.key, out)
		}
	}
	// In a prompt the same keys are text.
	m, _ := newDeskModel(t, themes.Mono, 120, 20)
	m.c.SetCapabilities(Capabilities{ReadOnly: true})
	press(m, "/", "x")
	if m.filter.Text() != "x" || strings.Contains(plain(m.Render()), "read-only") {
		t.Errorf("x in the filter prompt of a read-only view: text %q", m.filter.Text())
	}
}

func TestInvalidStartFilterIsAnErrorThatStays(t *testing.T) {
	t.Parallel()
	m, now := newDeskModel(t, themes.Mono, 120, 20)
	c := *m.c
	c.Filter = `dur>nonsense`
	m = New(&c, nil)
	busyFeed(m, now)
	if out := plain(m.Render()); !strings.Contains(out, "--filter: ") {
		t.Errorf("the invalid start filter is not reported:\n%s", out)
	}
}

// An error too long for the status line is wrapped above it, whole, and the line keeps the source.
func TestLongErrorWrapsAboveTheStatusLine(t *testing.T) {
	t.Parallel()
	m, _ := newDeskModel(t, themes.Mono, 60, 20)
	long := "export failed: open /some/long/directory/name/deskwatch-20231114.csv: permission denied"
	m.Update(exportedMsg{err: errTest(strings.TrimPrefix(long, "export failed: "))})
	out := m.Render()
	checkFrame(t, out, 60, 20)
	screen := plain(out)
	// Wrapped at a space or after a hyphen: compare without the spaces.
	if !strings.Contains(strings.Join(strings.Fields(screen), ""), strings.Join(strings.Fields(long), "")) {
		t.Errorf("the error is cut:\n%s", screen)
	}
	if lines := strings.Split(screen, "\n"); !strings.Contains(lines[len(lines)-1], "? help") {
		t.Errorf("the status line is gone:\n%s", screen)
	}
}

// An empty table says it waits for events while the source goes on, and that the source ended
// without any once it has (a replay done): nothing more will come.
func TestEmptyTableSaysWhetherMoreMayCome(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		state feed.State
		want  string
	}{
		{feed.StateReplaying, "no interactions yet — waiting for events"},
		{feed.StateDone, "no interactions — the source ended without any"},
	} {
		m, _ := newTestModel(t, themes.Mono, 80, 10, nil)
		m.c.Status = func() feed.Status { return feed.Status{Name: "f.jsonl", State: tc.state} }
		m.refresh()
		if out := plain(m.Render()); !strings.Contains(out, tc.want) {
			t.Errorf("%s: the empty table does not say %q:\n%s", tc.state, tc.want, out)
		}
	}
}

// A key of another view pressed in the interactions table says where it works.
func TestOtherViewsKeysSayWhereTheyWork(t *testing.T) {
	t.Parallel()
	for key, want := range map[string]string{
		"w": "w: the figures' window, in the agents and services views (tab)",
		"d": "d: an agent's detail, in the agents view (tab)",
		"[": "[: zooms the agent state timeline (T)",
	} {
		m, _ := newDeskModel(t, themes.Mono, 120, 20)
		press(m, key)
		if out := plain(m.Render()); !strings.Contains(out, want) {
			t.Errorf("%s in the table does not say %q:\n%s", key, want, out)
		}
	}
}

// A newcomer's report: ctrl+c did nothing in the filter or command prompt, though the README says
// it quits. It quits whatever is open.
func TestCtrlCQuitsFromAPrompt(t *testing.T) {
	t.Parallel()
	ctrlC := tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	for _, open := range []string{"/", ":"} {
		m, _ := newTestModel(t, themes.Mono, 120, 20, deskEvents())
		press(m, open, "a")
		if m.Update(ctrlC); !m.quitting {
			t.Errorf("ctrl+c in the %s prompt did not quit", open)
		}
	}
}
