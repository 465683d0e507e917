package ui

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/deskwatch/deskwatch/model"

	"github.com/deskwatch/deskwatch/themes"
)

// The services view and the agents view with the floor's figures, at the sizes the table is
// checked at, in colour and monochrome.
func TestGoldenFloorViews(t *testing.T) {
	services := []string{"tab", "tab"}
	cases := append(everyLook("services", services), everyLook("agents", []string{"tab"})...)
	runGolden(t, append(cases,
		goldenCase{"services_since_start_60x16", themes.Dark, 60, 16, append(services, "w"), false},
		goldenCase{"agent_detail_figures_120x40", themes.Dark, 120, 40, []string{"tab", "j", "d"}, false},
	), deskClockGolden)
}

// everyLook is view's golden cases after keys: at 80x24 and 200x50, plain, in colour and monochrome.
func everyLook(view string, keys []string) []goldenCase {
	var cases []goldenCase
	for _, look := range []struct {
		name  string
		theme themes.Theme
		color bool
	}{{"", themes.Dark, false}, {"_color", themes.Dark, true}, {"_mono", themes.Mono, true}} {
		for _, size := range [][2]int{{80, 24}, {200, 50}} {
			name := fmt.Sprintf("%s%s_%dx%d", view, look.name, size[0], size[1])
			cases = append(cases, goldenCase{name, look.theme, size[0], size[1], keys, look.color})
		}
	}
	return cases
}

func TestTabCyclesInteractionsAgentsServices(t *testing.T) {
	t.Parallel()
	m, _ := newDeskModel(t, themes.Dark, 120, 20)
	for _, want := range []screen{screenAgents, screenServices, screenTable, screenAgents} {
		press(m, "tab")
		if m.screen != want {
			t.Fatalf("tab: screen %d, want %d", m.screen, want)
		}
	}
	press(m, ":", "s", "e", "r", "v", "i", "c", "e", "s", "enter")
	if m.screen != screenServices || !strings.Contains(plain(m.Render()), "SERVICE") {
		t.Errorf(":services: screen %d\n%s", m.screen, plain(m.Render()))
	}
}

// serviceOrder is the services as the view lists them, top to bottom.
func serviceOrder(m *Model) []string {
	rows, _ := m.services.rows(m.newFrame())
	var out []string
	for _, r := range rows {
		out = append(out, r.Service)
	}
	return out
}

func TestServicesSortAndFilter(t *testing.T) {
	t.Parallel()
	m, _ := newDeskModel(t, themes.Dark, 120, 20)
	press(m, "tab", "tab")
	if got := strings.Join(serviceOrder(m), ","); got != "Billing,Sales,Support" {
		t.Fatalf("services by name: %s", got)
	}
	press(m, "S")
	if got := strings.Join(serviceOrder(m), ","); got != "Support,Sales,Billing" {
		t.Errorf("S flips the sort: %s", got)
	}
	press(m, ":", "s", "o", "r", "t", " ", "l", "o", "n", "g", "e", "s", "t", "_", "w", "a", "i", "t", "_", "s", " ",
		"d", "e", "s", "c", "enter")
	if got := serviceOrder(m); m.command.Active() || got[0] != "Sales" || !strings.Contains(plain(m.Render()), "LONGEST▼") {
		t.Errorf(":sort longest_wait_s desc: %v (prompt open %v)\n%s", got, m.command.Active(), plain(m.Render()))
	}
	press(m, "s") // the next column shown: ANSWERED
	if !strings.Contains(plain(m.Render()), "ANSWERED▼") {
		t.Errorf("s sorts by the next column:\n%s", plain(m.Render()))
	}
	press(m, "/", "u", "P")
	if got := strings.Join(serviceOrder(m), ","); got != "Support" {
		t.Errorf("/uP keeps the services whose name holds it, any case: %s", got)
	}
	press(m, "enter")
	if out := plain(m.Render()); !strings.Contains(out, `filter "uP"`) || m.screen != screenServices {
		t.Errorf("the filter applied says so in the window line:\n%s", out)
	}
	press(m, "/", "x", "esc")
	if got := strings.Join(serviceOrder(m), ","); got != "Support" {
		t.Errorf("esc restores the filter before: %s", got)
	}
	if m.query.Filter.String() != "" {
		t.Errorf("the services' filter leaked into the interactions': %q", m.query.Filter.String())
	}
}

// A newcomer's report: at 80 columns "Technical Support" was cut while every column kept a cell
// for a sort arrow it did not have; at 60, sorted by OPEN (which the width hides), the order said
// nothing of why. Only the sorted column has the arrow's cell, and a sort by a hidden column is
// named on the window line.
func TestServicesNamesWholeAndHiddenSort(t *testing.T) {
	t.Parallel()
	events := append(deskEvents(), fmt.Sprintf(`{"type":"ON_NEW_INTERACTION","agentId":"a.jones","ts":%d,"params":[`+
		`{"interactionId":"c-9","state":"queued","type":"voice","subject":"","associatedObjects":{"list":[]},"callParties":[],`+
		`"callMuted":false,"callRecording":false,"attachedData":{},"service":"Technical Support"}]}`, base.UnixMilli()+85000))
	m, _ := newTestModel(t, themes.Mono, 80, 20, events)
	press(m, "tab", "tab")
	if out := plain(m.Render()); !strings.Contains(out, "Technical Support ") {
		t.Errorf("at 80 the service's name is cut:\n%s", out)
	}
	m.resize(60, 20)
	m.services.setSort("open")
	m.dirty = true
	if out := plain(m.Render()); !strings.Contains(out, "sorted by OPEN▲ · SL target") {
		t.Errorf("at 60, sorted by the hidden OPEN:\n%s", out)
	}
}

func TestServicesEnterShowsItsInteractionsAndEscComesBack(t *testing.T) {
	t.Parallel()
	m, _ := newDeskModel(t, themes.Dark, 120, 20)
	press(m, "tab", "tab", "j", "enter")
	if m.screen != screenTable || m.query.Filter.String() != "service:Sales" {
		t.Fatalf("enter on Sales: screen %d, filter %q", m.screen, m.query.Filter.String())
	}
	out := plain(m.Render())
	if !strings.Contains(out, "interactions of service Sales") || strings.Contains(out, "Billing question") {
		t.Errorf("the table shows Sales' interactions and says so:\n%s", out)
	}
	press(m, "esc")
	if m.screen != screenServices || m.query.Filter.String() != "" {
		t.Errorf("esc: screen %d, filter %q; want the services and the filter before", m.screen, m.query.Filter.String())
	}
}

func TestWindowKeySwitchesTheFigures(t *testing.T) {
	t.Parallel()
	m, now := newDeskModel(t, themes.Dark, 120, 20)
	*now = now.Add(20 * time.Minute) // everything answered is now older than the rolling window
	press(m, "tab", "tab")
	rows, _ := m.services.rows(m.newFrame())
	if out := plain(m.Render()); !strings.Contains(out, "last 15m (w)") || rows[0].Answered != 0 {
		t.Errorf("the rolling window: Billing answered %d\n%s", rows[0].Answered, out)
	}
	press(m, "w")
	rows, _ = m.services.rows(m.newFrame())
	if out := plain(m.Render()); !strings.Contains(out, "since start (w)") || rows[0].Answered != 1 {
		t.Errorf("w: since the start, Billing answered %d\n%s", rows[0].Answered, out)
	}
	press(m, "tab", "tab") // services → interactions → agents
	if out := plain(m.Render()); !strings.Contains(out, "since start (w)") {
		t.Errorf("the agents view shows the same window:\n%s", out)
	}
	press(m, "w")
	if m.view.floorWindow != model.Rolling {
		t.Errorf("w in the agents view switches back")
	}
}

// x and X in the services view write the view as shown (filtered, sorted) with the figures' names.
func TestServicesExport(t *testing.T) {
	t.Parallel()
	m, _ := newDeskModel(t, themes.Dark, 120, 20)
	m.c.ExportDir = t.TempDir()
	press(m, "tab", "tab", "/", "s", "enter", "S") // Sales and Support, Support first
	for _, tc := range []struct{ key, want string }{
		{"x", "service,open,waiting,longest_wait_s,answered,abandoned,asa_s,aht_s,service_level_pct,transfers,target_s\n" +
			"Support,1,0,0,1,0,0,,100.0,0,20\nSales,1,1,570,1,0,0,20,100.0,0,20\n"},
		{"X", `"service": "Support"`},
	} {
		checkExport(t, m, tc.key, "deskwatch-services-", tc.want)
	}
}

// The figures views fit every size, down to a phone's terminal, and say their window where they
// have room.
func TestFloorViewsFitEverySize(t *testing.T) {
	t.Parallel()
	for _, keys := range [][]string{{"tab"}, {"tab", "tab"}, {"tab", "d"}} {
		for _, size := range [][2]int{{20, 5}, {40, 10}, {60, 16}, {100, 30}, {250, 60}} {
			m, _ := newDeskModel(t, themes.Dark, size[0], size[1])
			press(m, keys...)
			out := m.Render()
			checkFrame(t, out, size[0], size[1])
			if size[0] >= 60 && !strings.Contains(plain(out), "(w") {
				t.Errorf("%v at %v: no word of the figures' window:\n%s", keys, size, plain(out))
			}
		}
	}
}

// x and X in the agents view write its figures in its order (before, they did nothing at all).
func TestAgentsExport(t *testing.T) {
	t.Parallel()
	m, _ := newDeskModel(t, themes.Dark, 120, 20)
	m.c.ExportDir = t.TempDir()
	press(m, "tab")
	for _, tc := range []struct{ key, want string }{
		{"x", "agent,state,in_state_s,logged_in_s,ready_s,not_ready_s,not_ready_by,busy_s,acw_s,handled,aht_s,occupancy_pct,muted_s,unrecorded_voice_s\n"},
		{"X", `"agent": "`},
	} {
		if data := checkExport(t, m, tc.key, "deskwatch-agents-", tc.want); strings.Count(data, "\n") < 3 {
			t.Errorf("%s: want a line per agent:\n%s", tc.key, data)
		}
	}
}

// checkExport presses key (x or X), runs the export it starts and checks the file's name holds
// prefix and its text want; it returns the text.
func checkExport(t *testing.T, m *Model, key, prefix, want string) string {
	t.Helper()
	_, cmd := m.Update(tea.KeyPressMsg{Code: rune(key[0]), Text: key})
	if cmd == nil {
		t.Fatalf("%s gave no command", key)
	}
	em := cmd().(exportedMsg)
	data, err := os.ReadFile(em.path)
	if em.err != nil || err != nil || !strings.Contains(string(data), want) || !strings.Contains(em.path, prefix) {
		t.Errorf("%s wrote %s (%v, %v):\n%s\nwant %s", key, em.path, em.err, err, data, want)
	}
	m.Update(em)
	return string(data)
}

// Enter on a service filters on its name however it is spelt: a line break, a no-break space, a
// quote or a backslash in it (before, "line1\nline2" gave the filter service:line1 and a term
// "line2", and showed none of its interactions).
func TestServiceFilterMatchesAnyName(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"Sales", "line1\nline2", "a\u00a0b", `say "hi"`, `back\slash\`, "  tab", "", "x\u2028y", "\x1b[31mred"} {
		f, err := model.ParseFilter(model.FilterTerm("service", name))
		svc := name
		row := &model.Row{Key: "k", Data: &model.Interaction{ID: "i", Service: &svc}}
		if err != nil || !f.Match(row, time.Time{}) {
			t.Errorf("service %q: filter %q (%v) does not match it", name, model.FilterTerm("service", name), err)
		}
		other := "Sales East"
		if f.Match(&model.Row{Key: "o", Data: &model.Interaction{ID: "o", Service: &other}}, time.Time{}) {
			t.Errorf("service %q: filter %q matches %q too", name, model.FilterTerm("service", name), other)
		}
	}
}

// :export writes what x and X write in the view in front: the agents view's figures there.
func TestExportCommandInTheAgentsView(t *testing.T) {
	t.Parallel()
	m, _ := newDeskModel(t, themes.Dark, 120, 20)
	m.c.ExportDir = t.TempDir()
	press(m, "tab", ":")
	for _, r := range "export csv" {
		press(m, string(r))
	}
	_, cmd := m.Update(tea.KeyPressMsg{Code: tea.KeyEnter})
	if cmd == nil {
		t.Fatal(":export csv gave no command")
	}
	em, ok := cmd().(exportedMsg)
	if !ok || !strings.Contains(em.path, "deskwatch-agents-") {
		t.Errorf(":export csv in the agents view wrote %q (%v), want the agents' figures", em.path, em.err)
	}
}
