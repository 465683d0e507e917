package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/feed"
	"github.com/deskwatch/deskwatch/themes"
)

// While the source is down (since base+60s, the clocks at base+95s) the durations stand at 60s, a
// banner above the table says since when, and the header is drawn in the theme's dim header style;
// back up, all of it goes.
func TestSourceDownFreezesAndSaysSo(t *testing.T) {
	t.Parallel()
	m, _ := newTestModel(t, themes.Dark, 100, 16, deskEvents())
	var down time.Time
	m.c.Status = func() feed.Status {
		return feed.Status{Name: "ws://hub/stream", State: feed.StateConnecting, DownSince: down}
	}
	live := plain(m.Render())
	if !strings.Contains(live, "1:32") || strings.Contains(live, "source down") {
		t.Fatalf("up: want the voice call at 1:32 and no banner:\n%s", live)
	}
	down = base.Add(60 * time.Second)
	m.Update(tickMsg(base.Add(clockAt)))
	out := m.Render()
	checkFrame(t, out, 100, 16)
	lines := strings.Split(plain(out), "\n")
	if want := "source down since 22:14:20 (35s) — reconnecting"; !strings.HasPrefix(lines[headerHeight], want) {
		t.Errorf("line %d is %q, want the banner %q", headerHeight+1, lines[headerHeight], want)
	}
	// What it is doing and why, which the status line (sharing its width) cut at 80 columns.
	connecting := m.c.Status
	m.c.Status = func() feed.Status {
		return feed.Status{Name: "ws://hub/stream", State: feed.StateLost, DownSince: down,
			Detail: "retrying in 2s: connection refused"}
	}
	m.Update(tickMsg(base.Add(clockAt)))
	if want := "source down since 22:14:20 (35s) — retrying in 2s: connection refused"; !strings.Contains(plain(m.Render()), want) {
		t.Errorf("the banner does not say why:\n%s", plain(m.Render()))
	}
	m.c.Status = connecting
	if !strings.Contains(plain(out), "0:57") || strings.Contains(plain(out), "1:32") {
		t.Errorf("down: the voice call's duration should stand at 0:57 (the time it went down):\n%s", plain(out))
	}
	for i, l := range strings.Split(out, "\n")[:headerHeight] {
		if want := m.c.Styles.HeaderDim.Render(plain(l)); l != want {
			t.Errorf("header line %d is not drawn dim:\n%q\nwant\n%q", i+1, l, want)
		}
	}
	if f := m.newFrame(); !f.now.Equal(down) {
		t.Errorf("frame clock %v, want it stopped at %v", f.now, down)
	}
	down = time.Time{}
	m.Update(tickMsg(base.Add(clockAt)))
	if back := plain(m.Render()); back != live {
		t.Errorf("up again, the screen differs from before:\n%s\nwant\n%s", back, live)
	}
}

// The banner wraps the reason over as many lines as it needs at the width (up to three), where one
// line cut it at 60 to 120 columns; the frame keeps its size, and the body does not move up again
// when the reason gets shorter while the source stays down (the countdown's digits).
func TestSourceDownBannerWraps(t *testing.T) {
	t.Parallel()
	const why = "retrying in 12s: connection refused (is the server running at ws://127.0.0.1:9/stream?)"
	for _, w := range []int{60, 80, 120} {
		t.Run(fmt.Sprint(w), func(t *testing.T) {
			t.Parallel()
			m, _ := newTestModel(t, themes.Dark, w, 16, deskEvents())
			detail := why
			m.c.Status = func() feed.Status {
				return feed.Status{Name: "ws://hub/stream", State: feed.StateLost, DownSince: base.Add(60 * time.Second),
					Detail: detail}
			}
			m.Update(tickMsg(base.Add(clockAt)))
			out := m.Render()
			checkFrame(t, out, w, 16)
			text := strings.Join(strings.Fields(plain(out)), " ")
			if want := "source down since 22:14:20 (35s) — " + why; !strings.Contains(text, want) {
				t.Errorf("the banner is cut, want %q in:\n%s", want, plain(out))
			}
			title := lineIndex(strings.Split(plain(out), "\n"), "TYPE")
			detail = "retrying in 1s: connection refused"
			m.Update(tickMsg(base.Add(clockAt)))
			out = m.Render()
			checkFrame(t, out, w, 16)
			if again := lineIndex(strings.Split(plain(out), "\n"), "TYPE"); again != title || title <= headerHeight+1 {
				t.Errorf("the table's titles moved from line %d to %d as the reason got shorter:\n%s", title, again, plain(out))
			}
		})
	}
}

// lineIndex is the index of the first line holding s, or -1.
func lineIndex(lines []string, s string) int {
	for i, l := range lines {
		if strings.Contains(l, s) {
			return i
		}
	}
	return -1
}

// The agents view says how each agent's desktop is connected when the hub says so, and shows no
// column for it on a stream that does not.
func TestAgentsShowDesktop(t *testing.T) {
	t.Parallel()
	m, _ := newTestModel(t, themes.Dark, 120, 12, deskEvents())
	press(m, "tab")
	if out := plain(m.Render()); !strings.Contains(out, "a.jones") || strings.Contains(out, "DESKTOP") {
		t.Fatalf("no desktop events: want no DESKTOP column:\n%s", out)
	}
	desk := func(ms int, agent, status string) string {
		return fmt.Sprintf(`{"type":"DESKWATCH_DESKTOP","agentId":%q,"ts":%d,"params":[{"status":%q,"reason":"bridge closed (1006)"}]}`,
			agent, base.UnixMilli()+int64(ms), status)
	}
	m, _ = newTestModel(t, themes.Dark, 120, 12, append(deskEvents(), desk(91000, "a.jones", "connected"),
		desk(92000, "b.smith", "disconnected")))
	press(m, "tab")
	out := plain(m.Render())
	for _, want := range []string{"DESKTOP", "connected", "disconnected 22:14:52"} {
		if !strings.Contains(out, want) {
			t.Errorf("agents view lacks %q:\n%s", want, out)
		}
	}
	press(m, "j", "d")
	if out := plain(m.Render()); !strings.Contains(out, "disconnected since 22:14:52 (bridge closed (1006))") {
		t.Errorf("agent detail lacks the desktop line:\n%s", out)
	}
	for _, r := range m.snap.Rows {
		if r.AgentID == "b.smith" && !r.Ended && r.DisconnectedAt.IsZero() {
			t.Errorf("b.smith's open %s is not marked stale", r.Data.ID)
		}
	}
}

// At 80 columns, the width most terminals open at, an agent whose desktop is disconnected or gone
// still says so in the agents view: DESKTOP then outranks the load columns (open, handled, lost,
// whose figures the detail has too); with every desktop connected the view keeps those.
func TestAgentsShowDesktopAt80(t *testing.T) {
	t.Parallel()
	desk := func(ms int, agent, status string) string {
		return fmt.Sprintf(`{"type":"DESKWATCH_DESKTOP","agentId":%q,"ts":%d,"params":[{"status":%q,"reason":"x"}]}`,
			agent, base.UnixMilli()+int64(ms), status)
	}
	m, _ := newTestModel(t, themes.Dark, 80, 12, append(deskEvents(), desk(91000, "a.jones", "connected")))
	press(m, "tab")
	if out := plain(m.Render()); !strings.Contains(out, "OPEN") {
		t.Errorf("every desktop connected: want the OPEN column kept at 80 columns:\n%s", out)
	}
	for _, status := range []string{"disconnected", "gone"} {
		m, _ := newTestModel(t, themes.Dark, 80, 12, append(deskEvents(), desk(91000, "a.jones", "connected"),
			desk(92000, "b.smith", status)))
		press(m, "tab")
		out := m.Render()
		checkFrame(t, out, 80, 12)
		if !strings.Contains(plain(out), status) {
			t.Errorf("b.smith's desktop is %s: the agents view at 80 columns does not say so:\n%s", status, plain(out))
		}
	}
}

// The detail of an open call whose desktop disconnected says it is stale, and since when.
func TestDetailSaysStale(t *testing.T) {
	t.Parallel()
	events := detailCall()[:7] // the call still open
	c := detailTestCommon(t, themes.Dark, append(events,
		`{"type":"DESKWATCH_DESKTOP","agentId":"a.jones","ts":`+fmt.Sprint(detailNow.Add(-time.Minute).UnixMilli())+
			`,"params":[{"status":"disconnected","reason":"bridge closed (1006)"}]}`))
	d := detailOf(c, 120, 200)
	out := plain(d.View(testFrame(c)))
	if !strings.Contains(out, "desktop disconnected at") {
		t.Errorf("the detail of a stale call does not say so:\n%s", out)
	}
}

// A newcomer's report: an agent whose desktop was gone showed "busy" in the agents view and "logged
// in yes, state busy" in its detail, while the state timeline and a fresh monitor's figures said
// logged out. Gone is logged out everywhere: the view's state (with the time since), the detail, the
// header's agents line.
func TestGoneAgentIsLoggedOut(t *testing.T) {
	t.Parallel()
	gone := fmt.Sprintf(`{"type":"DESKWATCH_DESKTOP","agentId":"a.jones","ts":%d,"params":[{"status":"gone","reason":"no bridge for 2m0s"}]}`,
		base.Add(35*time.Second).UnixMilli())
	m, _ := newTestModel(t, themes.Mono, 160, 12, append(deskEvents()[:8], gone))
	// The time since it went (a newcomer saw its last state's length there, standing still).
	if out := plain(m.Render()); !strings.Contains(out, "a.jones logged out 1:00") {
		t.Errorf("the header's agents line does not say a.jones logged out a minute ago:\n%s", out)
	}
	press(m, "tab")
	out := plain(m.Render())
	line := ""
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "a.jones") && strings.Contains(l, "Alice Jones") {
			line = l
		}
	}
	if f := strings.Fields(line); len(f) < 6 || f[3] != "out" || f[4] != "logged_out" || f[5] != "1:00" {
		t.Errorf("the agents view's a.jones line %q, want IN out, STATE logged_out for 1:00 (since it went at 0:35)", line)
	}
	press(m, "d")
	if out := plain(m.Render()); !strings.Contains(out, "logged_out (last state busy for") {
		t.Errorf("the agent's detail does not say logged out:\n%s", out)
	}
}

// A newcomer's report: Enter on an agent showed its interactions, and esc stayed in the table with
// the agent's filter on (Enter on a service came back). Esc goes back to the agents view, or the
// agent's detail, with the filter before.
func TestEscFromAnAgentsInteractionsGoesBack(t *testing.T) {
	t.Parallel()
	m, _ := newTestModel(t, themes.Mono, 120, 20, deskEvents())
	press(m, "/")
	press(m, keysOf("type:voice")...)
	press(m, "enter")
	before := m.query.Filter.String()
	for _, c := range []struct {
		keys []string
		back screen
	}{{[]string{"tab"}, screenAgents}, {[]string{"tab", "d"}, screenAgentDetail}} {
		press(m, c.keys...)
		press(m, "enter")
		if m.screen != screenTable || m.query.Filter.String() != "agent:a.jones" {
			t.Fatalf("after %v enter: screen %d, filter %q; want the table of a.jones", c.keys, m.screen, m.query.Filter.String())
		}
		press(m, "esc")
		if m.screen != c.back || m.query.Filter.String() != before {
			t.Errorf("esc after %v enter: screen %d, filter %q; want screen %d and %q", c.keys, m.screen,
				m.query.Filter.String(), c.back, before)
		}
		m.screen = screenTable
	}
}

// A newcomer's report: f on a completed row said "following mail-10008 when it ends".
func TestFollowAnEndedRowSaysSo(t *testing.T) {
	t.Parallel()
	m, _ := newTestModel(t, themes.Mono, 120, 20, deskEvents())
	for i := 0; i < 10 && (m.table.Selected() == nil || m.table.Selected().Open()); i++ {
		press(m, "j")
	}
	if r := m.table.Selected(); r == nil || r.Open() {
		t.Fatal("no ended row to select")
	}
	press(m, "f")
	if out := plain(m.Render()); !strings.Contains(out, "(ended) — f again to stop") || strings.Contains(out, "when it ends") {
		t.Errorf("f on an ended row:\n%s", out)
	}
}

// A newcomer's report: x and X did nothing, and said nothing, on the timeline, the wallboard and the
// rejected log. They say where they export.
func TestExportKeysElsewhereSayWhere(t *testing.T) {
	t.Parallel()
	for _, open := range []string{"T", "W", "r"} {
		m, _ := newTestModel(t, themes.Mono, 160, 30, deskEvents())
		press(m, open, "x")
		if out := plain(m.Render()); !strings.Contains(out, "x: exports the interactions table, the agents or the services view") {
			t.Errorf("x after %s says nothing:\n%s", open, out)
		}
	}
}

// A newcomer's report: the agents view had no filter (/ opened nothing), so a supervisor of a floor
// of hundreds could not find one agent. / keeps the agents whose id or name holds the text, in any
// case; the cursor, Enter, the export and n/N go by the agents listed; esc in the prompt restores it.
func TestAgentsViewFilter(t *testing.T) {
	t.Parallel()
	m, _ := newTestModel(t, themes.Mono, 160, 20, deskEvents())
	press(m, "tab", "/")
	press(m, keysOf("BOB")...)
	press(m, "enter")
	out := plain(m.Render())
	table := out[strings.Index(out, "AGENT "):] // under the header's agents line
	if !strings.Contains(table, "b.smith") || strings.Contains(table, "a.jones") || !strings.Contains(out, `filter "BOB"`) {
		t.Fatalf("filtered on BOB (Bob Smith's name):\n%s", out)
	}
	if a := m.agents.Selected(m.newFrame()); a == nil || a.ID != "b.smith" {
		t.Errorf("the cursor is on %v, want b.smith, the one listed", a)
	}
	press(m, "/", "ctrl+u") // the prompt holds the filter in force: cleared
	press(m, keysOf("nobody")...)
	press(m, "esc")
	if m.agents.filter != "BOB" {
		t.Errorf("esc in the prompt left the filter %q, want BOB back", m.agents.filter)
	}
	press(m, "/", "ctrl+u") // the prompt holds the filter in force: cleared
	press(m, keysOf("nobody")...)
	press(m, "enter")
	if out := plain(m.Render()); !strings.Contains(out, `no agent matches "nobody" — / to change the filter`) {
		t.Errorf("no agent matching:\n%s", out)
	}
	press(m, "enter") // nobody selected: nothing opens
	if m.screen != screenAgents {
		t.Errorf("enter with no agent listed went to screen %d", m.screen)
	}
}

// A newcomer's report: s, < and S did nothing in the agents view. They sort it by its figures (the
// order of first sight after the last), the direction turned by S; the window line says how.
func TestAgentsViewSorts(t *testing.T) {
	t.Parallel()
	m, _ := newTestModel(t, themes.Mono, 160, 20, deskEvents())
	press(m, "tab")
	first := func() string { return m.agents.shown(m.newFrame())[0].ID }
	if first() != "a.jones" {
		t.Fatalf("first seen first: got %s", first())
	}
	for i := 0; m.agents.sort != "handled"; i++ {
		if i == len(agentSorts) {
			t.Fatal("s never sorts by handled")
		}
		press(m, "s")
	}
	press(m, "S") // descending: b.smith handled 1, a.jones 0
	// The sorted column's title is marked, as the other views' are (the second newcomer: never).
	if out := plain(m.Render()); first() != "b.smith" || !strings.Contains(out, "sorted by HANDLED, descending") ||
		!strings.Contains(out, "HANDLED▼") {
		t.Errorf("by handled, descending: first %s\n%s", first(), out)
	}
	press(m, "S")
	if first() != "a.jones" {
		t.Errorf("by handled, ascending: first %s", first())
	}
	if a := m.agents.Selected(m.newFrame()); a == nil || a.ID != "a.jones" {
		t.Errorf("the cursor is on %v, want the first listed", a)
	}
}

// A newcomer's report: at 200 columns the agents view showed "not_ready (Train…" with 25 cells
// empty at the end of the row, kept for alerts no agent shown had. The columns that widen widen to
// their values on screen (the state up to 40 cells) and the alerts take what theirs need.
func TestAgentsViewStateShowsItsReason(t *testing.T) {
	t.Parallel()
	events := append(deskEvents(), fmt.Sprintf(`{"type":"ON_AGENT_STATE_CHANGE","agentId":"b.smith","ts":%d,`+
		`"params":["not_ready","Training with the team lead"]}`, base.UnixMilli()+80000))
	for _, w := range []int{200} {
		m, _ := newTestModel(t, themes.Mono, w, 20, events)
		press(m, "tab")
		if out := plain(m.Render()); !strings.Contains(out, "not_ready (Training with the team lead)") {
			t.Errorf("at %d the reason is cut:\n%s", w, out)
		}
	}
}

// retrier is a live source's retry as the ui sees it: it counts the presses.
type retrier struct {
	presses int
	waiting bool
}

func (r *retrier) RetryNow() bool { r.presses++; return r.waiting }

// A newcomer's report: after the hub came back, the monitor waited out its backoff with no way to
// try sooner. R has the live source try now; the banner says so, and help lists it for a source
// that can.
func TestRetryNowKey(t *testing.T) {
	t.Parallel()
	m, _ := newTestModel(t, themes.Mono, 120, 20, deskEvents())
	r := &retrier{waiting: true}
	m.c.Retry = r
	m.c.Status = func() feed.Status {
		return feed.Status{Name: "ws://hub/stream", State: feed.StateLost, DownSince: base.Add(60 * time.Second),
			Detail: "retrying in 17s: connection refused"}
	}
	m.Update(tickMsg(base.Add(clockAt)))
	if out := plain(m.Render()); !strings.Contains(out, "retrying in 17s: connection refused · R: now") {
		t.Errorf("the banner does not say R:\n%s", out)
	}
	press(m, "R")
	if out := plain(m.Render()); r.presses != 1 || !strings.Contains(out, "reconnecting now") {
		t.Errorf("R: %d presses\n%s", r.presses, out)
	}
	r.waiting = false
	press(m, "R")
	if out := plain(m.Render()); !strings.Contains(out, "the source is not waiting to reconnect") {
		t.Errorf("R while not waiting:\n%s", out)
	}
	press(m, "?")
	if text := strings.Join(strings.Fields(plain(strings.Join(m.help.lines(), " "))), " "); !strings.Contains(text,
		"R reconnect now (a live source that is down)") {
		t.Errorf("help does not list R: %s", text)
	}
	m.c.Retry = nil
	press(m, "esc", "R")
	if out := plain(m.Render()); !strings.Contains(out, "R reconnects a live source that is down") {
		t.Errorf("R with no live source:\n%s", out)
	}
}
