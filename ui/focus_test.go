package ui

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/model"
	"github.com/deskwatch/deskwatch/themes"
)

// endChat removes chat-77 (b.smith's open chat) from the store and lets the model see it.
func endChat(t *testing.T, m *Model, store *model.Store, typ, state string) {
	t.Helper()
	ev, err := model.Decode([]byte(fmt.Sprintf(`{"type":%q,"agentId":"b.smith","ts":%d,"params":[`+
		`{"interactionId":"chat-77","state":%q,"type":"chat","subject":"Where is my order?","email":"kim@example.com",`+
		`"startTime":%d}]}`, typ, base.UnixMilli()+91000, state, base.UnixMilli()+20000)))
	if err != nil {
		t.Fatal(err)
	}
	store.Apply(ev, ev.TS)
	m.Update(changedMsg{})
}

// TestSelectionMovesOnWhenItsRowEnds: the open rows come first (c-1001, chat-77, mail-9, then the
// ended call); when the selected chat ends, the cursor goes on to the open row that took its place
// instead of following the chat down into the ended ones.
func TestSelectionMovesOnWhenItsRowEnds(t *testing.T) {
	t.Parallel()
	for _, end := range []struct{ typ, state string }{
		{model.EvInteractionRemoved, "completed"},
		{model.EvInteractionStateChange, "completed"}, // completed is ended before it is removed
	} {
		m, store := newTestModel(t, themes.Dark, 120, 20, deskEvents())
		press(m, "j")
		if r := m.table.Selected(); r == nil || r.Data.ID != "chat-77" {
			t.Fatalf("j selected %v, want chat-77", r)
		}
		endChat(t, m, store, end.typ, end.state)
		if r := m.table.Selected(); r == nil || r.Data.ID != "mail-9" || !r.Open() {
			t.Errorf("%s: after chat-77 ended the cursor is on %v, want mail-9, the next open row", end.typ, r.Data.ID)
		}
	}
}

// TestPinnedRowIsFollowed: f pins the selected row, and the cursor then follows it when it ends;
// f again unpins it.
func TestPinnedRowIsFollowed(t *testing.T) {
	t.Parallel()
	m, store := newTestModel(t, themes.Dark, 120, 20, deskEvents())
	press(m, "j", "f")
	if m.table.pinned != model.RowKey("b.smith", "chat-77") {
		t.Fatalf("f pinned %q, want chat-77", m.table.pinned)
	}
	endChat(t, m, store, model.EvInteractionRemoved, "completed")
	if r := m.table.Selected(); r == nil || r.Data.ID != "chat-77" {
		t.Errorf("pinned chat-77 ended: cursor on %v, want it still on chat-77", r)
	}
	press(m, "f")
	if m.table.pinned != "" {
		t.Errorf("f again left %q pinned", m.table.pinned)
	}
}

// TestAnEndedRowChosenOnPurposeStays: a user who selects an ended row keeps it.
func TestAnEndedRowChosenOnPurposeStays(t *testing.T) {
	t.Parallel()
	m, store := newTestModel(t, themes.Dark, 120, 20, deskEvents())
	press(m, "G")
	if r := m.table.Selected(); r == nil || r.Open() {
		t.Fatalf("G selected %v, want the ended call", r)
	}
	endChat(t, m, store, model.EvInteractionRemoved, "completed")
	if r := m.table.Selected(); r == nil || r.Data.ID != "c-1002-voice" {
		t.Errorf("cursor moved off the ended row the user chose to %v", r)
	}
}

// withAgentAlert adds agents c.one … c.four (logged in, ready) and then a server error of the last
// one: an alert of its own, on no interaction.
func withAgentAlert() []string {
	lines := deskEvents()
	for i, id := range []string{"c.one", "c.two", "c.three", "c.four"} {
		at := base.UnixMilli() + 50000 + int64(i)
		lines = append(lines,
			fmt.Sprintf(`{"type":"ON_LOGIN","agentId":%q,"ts":%d,"params":[{"isLoggedIn":true,"agentId":%q}]}`, id, at, id),
			fmt.Sprintf(`{"type":"ON_AGENT_STATE_CHANGE","agentId":%q,"ts":%d,"params":["ready"]}`, id, at))
	}
	return append(lines, fmt.Sprintf(`{"type":"ON_SERVER_ERROR","agentId":"c.four","ts":%d,`+
		`"params":[{"code":503,"name":"unavailable","timestamp":1}]}`, base.UnixMilli()+94000))
}

// agentAlertModel is a model of withAgentAlert, width cells wide, with the default alert rules at
// base+3m: the hold and the queue are past their limits, and c.four's server error is recent.
func agentAlertModel(t *testing.T, width int) *Model {
	m, _ := newTestModel(t, themes.Dark, width, 24, withAgentAlert())
	now := base.Add(3 * time.Minute)
	m.c.Now, m.c.Wall = func() time.Time { return now }, func() time.Time { return now }
	m.c.Alerts = model.DefaultAlertRules()
	m.refresh()
	return m
}

// TestAgentAlertsAreInSight: an agent's own alert counts once in the header, its agent comes first
// on the agents line (never behind "+N more"), and n reaches it after the alerting rows.
func TestAgentAlertsAreInSight(t *testing.T) {
	t.Parallel()
	m := agentAlertModel(t, 120)
	lines := strings.Split(plain(m.Render()), "\n")
	// Rows alert too (the call on hold, the queued email), and Sales (its longest wait, the email's);
	// the header counts each mark once.
	rows := m.c.Alerts.Count(m.snap.Rows, m.c.now())
	if want := fmt.Sprintf("! %d alerts", rows+2); !strings.Contains(lines[0], want) {
		t.Errorf("header %q lacks %q", lines[0], want)
	}
	// The agents alerting (a.jones for its rows, c.four for its own) come first, in first-seen order.
	if !strings.HasPrefix(lines[1], "a.jones busy 2:59 !  c.four ready 2:10 !  b.smith") {
		t.Errorf("agents line %q: want the alerting a.jones and c.four first, marked", lines[1])
	}
	press(m, "g") // the first row, the call on hold, alerts: the first of the rows' alerts
	for range rows - 1 {
		press(m, "n")
	}
	if m.screen != screenTable {
		t.Fatalf("n over %d alerting rows left the table", rows)
	}
	press(m, "n")
	if a := m.agents.Selected(m.newFrame()); m.screen != screenAgents || a == nil || a.ID != "c.four" {
		t.Fatalf("n after the rows: screen %v, agent %v; want c.four in the agents view", m.screen, a)
	}
	if out := plain(m.Render()); !strings.Contains(out, "c.four: server error") {
		t.Errorf("the note does not say the agent and why:\n%s", out)
	}
	press(m, "n", "n") // Sales in the services view, then around
	if r := m.table.Selected(); m.screen != screenTable || r == nil || !m.c.Alerts.Alerting(r, m.c.now()) {
		t.Errorf("n after the last alert should wrap to the first alerting row: screen %v", m.screen)
	}
	press(m, "N", "N")
	if m.screen != screenAgents {
		t.Errorf("N, N from the first alerting row should go back past Sales to c.four's alert")
	}
}

// TestWrapUpDurationStopsAtEndTime: a chat in wrap-up whose endTime is known shows the same stopped
// duration in the table, the detail's title and its endTime field.
func TestWrapUpDurationStopsAtEndTime(t *testing.T) {
	t.Parallel()
	m, store := newTestModel(t, themes.Dark, 120, 60, deskEvents())
	ev, err := model.Decode([]byte(fmt.Sprintf(`{"type":"ON_INTERACTION_STATE_CHANGE","agentId":"b.smith","ts":%d,`+
		`"params":[{"interactionId":"chat-77","state":"wrap_up","type":"chat","startTime":%d,"endTime":%d}]}`,
		base.UnixMilli()+91000, base.UnixMilli()+20000, base.UnixMilli()+25000)))
	if err != nil {
		t.Fatal(err)
	}
	store.Apply(ev, ev.TS)
	m.Update(changedMsg{})
	if out := plain(m.Render()); !regexp.MustCompile(`chat-77 .* wrap_up .* 0:05 `).MatchString(out) {
		t.Errorf("the table does not show chat-77 stopped at 0:05:\n%s", out)
	}
	press(m, "j", "enter")
	out := plain(m.Render())
	if title := strings.Split(out, "\n")[2]; !strings.Contains(title, "lasted 0:05") {
		t.Errorf("detail title %q, want lasted 0:05", title)
	}
	if !strings.Contains(out, "· lasted 0:05") {
		t.Errorf("endTime field does not say lasted 0:05:\n%s", out)
	}
}

// TestHiddenAlertingAgentsAreCounted: when an alerting agent finds no room on the agents line, the
// line's "+N more" says how many of those alert.
func TestHiddenAlertingAgentsAreCounted(t *testing.T) {
	t.Parallel()
	m := agentAlertModel(t, 45)
	if line := strings.Split(plain(m.Render()), "\n")[1]; !strings.Contains(line, "a.jones busy 2:59 !  +5 more, 1 !") {
		t.Errorf("agents line %q: want c.four's alert counted in +5 more", line)
	}
}

// TestAlertHintFits: n's note gives the alerts' texts when they fit in the note's room (half the
// width), else their kinds, else the first kind and how many more.
func TestAlertHintFits(t *testing.T) {
	t.Parallel()
	m, _ := newTestModel(t, themes.Dark, 80, 24, deskEvents())
	alerts := []model.RowAlert{{Kind: model.AlertHold, Text: "on hold 8:30 (over 1:00)"},
		{Kind: model.AlertMuted, Text: "muted 2:00 (over 0:30)"}}
	for _, tt := range []struct {
		used int
		want string
	}{
		{0, "on hold 8:30 (over 1:00)"},
		{10, "long hold, muted"},
		{30, "long hold +1"},
	} {
		in := alerts
		if tt.used == 0 {
			in = alerts[:1]
		}
		if got := m.why(in, tt.used); got != tt.want {
			t.Errorf("why after %d cells = %q, want %q", tt.used, got, tt.want)
		}
	}
}
