package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/model"
	"github.com/deskwatch/deskwatch/themes"
)

// tlNow is the timeline fixtures' clock: an hour after base.
var tlNow = base.Add(time.Hour)

// tlAt is base plus m minutes.
func tlAt(m float64) time.Time { return base.Add(time.Duration(m * float64(time.Minute))) }

// timelineSnap is a floor built by hand as the engine fills it: a.jones works all hour (a lunch
// break in the middle), b.smith logs out at minute 40, c.lopez rings, is reserved and supervises,
// and an agent with a long name has no state known before minute 50.
func timelineSnap(extra int) *model.Snapshot {
	sp := func(m float64, s model.AgentState, reason string) model.StateSpan {
		return model.StateSpan{At: tlAt(m), State: s, Reason: reason}
	}
	agents := []*model.Agent{
		{ID: "a.jones", LoggedIn: true, States: []model.StateSpan{sp(0, model.AgentReady, ""), sp(5, model.AgentBusy, ""),
			sp(12, model.AgentAfterCallWork, ""), sp(14, model.AgentReady, ""), sp(30, model.AgentNotReady, "Lunch"),
			sp(45, model.AgentReady, ""), sp(55, model.AgentBusy, "")}},
		{ID: "b.smith", States: []model.StateSpan{sp(0, model.AgentNotReady, "break"), sp(10, model.AgentReady, ""),
			sp(20, model.AgentBusy, ""), sp(28, model.AgentAfterCallWork, ""), sp(33, model.AgentReady, ""),
			sp(40, model.StateLoggedOut, "")}},
		{ID: "c.lopez", LoggedIn: true, States: []model.StateSpan{sp(0, model.AgentReady, ""), sp(15, model.AgentRinging, ""),
			sp(16, model.AgentReserved, ""), sp(20, model.AgentSupervising, ""), sp(50, model.AgentNotReady, "")}},
		{ID: "very.long.agent.name@example.com", LoggedIn: true, States: []model.StateSpan{sp(50, model.AgentReady, "")}},
	}
	for i := range extra {
		agents = append(agents, &model.Agent{ID: fmt.Sprintf("agent-%03d", i),
			States: []model.StateSpan{sp(float64(i%30), model.AgentReady, ""), sp(float64(30+i%20), model.AgentBusy, "")}})
	}
	row := func(agent, id string, typ model.Type, ans, end float64) *model.Row {
		r := &model.Row{Key: agent + "/" + id, AgentID: agent, Data: &model.Interaction{ID: id, Type: typ,
			State: model.StateDelivered}, AnsweredAt: tlAt(ans)}
		if end > 0 {
			r.Ended, r.EndedAt = true, tlAt(end)
		}
		return r
	}
	return &model.Snapshot{Version: 1, Agents: agents, Rows: []*model.Row{
		row("a.jones", "c-1", model.TypeVoice, 5, 14), row("a.jones", "c-2", model.TypeVoice, 55, 0),
		row("b.smith", "chat-9", model.TypeChat, 20, 33), {Key: "b.smith/q", AgentID: "b.smith",
			Data: &model.Interaction{ID: "q", Type: model.TypeVoice, State: model.StateQueued}},
	}}
}

// newTimelineModel is a model over timelineSnap at tlNow with the timeline in front.
func newTimelineModel(t testing.TB, theme themes.Theme, w, h, extra int) *Model {
	t.Helper()
	m, _ := newTestModel(t, theme, w, h, deskEvents())
	m.c.Now = func() time.Time { return tlNow }
	m.c.Wall = m.c.Now
	m.snap = timelineSnap(extra)
	m.refresh()
	press(m, "T")
	return m
}

func TestGoldenTimeline(t *testing.T) {
	runGolden(t, []goldenCase{
		{"color_80x24", themes.Dark, 80, 24, nil, true},
		{"mono_80x24", themes.Mono, 80, 24, nil, true},
		{"color_200x50", themes.Dark, 200, 50, []string{"j", "h", "h", "h"}, true},
		{"mono_200x50", themes.Mono, 200, 50, []string{"j", "h", "h", "h"}, true},
	}, func(t *testing.T, tc goldenCase) *Model {
		return newTimelineModel(t, tc.theme, tc.w, tc.h, 0)
	})
}

// timelineLine is the pane's line that starts with the agent's name (below the title: the header's
// agents line may start with one too).
func timelineLine(t *testing.T, out, agent string) string {
	t.Helper()
	_, pane, _ := strings.Cut(out, "Agent state timeline")
	for _, l := range strings.Split(pane, "\n") {
		if strings.HasPrefix(l, agent) {
			return l
		}
	}
	t.Fatalf("no line for %s:\n%s", agent, out)
	return ""
}

func TestTimelineCursorMovesAndSays(t *testing.T) {
	t.Parallel()
	m := newTimelineModel(t, themes.Mono, 80, 24, 0)
	out := plain(m.Render())
	if !strings.Contains(out, "23:13:20 (now) · a.jones: busy since 23:08:20, on ☎ c-2") {
		t.Errorf("the cursor line at now:\n%s", out)
	}
	if !strings.Contains(out, "floor then: 1 ready, 1 busy, 1 not ready, 1 logged out") {
		t.Errorf("the floor's counts at now:\n%s", out)
	}
	// 60 minutes over 80-13-1 = 66 cells: a cell is 54.5s; back 22 cells is 20 minutes earlier,
	// inside a.jones's lunch.
	for range 22 {
		press(m, "h")
	}
	out = plain(m.Render())
	if !strings.Contains(out, "a.jones: not ready (Lunch) since 22:43:20") || strings.Contains(out, "(now)") {
		t.Errorf("back 20 minutes, the cursor line:\n%s", out)
	}
	press(m, "j")
	if out = plain(m.Render()); !strings.Contains(out, "b.smith: logged out since 22:53:20") {
		t.Errorf("down one agent, the cursor line:\n%s", out)
	}
	// Moved back, the cursor stays at its time while now goes on.
	at := m.timeline.cursorAt(tlNow)
	if got := m.timeline.cursorAt(tlNow.Add(time.Minute)); !got.Equal(at) {
		t.Errorf("the cursor moved with the clock: %v, want %v", got, at)
	}
	for range 30 {
		press(m, "l")
	}
	if !m.timeline.at.IsZero() {
		t.Error("right up to now does not follow now again")
	}
}

func TestTimelineZoom(t *testing.T) {
	t.Parallel()
	m := newTimelineModel(t, themes.Mono, 80, 24, 0)
	if !strings.Contains(plain(m.Render()), "last 60m · 22:13–23:13") {
		t.Errorf("the default span is not the last hour:\n%s", plain(m.Render()))
	}
	press(m, "[")
	out := plain(m.Render())
	if !strings.Contains(out, "last 30m · 22:43–23:13") {
		t.Errorf("[ does not shorten the span:\n%s", out)
	}
	// In the last 30 minutes b.smith is ready, then logged out from minute 40.
	if l := timelineLine(t, out, "b.smith"); !strings.Contains(l, "---.........") || strings.Contains(l, "#") {
		t.Errorf("b.smith at 30m: %q", l)
	}
	press(m, "]", "]")
	if out := plain(m.Render()); !strings.Contains(out, "last 2h") {
		t.Errorf("] does not lengthen the span:\n%s", out)
	}
}

func TestTimelineCells(t *testing.T) {
	t.Parallel()
	snap := timelineSnap(0)
	tv := newTimeline(testCommon(themes.Mono, model.NewStore(), func() time.Time { return tlNow }))
	rows := tv.index(snap)
	cells := make([]tlCell, 60) // a minute a cell
	agentCells(snap.Agents[1], rows["b.smith"], base, time.Minute, tlNow, cells)
	if c := cells[0]; c.state != model.AgentNotReady || c.initial != 'B' || cells[1].initial != 0 {
		t.Errorf("b.smith's break: %+v %+v, want the reason's initial B in its first cell only", c, cells[1])
	}
	if c := cells[45]; c.state != model.StateLoggedOut || !c.known || c.handled {
		t.Errorf("b.smith after the logout: %+v", c)
	}
	for i, c := range cells {
		if want := i >= 20 && i < 33; c.handled != want {
			t.Errorf("b.smith's cell %d handled = %v, want %v (chat-9 from minute 20 to 33)", i, c.handled, want)
		}
	}
	agentCells(snap.Agents[3], nil, base, time.Minute, tlNow, cells)
	if cells[49].known || !cells[50].known {
		t.Errorf("no state is known before the first span: %+v %+v", cells[49], cells[50])
	}
	// A not-ready stretch of one cell has no room for its initial.
	one := []tlCell{{state: model.AgentReady, known: true}, {state: model.AgentNotReady, known: true, initial: 'L'},
		{state: model.AgentReady, known: true}}
	keepInitials(one)
	if one[1].initial != 0 {
		t.Error("a one-cell not-ready stretch kept its initial")
	}
	if g := NewStyles(themes.Mono).cellGlyph(tlCell{state: model.AgentAfterCallWork, known: true}); g != '=' {
		t.Errorf("after-call work's glyph is %q", g)
	}
}

func TestTimelineFitsEveryWidth(t *testing.T) {
	t.Parallel()
	for _, w := range []int{60, 80, 120, 200} {
		m := newTimelineModel(t, themes.Dark, w, 24, 40)
		out := m.Render()
		checkFrame(t, out, w, 24)
		if !strings.Contains(plain(out), "very.long") || !strings.Contains(plain(out), "floor then:") {
			t.Errorf("at %d:\n%s", w, plain(out))
		}
		press(m, "G") // many agents scroll
		if out := plain(m.Render()); !strings.Contains(out, "agent-039") {
			t.Errorf("at %d, G does not scroll to the last agent:\n%s", w, out)
		}
	}
}

// BenchmarkTimelineView draws the timeline of 500 agents and 10,000 answered interactions at
// 200x50: on a new store version (the rows indexed again) and on the same one (a tick).
func BenchmarkTimelineView(b *testing.B) {
	m := newTimelineModel(b, themes.Dark, 200, 50, 500)
	snap := m.snap
	for i := range 10000 {
		snap.Rows = append(snap.Rows, &model.Row{AgentID: snap.Agents[i%len(snap.Agents)].ID,
			Data:       &model.Interaction{ID: fmt.Sprint(i), Type: model.TypeVoice, State: model.StateDelivered},
			AnsweredAt: tlAt(float64(i % 60)), Ended: true, EndedAt: tlAt(float64(i%60) + 0.5)})
	}
	f := m.newFrame()
	for _, bc := range []struct {
		name string
		next func(*model.Snapshot) *model.Snapshot
	}{
		{"new_version", func(s *model.Snapshot) *model.Snapshot { c := *s; c.Version++; return &c }},
		{"same_version", func(s *model.Snapshot) *model.Snapshot { return s }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				f.snap = bc.next(f.snap)
				m.timeline.View(f)
			}
		})
	}
}

func TestTimelineOpensAndFollowsNow(t *testing.T) {
	t.Parallel()
	m, _ := newTestModel(t, themes.Mono, 80, 24, deskEvents())
	now := tlNow
	m.c.Now = func() time.Time { return now }
	m.c.Wall = m.c.Now
	m.snap = timelineSnap(0)
	press(m, ":", "t", "i", "m", "e", "l", "i", "n", "e", "enter")
	if m.screen != screenTimeline {
		t.Fatalf(":timeline shows screen %d", m.screen)
	}
	now = now.Add(2 * time.Minute) // at now, the cursor follows the clock
	m.dirty = true
	if out := plain(m.Render()); !strings.Contains(out, "23:15:20 (now) · a.jones: busy since 23:08:20, on ☎ c-2") ||
		!strings.Contains(out, "22:15–23:15") {
		t.Errorf("two minutes on, the timeline did not follow now:\n%s", out)
	}
	press(m, "T")
	if m.screen != screenTable {
		t.Errorf("T again shows screen %d, not the table", m.screen)
	}
}

// Until a zoom key chooses a span, the timeline fits the data: a stream first seen three minutes
// ago shows on 5 minutes rather than as nearly empty lines across the default hour; a zoom key's
// choice then stays.
func TestTimelineSpanFitsTheData(t *testing.T) {
	t.Parallel()
	m := newTimelineModel(t, themes.Mono, 100, 24, 0)
	ag := &model.Agent{ID: "a.jones", LoggedIn: true, FirstSeen: tlNow.Add(-3 * time.Minute),
		States: []model.StateSpan{{At: tlNow.Add(-3 * time.Minute), State: model.AgentReady}}}
	m.snap = &model.Snapshot{Version: m.snap.Version + 1, Agents: []*model.Agent{ag}, Stats: m.snap.Stats}
	m.dirty = true
	if out := plain(m.Render()); !strings.Contains(out, "last 5m") {
		t.Fatalf("three minutes of data are not shown on 5 minutes:\n%s", out)
	}
	press(m, "]")
	if out := plain(m.Render()); !strings.Contains(out, "last 15m") {
		t.Fatalf("] from the fitted 5 minutes does not show 15:\n%s", out)
	}
	old := *ag
	old.FirstSeen = tlNow.Add(-10 * time.Hour)
	m.snap = &model.Snapshot{Version: m.snap.Version + 1, Agents: []*model.Agent{&old}, Stats: m.snap.Stats}
	m.dirty = true
	if out := plain(m.Render()); !strings.Contains(out, "last 15m") {
		t.Errorf("the span chosen with ] did not stay:\n%s", out)
	}
}

// A newcomer's report: at the 24h zoom the timeline's title read "09:59–09:59". A span over a day
// (or across midnight) names the days, whole at 60 and 80 columns too (the key hints made way for
// the dates' end), and the hints that are shown are whole.
func TestTimelineTitleNamesTheDays(t *testing.T) {
	t.Parallel()
	for _, w := range []int{60, 80, 160} {
		m, _ := newTestModel(t, themes.Mono, w, 20, deskEvents())
		press(m, "T")
		for range 10 {
			press(m, "]")
		}
		out := plain(m.Render())
		title := strings.Split(out, "\n")[headerHeight]
		if !strings.Contains(title, "Agent state timeline · last 24h · Nov 13 22:14–Nov 14 22:14") ||
			strings.Contains(title, "…") {
			t.Errorf("the 24h timeline's title at %d: %q", w, title)
		}
	}
}

// A newcomer's report: at 60 columns the legend ended "underli…". It wraps whole, every frame line
// within the width and the frame its height.
func TestTimelineLegendWrapsWhole(t *testing.T) {
	t.Parallel()
	for _, w := range []int{60, 80} {
		m, _ := newTestModel(t, themes.Mono, w, 20, deskEvents())
		press(m, "T")
		out := m.Render()
		checkFrame(t, out, w, 20)
		if !strings.Contains(plain(out), "underlined: on an interaction") {
			t.Errorf("at %d the legend is cut:\n%s", w, plain(out))
		}
	}
}
