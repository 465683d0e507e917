package ui

import (
	"fmt"
	"strings"
	"testing"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/deskwatch/deskwatch/feed"
	"github.com/deskwatch/deskwatch/model"
	"github.com/deskwatch/deskwatch/themes"
)

// TestEveryPaneKeyIsOnTheHelpScreen checks each pane's own key help against the key map: a key a
// pane says it takes is a key of the map (help, drawn from the panes, is checked in help_test.go).
func TestEveryPaneKeyIsOnTheHelpScreen(t *testing.T) {
	t.Parallel()
	m, _ := newTestModel(t, themes.Dark, 120, 20, deskEvents())
	listed := map[string]bool{}
	for _, col := range m.c.Keys.FullHelp() {
		for _, b := range col {
			listed[b.Help().Key+" "+b.Help().Desc] = true
		}
	}
	panes := append(m.body[:], m.header, m.status, m.filter)
	for _, p := range panes {
		var bindings []key.Binding
		bindings = append(bindings, p.ShortHelp()...)
		for _, col := range p.FullHelp() {
			bindings = append(bindings, col...)
		}
		for _, b := range bindings {
			if h := b.Help().Key + " " + b.Help().Desc; !listed[h] {
				t.Errorf("%T takes %q, which help does not list", p, h)
			}
		}
	}
	if len(m.table.FullHelp()) == 0 || len(m.detail.FullHelp()) == 0 {
		t.Error("the table and the detail list no keys of their own")
	}
}

// TestCapabilitiesDecideWhatAViewerMayDo: a read-only viewer's help lists neither pacing nor export
// and its keys do nothing; a terminal over a live source lists export, not pacing (a newcomer read
// "space pause replay" in the demo's help), and says pacing is for replays; a replay's lists both.
func TestCapabilitiesDecideWhatAViewerMayDo(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name             string
		caps             Capabilities
		paced, exporting bool
		noteOnSp         string
	}{
		{"read-only", Capabilities{ReadOnly: true, CanExport: true, CanControlReplay: true}, false, false, ""},
		{"live terminal", Capabilities{CanExport: true}, false, true, "pause and speed apply to file replays only"},
		{"replay", Capabilities{CanExport: true, CanControlReplay: true}, true, true, "pause and speed apply to file replays only"},
	} {
		m, _ := newTestModel(t, themes.Dark, 200, 50, deskEvents())
		m.c.SetCapabilities(tc.caps)
		if tc.caps.ReadOnly && (m.c.Caps.CanExport || m.c.Caps.CanControlReplay) {
			t.Errorf("%s: read-only kept %+v", tc.name, m.c.Caps)
		}
		press(m, "?")
		help := plain(m.Render())
		for what, listed := range map[string]bool{"pause replay": tc.paced, "faster": tc.paced,
			"export view as CSV": tc.exporting} {
			if strings.Contains(help, what) != listed {
				t.Errorf("%s: help lists %q: %v, want %v", tc.name, what, !listed, listed)
			}
		}
		press(m, "esc", "space")
		if out := plain(m.Render()); tc.noteOnSp != "" && !strings.Contains(out, tc.noteOnSp) ||
			tc.noteOnSp == "" && strings.Contains(out, "replays only") {
			t.Errorf("%s: after space the status line is wrong:\n%s", tc.name, out)
		}
	}
}

// TestOneFrameOneStoreVersion changes the interaction an open detail shows without telling the
// viewer: the frame still draws the snapshot the table and header were drawn from, until the change
// notification brings the new one to every pane at once.
func TestOneFrameOneStoreVersion(t *testing.T) {
	t.Parallel()
	m, store := newTestModel(t, themes.Dark, 120, 30, deskEvents())
	r := m.table.Selected()
	if r == nil {
		t.Fatal("no row selected")
	}
	press(m, "enter")
	before := plain(m.Render())
	if !strings.Contains(before, r.Data.ID) || strings.Contains(before, "on_hold_now") {
		t.Fatalf("the detail does not show %s:\n%s", r.Data.ID, before)
	}
	line := fmt.Sprintf(`{"type":"ON_INTERACTION_STATE_CHANGE","agentId":%q,"ts":%d,"params":[{"interactionId":%q,`+
		`"state":"on_hold_now","type":%q,"subject":"","associatedObjects":{"list":[]},"callParties":[],`+
		`"callMuted":false,"callRecording":false,"attachedData":{}}]}`, r.AgentID, base.Add(clockAt).UnixMilli(),
		r.Data.ID, r.Data.Type)
	ev, err := model.Decode([]byte(line))
	if err != nil {
		t.Fatal(err)
	}
	store.Apply(ev, ev.TS)
	m.Update(tickMsg{}) // a redraw without the change notification
	if out := plain(m.Render()); strings.Contains(out, "on_hold_now") {
		t.Errorf("the detail drew a newer store version than the rest of the frame:\n%s", out)
	}
	m.Update(changedMsg{})
	if out := plain(m.Render()); !strings.Contains(out, "on_hold_now") {
		t.Errorf("after the change notification the detail still shows the old version:\n%s", out)
	}
}

// TestListCursor moves a list's cursor over 10 items, 4 on a page.
func TestListCursor(t *testing.T) {
	t.Parallel()
	k := DefaultKeyMap()
	keyMsg := func(s string) tea.Msg { return tea.KeyPressMsg{Code: []rune(s)[0], Text: s} }
	click := func(y int) tea.Msg { return tea.MouseClickMsg{Button: tea.MouseLeft, Y: y} }
	var c cursor
	for _, step := range []struct {
		msg         tea.Msg
		pos, offset int
	}{
		{keyMsg("k"), 0, 0},
		{keyMsg("j"), 1, 0},
		{tea.KeyPressMsg{Code: tea.KeyPgDown}, 5, 2},
		{keyMsg("G"), 9, 6},
		{keyMsg("j"), 9, 6},
		{tea.MouseWheelMsg{Button: tea.MouseWheelUp}, 6, 6},
		{click(2), 7, 6},
		{click(9), 7, 6}, // below the last item
		{click(0), 7, 6}, // the titles
		{keyMsg("g"), 0, 0},
	} {
		c.selectFor(step.msg, k, 10, 4, 1)
		if c.pos != step.pos || c.offset != step.offset {
			t.Errorf("after %v: pos %d offset %d, want %d %d", step.msg, c.pos, c.offset, step.pos, step.offset)
		}
	}
	c.clampList(3, 4) // the list shrank
	if c.pos != 0 || c.offset != 0 {
		t.Errorf("after shrinking: pos %d offset %d", c.pos, c.offset)
	}
}

// In the agents and services views the window line and the titles are above the list: a click on
// the line under the titles selects the first item, one on the titles or the window line nothing.
func TestFloorListsClickUnderTheirTwoLines(t *testing.T) {
	t.Parallel()
	m, _ := newDeskModel(t, themes.Dark, 120, 20)
	click := func(y int) tea.MouseClickMsg { return tea.MouseClickMsg{Button: tea.MouseLeft, Y: y} }
	for _, v := range []struct {
		name string
		p    pane
		cur  *cursor
	}{{"agents", m.agents, &m.agents.cur}, {"services", m.services, &m.services.cur}} {
		for _, step := range []struct{ y, pos int }{{3, 1}, {2, 0}, {3, 1}, {1, 1}, {0, 1}} {
			v.p.Update(m.newFrame(), click(step.y))
			if v.cur.pos != step.pos {
				t.Errorf("%s: a click at Y %d selects %d, want %d", v.name, step.y, v.cur.pos, step.pos)
			}
		}
	}
}

// A newcomer's report: space in a live monitor with --history 0 said "pause and speed apply to file
// replays only", though space freezes a live view: it says there is no history to freeze.
func TestSpaceWithoutHistorySaysWhy(t *testing.T) {
	t.Parallel()
	m, _ := newTestModel(t, themes.Mono, 120, 20, deskEvents())
	m.c.SetCapabilities(Capabilities{CanExport: true})
	m.c.Status = func() feed.Status { return feed.Status{Name: "demo", State: feed.StateLive} }
	press(m, "space")
	if out := plain(m.Render()); !strings.Contains(out, "nothing to freeze: this monitor keeps no history (--history 0)") {
		t.Errorf("space without history:\n%s", out)
	}
}
