package ui

import (
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/deskwatch/deskwatch/config"
	"github.com/deskwatch/deskwatch/model"
	"github.com/deskwatch/deskwatch/themes"
)

// deskClockGolden builds a golden case's model with newDeskModel.
func deskClockGolden(t *testing.T, tc goldenCase) *Model {
	m, _ := newDeskModel(t, tc.theme, tc.w, tc.h)
	return m
}

// newDeskModel is newTestModel with the default alert rules and a clock the test moves: at
// base+10m the call has been on hold for 8½ minutes and the email queued for 9½.
func newDeskModel(t testing.TB, theme themes.Theme, w, h int) (*Model, *time.Time) {
	t.Helper()
	m, _ := newTestModel(t, theme, w, h, deskEvents())
	now := base.Add(10 * time.Minute)
	m.c.Now = func() time.Time { return now }
	m.c.Wall = m.c.Now
	m.c.Alerts = model.DefaultAlertRules()
	m.refresh()
	m.dirty = true
	return m, &now
}

func TestGoldenDesk(t *testing.T) {
	runGolden(t, []goldenCase{
		{"alerts_120x20", themes.Dark, 120, 20, nil, false},
		{"alerts_color_120x20", themes.Dark, 120, 20, nil, true},
		{"alerts_mono_120x20", themes.Mono, 120, 20, []string{"j"}, true},
		{"grouped_agent_120x20", themes.Dark, 120, 20, []string{"b"}, false},
		{"grouped_state_folded_120x20", themes.Dark, 120, 20, []string{"b", "b", "b", "z"}, false},
		{"grouped_mono_120x20", themes.Mono, 120, 20, []string{"b"}, true},
		{"grouped_color_120x20", themes.Dark, 120, 20, []string{"b", "j"}, true},
		{"agents_alerts_120x20", themes.Dark, 120, 20, []string{"tab"}, false},
		{"agents_alerts_color_120x20", themes.Dark, 120, 20, []string{"tab"}, true},
		{"agents_alerts_mono_120x20", themes.Mono, 120, 20, []string{"tab"}, true},
		{"agent_detail_120x30", themes.Dark, 120, 30, []string{"tab", "d"}, false},
		{"command_error_120x20", themes.Dark, 120, 20, []string{":", "n", "o", "p", "e", "enter"}, false},
	}, deskClockGolden)
}

func TestAlertingRowsAreMarkedAndCounted(t *testing.T) {
	m, _ := newDeskModel(t, themes.Mono, 120, 20)
	out := plain(m.Render())
	// The two rows, and Sales' longest wait (the queued email's 9:30), marked in the services view.
	if !strings.Contains(out, alertGlyph+" 3 alerts") {
		t.Errorf("header lacks the alert count:\n%s", out)
	}
	marked := 0
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, alertGlyph+" ") {
			marked++
			if !strings.Contains(l, "hold") && !strings.Contains(l, "queued") {
				t.Errorf("a row that does not alert is marked: %q", l)
			}
		}
	}
	if marked != 2 {
		t.Errorf("%d rows marked, want 2 (the long hold and the long queue):\n%s", marked, out)
	}
	// Before the limits pass, nothing alerts.
	early, _ := newTestModel(t, themes.Mono, 120, 20, deskEvents())
	early.c.Alerts = model.DefaultAlertRules()
	early.refresh()
	early.dirty = true
	if out := plain(early.Render()); !strings.Contains(out, "no alerts") || strings.Contains(out, alertGlyph+" ") {
		t.Errorf("alerts before any limit passed:\n%s", out)
	}
}

func TestNextAlertJumpsAndSaysWhy(t *testing.T) {
	m, _ := newDeskModel(t, themes.Dark, 120, 20)
	press(m, "G", "n") // from the last row, the next alert is Sales' longest wait, after the agents
	if name, _ := m.services.Selected(m.newFrame()); m.screen != screenServices || name != "Sales" {
		t.Fatalf("n from the last row: screen %v, service %q; want Sales in the services view", m.screen, name)
	}
	press(m, "n") // then the first one, on top
	if r := m.table.Selected(); m.screen != screenTable || r == nil || r.Data.ID != "c-1001-voice" {
		t.Fatalf("n selected %v, want the call on hold", r)
	}
	if !strings.Contains(plain(m.Render()), "on hold 8:30 (over 1:00)") {
		t.Errorf("the status line does not say why:\n%s", plain(m.Render()))
	}
	press(m, "n")
	if r := m.table.Selected(); r.Data.ID != "mail-9" {
		t.Errorf("second n selected %s, want the queued email", r.Data.ID)
	}
	press(m, "n", "n")
	if r := m.table.Selected(); m.screen != screenTable || r.Data.ID != "c-1001-voice" {
		t.Errorf("n should wrap around, selected %s", r.Data.ID)
	}
	press(m, "N")
	if m.screen != screenServices {
		t.Errorf("N from the first row should go back to Sales, the last alert")
	}
	press(m, "N")
	if r := m.table.Selected(); r.Data.ID != "mail-9" {
		t.Errorf("N selected %s, want the email", r.Data.ID)
	}
	// In a folded group, n unfolds the group to show the row.
	press(m, "g", "b", "Z")
	for _, h := range m.view.heads {
		if !h.folded {
			t.Fatalf("Z left %s unfolded", h.key)
		}
	}
	press(m, "n")
	if r := m.table.Selected(); r == nil || r.Data.ID != "c-1001-voice" {
		t.Errorf("n in folded groups selected %v", r)
	}
}

func TestGroupingFoldsAndKeepsCounts(t *testing.T) {
	m, _ := newDeskModel(t, themes.Dark, 120, 20)
	press(m, "b")
	if m.group.by != model.GroupAgent || len(m.view.heads) != 2 {
		t.Fatalf("b should group by agent into 2 groups, got %v with %d", m.group.by, len(m.view.heads))
	}
	out := plain(m.Render())
	for _, want := range []string{"▾ agent a.jones · 2 interactions · ! 2 alerts", "▾ agent b.smith · 2 interactions"} {
		if !strings.Contains(out, want) {
			t.Errorf("screen lacks %q:\n%s", want, out)
		}
	}
	if h := m.table.SelectedHead(); h == nil || h.key != "a.jones" || m.table.Selected().Data.ID != "c-1001-voice" {
		t.Fatalf("the cursor should stay on its row, in a.jones's group")
	}
	press(m, "k", "enter") // Enter on a heading folds it
	if !m.view.heads[0].folded || m.table.Len() != 4 {
		t.Errorf("enter on a heading should fold it: %d lines", m.table.Len())
	}
	press(m, "j", "j", "z") // z on a row folds its group and moves to the heading
	if !m.view.heads[1].folded || m.table.Len() != 2 || m.table.SelectedHead().key != "b.smith" {
		t.Errorf("z should fold the row's group: %d lines", m.table.Len())
	}
	press(m, "Z")
	if m.table.Len() != 6 {
		t.Errorf("Z with everything folded should unfold all: %d lines", m.table.Len())
	}
	press(m, "b", "b", "b", "b")
	if m.group.by != model.GroupNone || m.table.Len() != 4 {
		t.Errorf("b should cycle back to no grouping: %v, %d lines", m.group.by, m.table.Len())
	}
}

func TestSortWalksTheVisibleColumns(t *testing.T) {
	m, _ := newDeskModel(t, themes.Dark, 80, 20)
	var seen []string
	for range 9 {
		press(m, "s")
		seen = append(seen, m.query.Sort.String())
	}
	// At 80 cells: type, agent, state, number, muted, rec, duration and subject show.
	want := "type agent state number muted rec duration subject started"
	if got := strings.Join(seen, " "); got != want {
		t.Errorf("s walked %q, want %q", got, want)
	}
	press(m, "<")
	if m.query.Sort != model.SortSubject {
		t.Errorf("< from started gave %v, want the last column", m.query.Sort)
	}
	press(m, "S")
	if !m.query.Desc || !strings.Contains(plain(m.Render()), "SUBJECT▼") {
		t.Errorf("S should flip the sort and the title should say so:\n%s", plain(m.Render()))
	}
}

func TestCommands(t *testing.T) {
	m, _ := newDeskModel(t, themes.Dark, 120, 20)
	run := func(line string) {
		t.Helper()
		press(m, ":")
		for _, r := range line {
			press(m, string(r))
		}
		press(m, "enter")
	}
	run("agents")
	if m.screen != screenAgents || m.command.Active() {
		t.Errorf(":agents: screen %d, prompt open %v", m.screen, m.command.Active())
	}
	run("interactions")
	if m.screen != screenTable {
		t.Errorf(":interactions: screen %d", m.screen)
	}
	run("sort dur desc")
	if m.query.Sort != model.SortDuration || !m.query.Desc {
		t.Errorf(":sort dur desc gave %v desc=%v", m.query.Sort, m.query.Desc)
	}
	run("group service")
	if m.group.by != model.GroupService {
		t.Errorf(":group service gave %v", m.group.by)
	}
	run("filter type:voice -state:completed")
	if m.query.Filter.String() != "type:voice -state:completed" {
		t.Errorf(":filter gave %q", m.query.Filter.String())
	}
	for _, bad := range []string{"nope", "sort nothing", "group colour", "sort dur sideways", "filter dur>x", "export pdf"} {
		run(bad)
		if !m.command.Active() || m.command.err == "" {
			t.Errorf(":%s should keep the prompt open with a reason", bad)
		}
		press(m, "esc")
	}
	if m.command.Active() {
		t.Error("esc should close the prompt")
	}
	run("q")
	if !m.quitting {
		t.Error(":q should quit")
	}
}

func TestQuietFramesDoNoWork(t *testing.T) {
	m, store := newTestModel(t, themes.Dark, 120, 8, deskEvents())
	m.Render()
	queries := func() int { st := m.view.live.Stats(); return st.Full + st.Incremental }
	ran, layouts, renders := queries(), m.view.layouts, m.renders
	for range 5 {
		m.Update(changedMsg{}) // the store did not change
		m.Update(tickMsg{})    // nor did the query's clock-dependent parts
		m.Render()
	}
	if queries() != ran || m.view.layouts != layouts || m.renders != renders+5 {
		t.Errorf("frames where nothing changed re-ran the query %d, the grouping %d and drew %d frames (5 ticks)",
			queries()-ran, m.view.layouts-layouts, m.renders-renders)
	}
	// A row that is not on screen changes: the query runs, but nothing is drawn again.
	press(m, "g")
	apply := func(line string) {
		ev, err := model.Decode([]byte(line))
		if err != nil {
			t.Fatal(err)
		}
		store.Apply(ev, ev.TS)
		m.Update(changedMsg{})
		m.Render()
	}
	m.table.SetSize(120, 3) // two rows on screen
	m.dirty = true
	m.Render()
	renders = m.renders
	apply(`{"type":"ON_INTERACTION_STATE_CHANGE","agentId":"b.smith","ts":1700000091000,"params":[` +
		`{"interactionId":"c-1002-voice","state":"completed","type":"voice","subject":"Outbound renewal",` +
		`"associatedObjects":{"list":[]},"callParties":[],"callMuted":false,"callRecording":false,"attachedData":{}}]}`)
	if m.renders != renders {
		t.Errorf("a change to a row off screen drew the frame again")
	}
	apply(`{"type":"ON_INTERACTION_STATE_CHANGE","agentId":"a.jones","ts":1700000092000,"params":[` +
		`{"interactionId":"c-1001-voice","state":"delivered","type":"voice","subject":"Billing question",` +
		`"associatedObjects":{"list":[]},"callParties":[],"callMuted":false,"callRecording":true,"attachedData":{}}]}`)
	if m.renders != renders+1 {
		t.Errorf("a change to a row on screen drew %d frames, want 1", m.renders-renders)
	}
	m.Update(tickMsg{}) // the tick redraws (durations) but does not query or group again
	m.Render()
	if m.renders != renders+2 {
		t.Errorf("the tick did not redraw")
	}
}

func TestBellRingsWhenAnAlertOpens(t *testing.T) {
	m, now := newDeskModel(t, themes.Dark, 120, 20)
	m.c.Bell = true
	*now = base.Add(100 * time.Second) // before the limits: no alerts yet
	m.Update(tickMsg{})
	if _, cmd := m.Update(tickMsg{}); rings(cmd) {
		t.Fatal("the bell rang with no new alert")
	}
	*now = base.Add(10 * time.Minute)
	if _, cmd := m.Update(tickMsg{}); !rings(cmd) {
		t.Error("the bell did not ring when alerts opened")
	}
	if _, cmd := m.Update(tickMsg{}); rings(cmd) {
		t.Error("the bell rang again for the same alerts")
	}
}

// rings runs a command (and a batch's commands, except ticks) looking for the bell.
func rings(cmd tea.Cmd) bool {
	if cmd == nil {
		return false
	}
	done := make(chan tea.Msg, 1)
	go func() { done <- cmd() }()
	var msg tea.Msg
	select {
	case msg = <-done:
	case <-time.After(50 * time.Millisecond): // a tick: not the bell
		return false
	}
	switch msg := msg.(type) {
	case tea.RawMsg:
		return msg.Msg == "\a"
	case tea.BatchMsg:
		for _, c := range msg {
			if rings(c) {
				return true
			}
		}
	}
	return false
}

func TestKeyRemapping(t *testing.T) {
	k, err := NewKeyMap(map[string][]string{"next_alert": {"j"}, "quit": {"Q"}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(k.NextAlert.Keys(), []string{"j"}) || !slices.Equal(k.Down.Keys(), []string{"down"}) ||
		k.Down.Help().Key != "↓" || !slices.Equal(k.Quit.Keys(), []string{"Q"}) {
		t.Errorf("remap: next %v down %v (%q) quit %v", k.NextAlert.Keys(), k.Down.Keys(), k.Down.Help().Key, k.Quit.Keys())
	}
	for remap, want := range map[string]map[string][]string{
		"leaves export_csv without a key": {"quit": {"x"}},
		"unknown action":                  {"launch": {"l"}},
		"already bound":                   {"quit": {"w"}, "help": {"w"}},
	} {
		if _, err := NewKeyMap(want); err == nil || !strings.Contains(err.Error(), remap) {
			t.Errorf("%v: error %v, want it to say %q", want, err, remap)
		}
	}
	if got, want := Actions(), slices.Sorted(slices.Values(config.Actions)); !slices.Equal(got, want) {
		t.Errorf("the ui's actions %v differ from the configuration's %v", got, want)
	}
}

func TestConfiguredColumns(t *testing.T) {
	m, _ := newTestModel(t, themes.Dark, 120, 20, deskEvents())
	c := *m.c
	c.Columns = []string{"state", "type", "dur"}
	m2 := New(&c, nil)
	titles := strings.Fields(strings.Split(plain(m2.Render()), "\n")[2])
	if got := strings.Join(titles, " "); got != "STATE TYPE DUR" {
		t.Errorf("titles %q, want the configured columns in order", got)
	}
}

func TestSparkline(t *testing.T) {
	at := func(i int) time.Time { return base.Add(time.Duration(i) * model.TrendStep) }
	pts := []model.TrendPoint{{At: at(0), Open: 0}, {At: at(1), Open: 4}, {At: at(2), Open: 8}}
	if got := sparkline(pts, 10, at(2)); got != "▁▄█" {
		t.Errorf("sparkline %q", got)
	}
	if got := sparkline(pts, 5, at(5)); got != "▄████" { // three quiet steps carry the last value
		t.Errorf("quiet sparkline %q", got)
	}
	if got := sparkline(nil, 5, at(0)); got != "" {
		t.Errorf("empty sparkline %q", got)
	}
}

func TestAgentDetail(t *testing.T) {
	m, _ := newDeskModel(t, themes.Dark, 120, 40) // room for the figures and the timeline
	press(m, "tab", "d")
	if m.screen != screenAgentDetail || m.agentDetail.ID() != "a.jones" {
		t.Fatalf("d in the agents view: screen %d, agent %q", m.screen, m.agentDetail.ID())
	}
	out := plain(m.Render())
	for _, want := range []string{"a.jones  Alice Jones", "state             busy for 9:59", "Open interactions · 2",
		"! ☎ hold", "Timeline · 2 changes", "logged in", "state busy"} {
		if !strings.Contains(out, want) {
			t.Errorf("agent detail lacks %q:\n%s", want, out)
		}
	}
	press(m, "esc")
	if m.screen != screenAgents {
		t.Errorf("esc from the agent detail should go back to the agents, screen %d", m.screen)
	}
	press(m, "d", "enter")
	if m.screen != screenTable || m.query.Filter.String() != "agent:a.jones" {
		t.Errorf("enter in the agent detail: screen %d, filter %q", m.screen, m.query.Filter.String())
	}
}

func TestColumnsAtCommonWidths(t *testing.T) {
	ids := func(width int) (string, int) {
		var out []string
		subject := 0
		for _, c := range layoutColumns(pickColumns(nil), width, true) {
			out = append(out, c.id)
			if c.id == "subject" {
				subject = c.width
			}
		}
		return strings.Join(out, " "), subject
	}
	for _, tc := range []struct {
		width      int
		want       string
		minSubject int
	}{
		{200, "alert type id agent state dir party service parties muted rec dur subject", 40},
		{130, "alert type id agent state dir party service parties muted rec dur subject", 16},
		// At 120 the direction and the parties give way to a subject that can be read (it had 8 cells).
		{120, "alert type id agent state party service muted rec dur subject", 16},
		{110, "alert type id agent state party service muted rec dur subject", 8},
		{100, "alert type id agent state party muted rec dur subject", 20},
		{90, "alert type id agent state party muted rec dur subject", 8},
		{80, "alert type agent state party muted rec dur subject", 8},
		// Who and what go last: the agent and the number stay when mute and recording have gone.
		{60, "alert type agent state party dur", 0},
		{50, "alert type agent state dur", 0},
	} {
		got, subject := ids(tc.width)
		if got != tc.want || subject < tc.minSubject {
			t.Errorf("at %d: %s (subject %d), want %s (subject ≥ %d)", tc.width, got, subject, tc.want, tc.minSubject)
		}
		total := 0
		for _, c := range layoutColumns(pickColumns(nil), tc.width, true) {
			total += c.width + 1
			// The room goes to the columns that cut before the subject gets it.
			if c.id == "service" && c.width < len("Technical Support") {
				t.Errorf("at %d the service is %d cells: Technical Support is cut", tc.width, c.width)
			}
		}
		if total-1 > tc.width || subject > 0 && total-1 != tc.width {
			t.Errorf("at %d the columns take %d cells", tc.width, total-1)
		}
	}
}

func TestReadOnlyViewerCannotExport(t *testing.T) {
	m, _ := newDeskModel(t, themes.Dark, 120, 20)
	m.c.ExportDir = t.TempDir()
	m.c.SetCapabilities(Capabilities{ReadOnly: true}) // as cmd does for SSH sessions
	press(m, ":")
	for _, r := range "export csv" {
		press(m, string(r))
	}
	_, cmd := m.Update(tea.KeyPressMsg{Code: tea.KeyEnter})
	if cmd != nil {
		t.Errorf(":export in a read-only session gave a command")
	}
	if out := plain(m.Render()); !strings.Contains(out, "read-only view: export is off") {
		t.Errorf("the status line does not say why:\n%s", out)
	}
}
