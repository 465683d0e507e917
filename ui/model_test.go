package ui

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/deskwatch/deskwatch/feed"
	"github.com/deskwatch/deskwatch/model"
	"github.com/deskwatch/deskwatch/themes"
)

// base is the fixed event time of the fixtures; the tests' clocks stand still at base+clockAt.
var base = time.UnixMilli(1700000000000).UTC()

const clockAt = 95 * time.Second

// deskEvents is a small floor: two agents, a voice call with parties, a chat, an email, an ended
// call, and one interaction whose subject tries to smuggle escape sequences to the terminal.
func deskEvents() []string {
	iv := func(id, state, typ, extra string) string {
		s := fmt.Sprintf(`{"interactionId":%q,"state":%q,"type":%q,"subject":"","associatedObjects":{"list":[]},`+
			`"callParties":[],"callMuted":false,"callRecording":false,"attachedData":{}`, id, state, typ)
		if extra != "" {
			s += "," + extra
		}
		return s + "}"
	}
	ev := func(ms int, agent, typ, params string) string {
		return fmt.Sprintf(`{"type":%q,"agentId":%q,"ts":%d,"params":[%s]}`, typ, agent,
			base.UnixMilli()+int64(ms), params)
	}
	start := func(ms int) string { return fmt.Sprintf(`"startTime":%d`, base.UnixMilli()+int64(ms)) }
	ann := `{"id":"p1","name":"Ann Lee","phone":"+1 415 555 0101"}`
	zoe := `{"id":"p2","name":"Zoë 山田","phone":"+81 3 5555 0199"}`
	return []string{
		ev(0, "a.jones", "ON_LOGIN", `{"isLoggedIn":true,"agentId":"a.jones","username":"Alice Jones"}`),
		ev(0, "b.smith", "ON_LOGIN", `{"isLoggedIn":true,"agentId":"b.smith","username":"Bob Smith"}`),
		ev(1000, "a.jones", "ON_AGENT_STATE_CHANGE", `"busy"`),
		ev(2000, "b.smith", "ON_AGENT_STATE_CHANGE", `"not_ready","Lunch"`),
		ev(3000, "a.jones", "ON_NEW_INTERACTION", iv("c-1001-voice", "queued", "voice",
			`"subject":"Billing question about invoice 4471","ANI":"+14155550101","callDirection":"inbound","service":"Billing",`+
				`"callParties":[`+ann+`],`+start(3000))),
		ev(10000, "a.jones", "ON_INTERACTION_STATE_CHANGE", iv("c-1001-voice", "delivered", "voice",
			`"subject":"Billing question about invoice 4471","ANI":"+14155550101","callDirection":"inbound","service":"Billing",`+
				`"callParties":[`+ann+`,`+zoe+`],"callRecording":true,`+start(3000))),
		ev(20000, "b.smith", "ON_NEW_INTERACTION", iv("chat-77", "delivered", "chat",
			`"subject":"Where is my order? 注文","email":"kim@example.com","service":"Support",`+start(20000))),
		ev(30000, "a.jones", "ON_NEW_INTERACTION", iv("mail-9", "queued", "email",
			`"subject":"Refund \u001b]52;c;aGk=\u0007\u001b[2J\u009b31m evil\u001b","email":"x@example.org","service":"Sales",`+start(30000))),
		ev(40000, "b.smith", "ON_NEW_INTERACTION", iv("c-1002-voice", "delivered", "voice",
			`"subject":"Outbound renewal","DNIS":"+442079460000","phoneNumber":"+442079460000","callDirection":"outbound",`+
				`"service":"Sales","callMuted":true,`+start(40000))),
		ev(60000, "b.smith", "ON_INTERACTION_REMOVED", iv("c-1002-voice", "completed", "voice",
			`"subject":"Outbound renewal","DNIS":"+442079460000","callDirection":"outbound","service":"Sales",`+
				start(40000)+fmt.Sprintf(`,"endTime":%d`, base.UnixMilli()+60000))),
		ev(90000, "a.jones", "ON_INTERACTION_STATE_CHANGE", iv("c-1001-voice", "hold", "voice",
			`"subject":"Billing question about invoice 4471","ANI":"+14155550101","callDirection":"inbound","service":"Billing",`+
				`"callParties":[`+ann+`,`+zoe+`],"callRecording":true,"callMuted":true,`+start(3000))),
	}
}

// newTestModel builds a model over a store filled with lines, with both clocks at base+clockAt.
func newTestModel(t testing.TB, theme themes.Theme, w, h int, lines []string) (*Model, *model.Store) {
	t.Helper()
	now := base.Add(clockAt)
	clock := func() time.Time { return now }
	store := model.NewStore(model.WithWallClock(func() time.Time { return base.Add(89 * time.Second) }))
	for i, l := range lines {
		ev, err := model.Decode([]byte(l))
		if err != nil {
			t.Fatalf("fixture line %d: %v", i+1, err)
		}
		store.Apply(ev, ev.TS)
	}
	store.Reject(model.Origin{Source: "desk.jsonl", Line: 12}, "not JSON: invalid character 'x'", []byte("xx"), now)
	c := testCommon(theme, store, clock)
	c.SetCapabilities(Capabilities{CanExport: true, CanControlReplay: true}) // a replay's, as its status says
	c.Status = func() feed.Status {
		return feed.Status{Name: "desk.jsonl", State: feed.StateReplaying, Pos: 600, Total: 1000, Speed: 10,
			EventTime: now}
	}
	c.Width, c.Height = w, h
	return New(c, nil), store
}

// testCommon is a terminal viewer's context (it may export) over store, with both clocks at clock.
func testCommon(theme themes.Theme, store *model.Store, clock func() time.Time) *Common {
	c := NewCommon(NewStyles(theme), DefaultKeyMap(), store, Capabilities{CanExport: true})
	c.Now, c.Wall = clock, clock
	return c
}

var sgr = regexp.MustCompile(`\x1b\[[0-9;:]*m`)

// plain strips the styling, leaving what a monochrome reader would see.
func plain(s string) string { return sgr.ReplaceAllString(s, "") }

func press(m *Model, keys ...string) {
	for _, k := range keys {
		m.Update(keyMsg(k))
	}
}

// keyMsg is the key press of a key's name: enter, esc, space, tab or a character.
func keyMsg(k string) tea.KeyPressMsg {
	switch k {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "space":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "ctrl+u":
		return tea.KeyPressMsg{Code: 'u', Mod: tea.ModCtrl}
	}
	return tea.KeyPressMsg{Code: []rune(k)[0], Text: k}
}

var controls = regexp.MustCompile("[\x00-\x09\x0b-\x1f\x7f\u0080-\u009f]")

// checkFrame fails unless out is exactly h lines of at most w cells holding no control character or
// escape sequence besides lipgloss's own SGR styling.
func checkFrame(t *testing.T, out string, w, h int) {
	t.Helper()
	lines := strings.Split(out, "\n")
	if len(lines) != h {
		t.Errorf("%dx%d: frame has %d lines, want %d", w, h, len(lines), h)
	}
	for i, l := range lines {
		if got := ansi.StringWidth(l); got > w {
			t.Errorf("%dx%d: line %d is %d cells wide: %q", w, h, i+1, got, plain(l))
		}
	}
	if rest := plain(out); controls.MatchString(rest) {
		t.Errorf("%dx%d: frame holds control characters beyond styling: %q", w, h, controls.FindAllString(rest, -1))
	}
}

// requireGolden checks out as a frame of w×h and against testdata/TEST/NAME.golden (go test -update
// rewrites it), with its colours or without.
func requireGolden(t *testing.T, out string, w, h int, color bool) {
	t.Helper()
	checkFrame(t, out, w, h)
	if !color {
		out = plain(out)
	}
	golden.RequireEqual(t, out)
}

// goldenCase is one golden screen: a theme, a size, the keys pressed, and whether the golden file
// keeps the colours.
type goldenCase struct {
	name  string
	theme themes.Theme
	w, h  int
	keys  []string
	color bool
}

// deskGolden builds a golden case's model on the desk's events.
func deskGolden(t *testing.T, tc goldenCase) *Model {
	m, _ := newTestModel(t, tc.theme, tc.w, tc.h, deskEvents())
	return m
}

// runGolden checks each case's screen against testdata/TEST/NAME.golden (go test -update rewrites
// them); build makes the model.
func runGolden(t *testing.T, cases []goldenCase, build func(t *testing.T, tc goldenCase) *Model) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := build(t, tc)
			press(m, tc.keys...)
			requireGolden(t, m.Render(), tc.w, tc.h, tc.color)
		})
	}
}

func TestGoldenTable(t *testing.T) {
	runGolden(t, []goldenCase{
		{"80x24", themes.Dark, 80, 24, nil, false},
		{"200x50", themes.Dark, 200, 50, nil, false},
		{"200x50_color", themes.Dark, 200, 50, nil, true},
		{"narrow_50x12", themes.Dark, 50, 12, nil, false},
		{"mono_80x24", themes.Mono, 80, 24, []string{"j"}, true},
		{"help_80x24", themes.Dark, 80, 24, []string{"?"}, false},
		{"help_200x50", themes.Dark, 200, 50, []string{"?"}, false},
		{"sorted_desc_hide_ended", themes.Dark, 120, 20, []string{"s", "S", "e"}, false},
		{"agents_120x20", themes.Dark, 120, 20, []string{"tab"}, false},
		{"agents_mono_120x20", themes.Mono, 120, 20, []string{"tab", "j"}, true},
	}, deskGolden)
}

func TestTableShowsWhatChanged(t *testing.T) {
	m, _ := newTestModel(t, themes.Dark, 200, 30, deskEvents())
	out := plain(m.Render())
	for _, want := range []string{"2 Ann Lee", "+14155550101", "hold", "yes", "●", "1:32", "a.jones",
		"b.smith not_ready(Lunch)", "Billing", "kim@example.com", "☎ voice", "≡ chat", "@ email",
		"1 rejected", "desk.jsonl", "60%", "×10"} {
		if !strings.Contains(out, want) {
			t.Errorf("screen lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "52;c") && strings.Contains(out, "\x1b]") {
		t.Error("OSC 52 reached the screen")
	}
}

func TestKeysMoveFilterSortAndOpen(t *testing.T) {
	m, _ := newTestModel(t, themes.Dark, 120, 20, deskEvents())
	if r := m.table.Selected(); r == nil || r.Data.ID != "c-1001-voice" {
		t.Fatalf("first row = %v, want the first call", r)
	}
	press(m, "G")
	if r := m.table.Selected(); r.Data.ID != "c-1002-voice" {
		t.Errorf("G selected %s", r.Data.ID)
	}
	press(m, "g", "j")
	if r := m.table.Selected(); r.Data.ID != "chat-77" {
		t.Errorf("g j selected %s", r.Data.ID)
	}
	press(m, "/", "k", "i", "m")
	if !m.filter.Active() || m.table.Len() != 1 {
		t.Fatalf("typing a filter should narrow the table as typed: %d rows", m.table.Len())
	}
	press(m, "enter")
	if m.filter.Active() || m.query.Filter.String() != "kim" {
		t.Errorf("enter should keep the filter, got %q", m.query.Filter.String())
	}
	press(m, "/", "x", "esc")
	if m.query.Filter.String() != "kim" || m.table.Len() != 1 {
		t.Errorf("esc should restore the filter in force, got %q", m.query.Filter.String())
	}
	press(m, "enter")
	if m.screen != screenDetail || m.detail.Key() != "b.smith/chat-77" {
		t.Errorf("enter should open the detail of the chat, screen %d key %q", m.screen, m.detail.Key())
	}
	press(m, "esc")
	if m.screen != screenTable {
		t.Error("esc should go back to the table")
	}
	press(m, "r")
	if m.screen != screenRejected {
		t.Error("r should open the rejected log")
	}
	press(m, "esc", "e")
	if !m.query.HideEnded {
		t.Error("e should hide ended interactions")
	}
	press(m, "q")
	if !m.quitting {
		t.Error("q should quit")
	}
}

func TestSelectionFollowsItsRowAcrossResorts(t *testing.T) {
	m, _ := newTestModel(t, themes.Dark, 120, 20, deskEvents())
	press(m, "j", "j")
	key := m.table.Selected().Key
	press(m, "S")
	if got := m.table.Selected().Key; got != key {
		t.Errorf("after flipping the sort the cursor is on %s, want %s", got, key)
	}
}

func TestMouseWheelAndClick(t *testing.T) {
	m, _ := newTestModel(t, themes.Dark, 120, 20, deskEvents())
	m.Update(tea.MouseClickMsg{X: 5, Y: headerHeight + 3, Button: tea.MouseLeft})
	if got := m.table.Selected().Data.ID; got != "mail-9" {
		t.Errorf("clicking the third row selected %s", got)
	}
	m.Update(tea.MouseWheelMsg{Button: tea.MouseWheelUp})
	if got := m.table.Selected().Data.ID; got != "c-1001-voice" {
		t.Errorf("wheel up selected %s", got)
	}
}

func TestEveryFrameFitsAtManySizes(t *testing.T) {
	for _, size := range [][2]int{{20, 5}, {40, 10}, {80, 24}, {133, 41}, {300, 80}} {
		for _, keys := range [][]string{nil, {"?"}, {"r"}, {"enter"}} {
			m, _ := newTestModel(t, themes.Dark, size[0], size[1], deskEvents())
			press(m, keys...)
			checkFrame(t, m.Render(), size[0], size[1])
		}
	}
}

// replayModel is a test model over a replay it may pace and export, paced by a fakeControl at ×10;
// the feed's status is state, with the control's speed and pause.
func replayModel(t *testing.T, state feed.State) (*Model, *fakeControl) {
	m, _ := newTestModel(t, themes.Dark, 120, 20, deskEvents())
	ctl := &fakeControl{speed: 10}
	m.c.Control = ctl
	m.c.SetCapabilities(Capabilities{CanExport: true, CanControlReplay: true})
	m.c.Status = func() feed.Status { return feed.Status{Name: "f", State: state, Speed: ctl.speed, Paused: ctl.paused} }
	return m, ctl
}

func TestReplayControlKeys(t *testing.T) {
	m, ctl := replayModel(t, "")
	press(m, "space")
	if !ctl.paused || !strings.Contains(plain(m.Render()), "paused") {
		t.Error("space should pause the replay and say so")
	}
	press(m, "+")
	if ctl.speed != 25 {
		t.Errorf("+ from ×10 set speed %v, want 25", ctl.speed)
	}
	press(m, "-", "-")
	if ctl.speed != 5 {
		t.Errorf("- - from ×25 set speed %v, want 5", ctl.speed)
	}
}

// A finished replay has nothing to pause: space says so rather than "resumed".
func TestReplayOverSaysSo(t *testing.T) {
	m, ctl := replayModel(t, feed.StateDone)
	press(m, "space", "+")
	if ctl.paused || ctl.speed != 10 || !strings.Contains(plain(m.Render()), "the replay is over") {
		t.Errorf("space and + on a finished replay: paused %v speed %v\n%s", ctl.paused, ctl.speed, plain(m.Render()))
	}
}

type fakeControl struct {
	paused bool
	speed  float64
}

func (f *fakeControl) TogglePause()           { f.paused = !f.paused }
func (f *fakeControl) SetSpeed(speed float64) { f.speed = speed }

func TestExportKeyWritesTheFilteredView(t *testing.T) {
	m, _ := newTestModel(t, themes.Dark, 120, 20, deskEvents())
	dir := t.TempDir()
	m.c.ExportDir = dir
	press(m, "/", "B", "i", "l", "l", "enter")
	_, cmd := m.Update(tea.KeyPressMsg{Code: 'x', Text: "x"})
	if cmd == nil {
		t.Fatal("x gave no command")
	}
	msg := cmd()
	m.Update(msg)
	em := msg.(exportedMsg)
	if em.err != nil {
		t.Fatal(em.err)
	}
	data, err := os.ReadFile(em.path)
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(string(data), "\n"); lines != 2 || !strings.Contains(string(data), "c-1001-voice") {
		t.Errorf("export of the filtered view has %d lines:\n%s", lines, data)
	}
	if !strings.Contains(plain(m.Render()), "exported") {
		t.Error("the status line does not say where the export went")
	}
}
