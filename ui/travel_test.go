package ui

import (
	"context"
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/deskwatch/deskwatch/travel"
)

// body is a frame's lines above the strip and the status line: the header and the pane.
func body(frame string, lines int) string {
	return strings.Join(strings.Split(plain(frame), "\n")[:lines], "\n")
}

// Stepping back and forward shows exactly what a store fed that many events shows: the table,
// the agents, the services, the timeline and the wallboard, with every count in the header.
func TestTravelStepEqualsAStoreFedThatMany(t *testing.T) {
	t.Parallel()
	const w, h = 160, 30
	m, _, ctl := travelModel(t, w, h, 11, true)
	for _, step := range []struct {
		keys string
		n    int
	}{{",", 10}, {",,,", 7}, {".", 8}, {",,,,,,", 2}, {"..", 4}, {".....", 9}} {
		travelPress(m, strings.Split(step.keys, "")...)
		if got := m.travel.pos().N; got != int64(step.n) {
			t.Fatalf("after %q at event %d, want %d", step.keys, got, step.n)
		}
		fed := fedModel(t, w, h-1, step.n)
		for _, screen := range []string{"", "tab", "tab", "T", "W"} {
			if screen != "" {
				press(m, screen)
				press(fed, screen)
			}
			if got, want := body(m.Render(), h-2), body(fed.Render(), h-2); got != want {
				t.Errorf("at event %d (screen after %q) the traveler shows\n%s\nwant (a store fed %d events)\n%s",
					step.n, screen, got, step.n, want)
			}
		}
		press(m, "W")   // back from the wallboard
		press(fed, "W") // and to the table
		if m.screen != screenTimeline && m.screen != screenTable {
			press(m, "esc")
		}
		m.screen, fed.screen = screenTable, screenTable
		m.dirty = true
	}
	if !ctl.paused {
		t.Error("traveling in a replay should have paused it")
	}
}

// Each travel key and each :goto form goes where it says, from where the viewer is.
func TestTravelKeysAndGotoForms(t *testing.T) {
	t.Parallel()
	m, _, _ := travelModel(t, 120, 30, 11, true)
	ts := func(n int) string { return deskHistory(t)[n-1].TS.Format("15:04:05") }
	for _, step := range []struct {
		keys []string
		n    int64
	}{
		{[]string{","}, 10},                            // one event back: 60 s
		{[]string{"("}, 2},                             // 1 min back: the last event at 0 s
		{[]string{"}"}, 6},                             // 10 s on: 10 s
		{[]string{")"}, 10},                            // 1 min on: 60 s at 70 s
		{[]string{"{"}, 9},                             // 10 s back: 40 s at 50 s
		{[]string{"."}, 10},                            // one event on
		{gotoKeys("#5"), 5},                            // an event's number
		{gotoKeys("start"), 0},                         // the first position kept
		{gotoKeys("end"), 11},                          // the last
		{gotoKeys("#5"), 5},                            //
		{gotoKeys("+30s"), 8},                          // from 3 s to 33 s: the event at 30 s
		{gotoKeys("-30s"), 2},                          // back to 3 s: the events at 0 s
		{gotoKeys(base.Add(20e9).Format(time3339)), 7}, // an instant
		{gotoKeys(ts(9)), 9},                           // a time of day, on the day shown
		{gotoKeys(fmt.Sprintf("#%d", 3)), 3},           //
	} {
		travelPress(m, step.keys...)
		if got := m.travel.pos().N; got != step.n {
			t.Errorf("%q: at event %d, want %d", strings.Join(step.keys, ""), got, step.n)
		}
		if !m.travel.on {
			t.Fatalf("%q left the travel", strings.Join(step.keys, ""))
		}
		if out := plain(m.Render()); step.n == 0 && !strings.Contains(out, "▸ #0 the start, before the first message") {
			t.Errorf("at event 0 the strip does not say it is the start:\n%s", out)
		}
	}
}

const time3339 = "2006-01-02T15:04:05Z07:00"

// gotoKeys types ":goto TARGET" and Enter.
func gotoKeys(target string) []string {
	return append(append([]string{":"}, keysOf("goto "+target)...), "enter")
}

// keysOf is text as the keys that type it.
func keysOf(text string) []string {
	var keys []string
	for _, r := range text {
		keys = append(keys, string(r))
	}
	return keys
}

// A :goto the viewer cannot follow is explained in the prompt, as other commands' errors are.
func TestTravelGotoErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ target, want string }{
		{"nowhere", "goto nowhere: not a target (start, end, #N, +5m, 10:14:52 or 2026-11-30T10:14:52Z)"},
		{"#99", "goto #99: outside the history: it holds events 0 to 11"},
		{"#x", "goto #x: an event number is # and a whole number"},
		{"+5q", "goto +5q: not a duration"},
		{"25:00", "goto 25:00: no such time of day"},
		{"", "goto: no target"},
	} {
		m, _, _ := travelModel(t, 200, 30, 11, true)
		travelPress(m, gotoKeys(tc.target)...)
		if got := plain(m.Render()); !strings.Contains(got, tc.want) || !m.command.Active() {
			t.Errorf(":goto %s: want the prompt to say %q, got\n%s", tc.target, tc.want, got)
		}
	}
}

// Without a history the travel keys and :goto say why they do nothing.
func TestTravelWithoutHistorySaysWhy(t *testing.T) {
	t.Parallel()
	for _, keys := range [][]string{{","}, {"."}, {"{"}, {"}"}, {"("}, {")"}, gotoKeys("end")} {
		m, _, _ := travelModel(t, 200, 30, 11, true)
		m.c.History = nil
		travelPress(m, keys...)
		if got := plain(m.Render()); !strings.Contains(got, "no history: this view keeps none") || m.travel.on {
			t.Errorf("%q without a history: want it to say so, got\n%s", strings.Join(keys, ""), got)
		}
	}
	m, _, _ := travelModel(t, 120, 30, 11, true)
	if _, cmd := m.Update(tea.MouseClickMsg{}); cmd != nil || m.travel.on {
		t.Error("a click off the bar should not travel")
	}
}

// A step past a bound of the history stays there and says so.
func TestTravelStopsAtTheBounds(t *testing.T) {
	t.Parallel()
	m, _, _ := travelModel(t, 200, 30, 11, true)
	travelPress(m, gotoKeys("start")...)
	travelPress(m, ",")
	if got := plain(m.Render()); m.travel.pos().N != 0 || !strings.Contains(got, "at the first event the history holds") {
		t.Errorf("a step back from the start: at %d\n%s", m.travel.pos().N, got)
	}
	travelPress(m, gotoKeys("end")...)
	travelPress(m, ".")
	if got := plain(m.Render()); m.travel.pos().N != 11 || !strings.Contains(got, "at the last event the history holds") {
		t.Errorf("a step on from the end: at %d\n%s", m.travel.pos().N, got)
	}
}

// Keys pressed while a seek runs wait their turn, each from where the one before went: none is
// lost, and no two seeks run at once.
func TestTravelQueuesKeysWhileASeekRuns(t *testing.T) {
	t.Parallel()
	m, _, _ := travelModel(t, 200, 30, 11, true)
	_, first := m.Update(keyMsg(","))
	if got := plain(m.Render()); !strings.Contains(got, "seeking…") {
		t.Errorf("while a seek runs the status line should say so:\n%s", got)
	}
	for _, k := range []string{",", ",", "."} {
		if _, cmd := m.Update(keyMsg(k)); cmd != nil {
			t.Fatalf("%q started a second seek while one ran", k)
		}
	}
	runSeeks(m, false, first)
	if m.travel.pos().N != 9 || m.travel.busy || len(m.travel.queue) != 0 {
		t.Errorf("three steps back and one on from 11: at %d (busy %v, %d queued)", m.travel.pos().N,
			m.travel.busy, len(m.travel.queue))
	}
}

// errHistory is a history whose seeks fail.
type errHistory struct{ *sliceHistory }

func (errHistory) Seek(context.Context, int64) (*travel.Cursor, error) {
	return nil, fmt.Errorf("%w: event #3 (it holds #5 to #11)", travel.ErrOutside)
}

// A seek that fails says why on the status line, once, and the picture stays.
func TestTravelSeekErrorSaysWhy(t *testing.T) {
	t.Parallel()
	m, hist, _ := travelModel(t, 200, 30, 11, true)
	m.c.History = errHistory{hist}
	travelPress(m, ",")
	if got := plain(m.Render()); !strings.Contains(got, "travel: outside the history: event #3 (it holds #5 to #11)") ||
		strings.Contains(got, "travel: travel:") || m.travel.busy {
		t.Errorf("a failed seek should say why:\n%s", got)
	}
}

// Steps pressed while a seek runs do not pile up one seek each: a held "," waits as one step of
// many, so the viewer catches up at once when the seek ends, and lands where the steps one by one
// would have (a step does not pass a bound; a change of direction is kept apart).
func TestTravelQueuedStepsMerge(t *testing.T) {
	t.Parallel()
	m, _, _ := travelModel(t, 120, 30, 11, true)
	_, cmd := m.Update(keyMsg(",")) // the seek in flight
	for range 500 {
		m.Update(keyMsg(","))
	}
	m.Update(keyMsg("."))
	m.Update(keyMsg("."))
	seeks := 0
	for cmd != nil {
		seeks++
		_, cmd = m.Update(cmd())
	}
	if got := m.travel.pos().N; got != 2 {
		t.Errorf("after 501 steps back and 2 on from event 11, at event %d, want 2", got)
	}
	if seeks > 3 {
		t.Errorf("%d seeks ran for 503 steps pressed while one ran, want at most 3", seeks)
	}
}
