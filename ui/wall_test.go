package ui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/deskwatch/deskwatch/model"
	"github.com/deskwatch/deskwatch/themes"
)

// wallFigures are a busy floor's figures: every tile has a value, the floor's service level is
// under its alert limit and its longest wait over its warning limit, one agent has been not ready
// past the alert limit.
func wallFigures() model.FloorFigures {
	svc := func(name string, waiting int, longest time.Duration, sl float64, ans, ab int, aht time.Duration) model.ServiceFigures {
		return model.ServiceFigures{Service: name, Waiting: waiting, LongestWait: longest, ServiceLevel: sl,
			HasServiceLevel: ans+ab > 0, Answered: ans, Abandoned: ab, AHT: aht, HasAHT: aht > 0}
	}
	return model.FloorFigures{
		Services: []model.ServiceFigures{
			svc("Billing", 4, 95*time.Second, 81, 120, 6, 272*time.Second),
			svc("Sales", 0, 0, 97, 64, 1, 185*time.Second),
			svc("Support", 7, 150*time.Second, 62, 210, 31, 342*time.Second),
		},
		Agents: []model.AgentFigures{{Agent: "a", State: model.AgentNotReady, InState: 40 * time.Minute},
			{Agent: "b", State: model.AgentNotReady, InState: time.Minute}},
		Total: svc("", 11, 150*time.Second, 68.4, 394, 38, 301*time.Second),
		ByState: map[model.AgentState]int{model.AgentReady: 12, model.AgentBusy: 23, model.AgentAfterCallWork: 4,
			model.AgentNotReady: 2},
	}
}

// The tiles show the floor's figures and rate the service level, the longest wait and the longest
// not-ready agent against the limits.
func TestWallTileLevels(t *testing.T) {
	ok, warn, alert := model.LevelOK, model.LevelWarn, model.LevelAlert
	limits := model.DefaultKPILimits() // SL warn 80 alert 70, wait 60s/120s, not ready 15m/30m
	figs := wallFigures()
	tiles := floorTiles(figs, limits)
	want := []tile{{"READY", "12", ok}, {"BUSY", "27", ok}, {"NOT READY", "2", alert}, {"WAITING", "11", ok},
		{"LONGEST WAIT", "2:30", alert}, {"SERVICE LEVEL", "68%", alert}, {"ANSWERED", "394", ok},
		{"ABANDONED", "38", ok}, {"AHT", "5:01", ok}}
	for i, w := range want {
		if tiles[i] != w {
			t.Errorf("tile %d = %+v, want %+v", i, tiles[i], w)
		}
	}
	figs.Total.ServiceLevel, figs.Total.LongestWait, figs.Agents[0].InState = 75, 61*time.Second, 16*time.Minute
	tiles = floorTiles(figs, limits)
	if tiles[2].level != warn || tiles[4].level != warn || tiles[5].level != warn {
		t.Errorf("between the limits the tiles should warn: %+v", tiles)
	}
	figs.Total.HasServiceLevel, figs.Total.HasAHT, figs.Agents = false, false, nil
	tiles = floorTiles(figs, model.KPILimits{}) // zero limits are off
	for _, i := range []int{2, 4, 5} {
		if tiles[i].level != ok {
			t.Errorf("with the limits off tile %s is at level %d", tiles[i].label, tiles[i].level)
		}
	}
	if tiles[5].value != "-" || tiles[8].value != "-" {
		t.Errorf("no service level or handle time yet should show -, got %q and %q", tiles[5].value, tiles[8].value)
	}
}

// W and :wall open the wallboard, Esc (or W) goes back to the view it came from, w switches the
// window in the title, and Common.Wallboard (--wallboard) starts on it.
func TestWallKeys(t *testing.T) {
	m, _ := newTestModel(t, themes.Dark, 120, 30, deskEvents())
	press(m, "tab", "W")
	out := plain(m.Render())
	if m.screen != screenWall || !strings.Contains(out, "WALLBOARD · last 15m · ") ||
		!strings.Contains(out, "figures cover the agents whose desktops send events") {
		t.Fatalf("W should show the wallboard over the last 15 minutes:\n%s", out)
	}
	press(m, "w")
	if out := plain(m.Render()); !strings.Contains(out, "WALLBOARD · since start · ") {
		t.Errorf("w should switch the figures to since start:\n%s", out)
	}
	press(m, "esc")
	if m.screen != screenAgents {
		t.Errorf("esc should go back to the agents view, screen %d", m.screen)
	}
	press(m, ":", "w", "a", "l", "l", "enter")
	if m.screen != screenWall {
		t.Errorf(":wall should open the wallboard, screen %d", m.screen)
	}
	press(m, "?", "esc", "W")
	if m.screen != screenAgents {
		t.Errorf("help and back, then W should go back to the agents view, screen %d", m.screen)
	}
	c := testCommon(themes.Dark, m.c.Store, m.c.Now)
	c.Wallboard, c.Width, c.Height = true, 80, 24
	if w := New(c, nil); w.screen != screenWall || !strings.Contains(plain(w.Render()), "WALLBOARD") {
		t.Errorf("Common.Wallboard should start on the wallboard, screen %d", w.screen)
	}
}

// The wallboard of the desk's events at a wall screen's size and a terminal's, in colour and in
// monochrome, and at 60 columns; the email has waited 1:05 by then, past the warning limit.
func TestWallGolden(t *testing.T) {
	runGolden(t, []goldenCase{
		{"80x24", themes.Dark, 80, 24, []string{"W"}, false},
		{"80x24_color", themes.Dark, 80, 24, []string{"W"}, true},
		{"80x24_mono", themes.Mono, 80, 24, []string{"W"}, true},
		{"200x50", themes.Dark, 200, 50, []string{"W"}, false},
		{"200x50_color", themes.Dark, 200, 50, []string{"W"}, true},
		{"200x50_mono", themes.Mono, 200, 50, []string{"W"}, true},
		{"60x20_since_start", themes.Dark, 60, 20, []string{"W", "w"}, false},
	}, deskGolden)
}

// A busy floor past its limits, drawn by the pane: the alerting tiles and services in the alert
// and warning colours, and in monochrome with their glyphs and reversed labels.
func TestWallLevelsGolden(t *testing.T) {
	for _, tc := range []struct {
		name  string
		theme themes.Theme
		w, h  int
	}{{"color_80x21", themes.Dark, 80, 21}, {"mono_80x21", themes.Mono, 80, 21}, {"mono_200x47", themes.Mono, 200, 47}} {
		t.Run(tc.name, func(t *testing.T) {
			m, _ := newTestModel(t, tc.theme, tc.w, tc.h+3, deskEvents())
			out := m.wall.draw(m.newFrame(), wallFigures(), model.DefaultKPILimits())
			requireGolden(t, out, tc.w, tc.h, true)
		})
	}
}

// A store change does not redraw the wallboard (nor recompute its figures); the next tick does.
func TestWallRedrawsOnTheTick(t *testing.T) {
	m, store := newTestModel(t, themes.Dark, 80, 24, deskEvents())
	press(m, "W")
	before := m.Render()
	n := m.renders
	ev, err := model.Decode([]byte(`{"type":"ON_AGENT_STATE_CHANGE","agentId":"a.jones","ts":1700000094000,"params":["ready"]}`))
	if err != nil {
		t.Fatal(err)
	}
	store.Apply(ev, ev.TS)
	m.Update(changedMsg{})
	if m.Render(); m.renders != n {
		t.Errorf("a store change redrew the wallboard (%d frames, was %d)", m.renders, n)
	}
	m.Update(tickMsg(base.Add(clockAt)))
	if after := m.Render(); m.renders != n+1 || after == before {
		t.Errorf("the tick should redraw the wallboard with a.jones ready: %d frames, was %d", m.renders, n)
	}
}

// At any size, from a tiny terminal to a wide wall, the wallboard fills exactly its frame.
func TestWallFitsEverySize(t *testing.T) {
	m, _ := newTestModel(t, themes.Dark, 80, 24, deskEvents())
	press(m, "W")
	for _, sz := range [][2]int{{20, 5}, {30, 8}, {45, 12}, {60, 20}, {100, 30}, {132, 43}, {160, 40}, {240, 67}, {400, 100}} {
		m.Update(tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
		checkFrame(t, m.Render(), sz[0], sz[1])
		m.wall.SetSize(sz[0], sz[1])
		checkFrame(t, m.wall.draw(m.newFrame(), wallFigures(), model.DefaultKPILimits()), sz[0], sz[1])
	}
}

// The wallboard, the services view and the agent detail name a window the same way, whatever its
// length (a 90 s window is not "1:30" in one and "90s" in another).
func TestSpanTextNamesEveryWindow(t *testing.T) {
	t.Parallel()
	for d, want := range map[time.Duration]string{15 * time.Minute: "15m", 2 * time.Hour: "2h",
		90 * time.Second: "90s", 20 * time.Second: "20s", 1500 * time.Millisecond: "0:02"} {
		if got := spanText(d); got != want {
			t.Errorf("spanText(%v) = %q, want %q", d, got, want)
		}
	}
}
