package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/deskwatch/deskwatch/model"
	"github.com/deskwatch/deskwatch/themes"
	"github.com/deskwatch/deskwatch/travel"
)

// Space freezes a live view while the feed goes on applying: the picture stays, the status line
// counts the events behind, the seek keys move back from there, and space returns to live with
// nothing lost.
func TestTravelLiveFreezeKeepsApplying(t *testing.T) {
	t.Parallel()
	const w, h = 160, 30
	m, hist, _ := travelModel(t, w, h, 6, false)
	before := body(m.Render(), h-3)
	travelPress(m, "space")
	evs := deskHistory(t)
	hist.feedTo(m.c.Store, evs[6:9]...)
	m.Update(ChangedMsg())
	got := plain(m.Render())
	if body(got, h-3) != before {
		t.Errorf("the frozen picture moved:\n%s\nwas\n%s", body(got, h-3), before)
	}
	if !strings.Contains(got, "⏸ paused · 3 events behind · space: live") {
		t.Errorf("the status line should count 3 events behind:\n%s", got)
	}
	hist.feedTo(m.c.Store, evs[9:]...)
	m.Update(tickMsg{})
	if got := plain(m.Render()); !strings.Contains(got, "5 events behind") {
		t.Errorf("after two more events, the count behind should be 5:\n%s", got)
	}
	travelPress(m, ",", ",")
	got = plain(m.Render())
	if m.travel.pos().N != 4 || !strings.Contains(got, "event 4 of 11") || !strings.Contains(got, "7 events behind") {
		t.Errorf("two steps back from event 6: at %d\n%s", m.travel.pos().N, got)
	}
	if want := body(fedModel(t, w, h-1, 4).Render(), 1); !strings.Contains(body(got, 1), strings.Fields(want)[2]) {
		t.Errorf("the header at event 4 should read as a store fed 4 events:\n%s\nwant\n%s", body(got, 1), want)
	}
	travelPress(m, "space")
	if m.travel.on || m.snap.Stats.Events != 11 || len(m.snap.Rows) != 4 {
		t.Errorf("space should return to live with all 11 events: on %v, %d events, %d rows",
			m.travel.on, m.snap.Stats.Events, len(m.snap.Rows))
	}
	if got := plain(m.Render()); strings.Contains(got, "behind") || strings.Contains(got, "▸ #") {
		t.Errorf("back to live, the status line and the strip should say nothing of travel:\n%s", got)
	}
}

// A read-only viewer (SSH) travels with a cursor of its own: the shared replay goes on, and its
// live picture freezes for it alone.
func TestTravelReadOnlyViewerTravelsAlone(t *testing.T) {
	t.Parallel()
	m, _, ctl := travelModel(t, 160, 30, 11, true)
	m.c.SetCapabilities(Capabilities{ReadOnly: true})
	travelPress(m, ",")
	if !m.travel.on || m.travel.pos().N != 10 || ctl.paused {
		t.Errorf("a read-only viewer's step: on %v at %d, shared replay paused %v", m.travel.on, m.travel.pos().N, ctl.paused)
	}
	travelPress(m, "space")
	if m.travel.on || ctl.paused {
		t.Errorf("space should bring a read-only viewer back to the replay, leaving it playing")
	}
	travelPress(m, "space")
	if got := plain(m.Render()); !strings.Contains(got, "read-only view: pause is off") {
		t.Errorf("space outside a travel still may not pause the shared replay:\n%s", got)
	}
	live, _, _ := travelModel(t, 160, 30, 6, false)
	other, _, _ := travelModel(t, 160, 30, 6, false)
	other.c.Store = live.c.Store
	live.c.SetCapabilities(Capabilities{ReadOnly: true})
	travelPress(live, "space")
	if !live.travel.on || other.travel.on {
		t.Error("a read-only live viewer should freeze its own picture, and only its own")
	}
}

// A seek while a replay plays pauses it first; space goes back to the replay where the source
// was and resumes it. The status line says how.
func TestTravelReplayPausesAndResumes(t *testing.T) {
	t.Parallel()
	m, _, ctl := travelModel(t, 160, 30, 11, true)
	travelPress(m, "(")
	got := plain(m.Render())
	if !ctl.paused || !strings.Contains(got, "event 8 of 11 · 2023-11-14 22:13:50 · space: back to the replay") {
		t.Errorf("1 min back from 90 s: paused %v\n%s", ctl.paused, got)
	}
	if !strings.Contains(got, "▸ #8 22:13:50 ON_NEW_INTERACTION · mail-9: new email, state queued") {
		t.Errorf("the strip should say what event 8 changed:\n%s", got)
	}
	travelPress(m, "space")
	if ctl.paused || m.travel.on || !strings.Contains(plain(m.Render()), "back to the replay, where it was — resumed") {
		t.Errorf("space should resume the replay: paused %v on %v\n%s", ctl.paused, m.travel.on, plain(m.Render()))
	}
	ctl.paused = true // paused by the user: traveling leaves it so, and space resumes it
	travelPress(m, ",", "space")
	if ctl.paused {
		t.Error("space after a travel from a paused replay should resume it")
	}
}

// A click on the replay's progress bar seeks to the point clicked: the first cell is the start of
// the history, the last its end.
func TestTravelClickOnTheProgressBar(t *testing.T) {
	t.Parallel()
	m, _, ctl := travelModel(t, 80, 24, 11, true)
	line := plain(strings.Split(m.Render(), "\n")[23])
	x := strings.Index(line, "[")
	if x < 0 || m.status.barX != width(line[:x]) {
		t.Fatalf("the status line's bar is at %d, the view says %d: %q", x, m.status.barX, line)
	}
	for _, tc := range []struct{ cell, n int }{{0, 0}, {11, 11}, {5, 5}, {9, 9}} {
		busy := m.travel.busy
		_, cmd := m.Update(tea.MouseClickMsg{Button: tea.MouseLeft, X: m.status.barX + 1 + tc.cell, Y: 23})
		runSeeks(m, busy, cmd)
		if m.travel.pos().N != int64(tc.n) || !ctl.paused {
			t.Errorf("click on cell %d: at event %d, want %d (paused %v)", tc.cell, m.travel.pos().N, tc.n, ctl.paused)
		}
		m.Render()
	}
	if _, cmd := m.Update(tea.MouseClickMsg{Button: tea.MouseLeft, X: m.status.barX + 1 + barCells, Y: 23}); cmd != nil {
		t.Error("a click past the bar should not seek")
	}
}

// The help screen lists the travel keys and :goto under "Time travel", and space once: as the
// freeze key for a live source, as the pause key (which also ends a travel) for a paced replay.
func TestTravelHelp(t *testing.T) {
	t.Parallel()
	seek := []string{", travel: one event back", ". travel: one event forward", "{ travel: 10 s back",
		"} travel: 10 s forward", "( travel: 1 min back", ") travel: 1 min forward", ":goto go to " + gotoForms}
	for _, tc := range []struct {
		name  string
		caps  Capabilities
		space string
	}{
		{"replay", Capabilities{CanExport: true, CanControlReplay: true}, "space pause replay · end a travel"},
		{"live", Capabilities{CanExport: true}, "space freeze a live view · back to live / to the replay"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m, _ := newTestModel(t, themes.Mono, 120, 24, deskEvents())
			m.c.SetCapabilities(tc.caps)
			press(m, "?")
			text := strings.Join(strings.Fields(plain(strings.Join(m.help.lines(), " "))), " ")
			i := strings.Index(text, "Time travel")
			for _, want := range append(seek, tc.space) {
				if j := strings.Index(text, want); i < 0 || j < 0 || want != tc.space && j < i {
					t.Errorf("help lacks %q (under Time travel): %q", want, text)
				}
			}
			if n := strings.Count(text, " space "); n != 1 {
				t.Errorf("help lists space %d times, want once: %q", n, text)
			}
		})
	}
}

// indexingHistory is a history still indexing its file: 45% done.
type indexingHistory struct{ *sliceHistory }

func (indexingHistory) Progress() (done, total int64) { return 450, 1000 }
func (indexingHistory) Indexed() bool                 { return false }

// cutHistory is a history whose index stopped at its bound: 11 messages of a longer file.
type cutHistory struct{ *sliceHistory }

func (cutHistory) Progress() (done, total int64) { return 1000, 1000 }
func (cutHistory) Indexed() bool                 { return true }
func (cutHistory) IndexError() error             { return &travel.IndexFullError{Messages: 11, Limit: 176} }

// While the history is still indexing the replayed file, the status line says how far it is; when
// its index stopped at its bound, where the history ends.
func TestTravelSaysTheIndexProgress(t *testing.T) {
	t.Parallel()
	for want, wrap := range map[string]func(*sliceHistory) travel.History{
		"indexing 45%":             func(h *sliceHistory) travel.History { return indexingHistory{h} },
		"history ends at event 11": func(h *sliceHistory) travel.History { return cutHistory{h} },
	} {
		m, hist, _ := travelModel(t, 200, 30, 11, true)
		m.c.History = wrap(hist)
		travelPress(m, ",")
		if got := plain(m.Render()); !strings.Contains(got, "event 10 of 11 · 2023-11-14 22:14:20 · "+want+" · space") {
			t.Errorf("the status line should say %q:\n%s", want, got)
		}
	}
}

// A live view frozen just after an event that adds to no timeline (an active interaction
// switched) does not tell an earlier event's change on the strip as that event's.
func TestTravelFrozenStripOnlyTheLastEvent(t *testing.T) {
	t.Parallel()
	m, hist, _ := travelModel(t, 160, 30, 11, false)
	last := deskHistory(t)[10]
	ev, err := model.Decode([]byte(fmt.Sprintf(`{"type":"ON_ACTIVE_INTERACTION_SWITCHED","agentId":%q,"ts":%d,"params":[null]}`,
		last.AgentID, last.TS.Add(time.Second).UnixMilli())))
	if err != nil {
		t.Fatal(err)
	}
	hist.feedTo(m.c.Store, ev)
	m.Update(ChangedMsg())
	travelPress(m, "space")
	got := plain(m.Render())
	if !strings.Contains(got, "▸ #12 no timeline entry") {
		t.Errorf("the strip of a frozen switch of the active interaction should say it made no timeline entry:\n%s", got)
	}
}
