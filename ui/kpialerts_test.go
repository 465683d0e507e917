package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/model"
	"github.com/deskwatch/deskwatch/themes"
)

// newKPIModel is the desk's floor (b.smith not ready for Lunch from base+2s) in a store with
// limits l, no row alert rules (so every alert is a KPI alert), the bell on and a clock the test
// moves.
func newKPIModel(t *testing.T, l model.KPILimits) (*Model, *time.Time) {
	t.Helper()
	store := model.NewStore(model.WithKPILimits(l))
	for i, line := range deskEvents() {
		ev, err := model.Decode([]byte(line))
		if err != nil {
			t.Fatalf("fixture line %d: %v", i+1, err)
		}
		store.Apply(ev, ev.TS)
	}
	now := base.Add(time.Minute)
	c := testCommon(themes.Mono, store, func() time.Time { return now })
	c.Width, c.Height = 120, 20
	c.Alerts, c.Bell = model.AlertRules{}, true
	m := New(c, nil)
	m.refresh()
	return m, &now
}

// An agent not ready past the alert limit is an alert: the header counts it once, the agent is
// marked and says why, n goes to it, and the bell rings when it opens.
func TestNotReadyTooLongIsAnAlert(t *testing.T) {
	t.Parallel()
	l := model.DefaultKPILimits()
	l.NotReadyWarn, l.NotReadyAlert, l.LongestWaitAlert = time.Minute, 5*time.Minute, 0
	m, now := newKPIModel(t, l)
	if out := plain(m.Render()); !strings.Contains(out, "no alerts") {
		t.Fatalf("an alert before the limit passed:\n%s", out)
	}
	*now = base.Add(6 * time.Minute) // b.smith not ready 5:58
	if _, cmd := m.Update(tickMsg{}); !rings(cmd) {
		t.Error("the bell did not ring when the not-ready alert opened")
	}
	out := plain(m.Render())
	if !strings.Contains(out, alertGlyph+" 1 alert") {
		t.Errorf("the header does not count the not-ready agent:\n%s", out)
	}
	if !strings.Contains(out, "b.smith not_ready") || !strings.Contains(lineWith(out, "b.smith"), alertGlyph) {
		t.Errorf("the header's agents line does not mark b.smith:\n%s", out)
	}
	press(m, "n")
	if m.screen != screenAgents || m.agents.Selected(m.newFrame()) == nil || m.agents.Selected(m.newFrame()).ID != "b.smith" {
		t.Fatalf("n did not go to b.smith in the agents view (screen %v)", m.screen)
	}
	out = plain(m.Render())
	if !strings.Contains(out, "1/1 b.smith: b.smith not ready 5:58 (Lunch)") {
		t.Errorf("the note does not say why:\n%s", out)
	}
	if row := lineWith(out, "b.smith  "); !strings.Contains(row, "long not re") {
		t.Errorf("the agents view does not list the alert on b.smith's row %q:\n%s", row, out)
	}
	if a := lineWith(out, "a.jones"); strings.Contains(a, "long not ready") {
		t.Errorf("a.jones, busy, is marked not ready too long: %q", a)
	}
}

// A service's KPI alert marks its row in the services view: the header counts it, the status line names it from any screen, n goes to the row and says why, and the bell
// rings when it opens.
func TestServiceKPIAlertIsMarkedCountedAndVisited(t *testing.T) {
	t.Parallel()
	l := model.DefaultKPILimits()
	l.NotReadyAlert, l.LongestWaitWarn, l.LongestWaitAlert = 0, time.Minute, 2*time.Minute
	m, now := newKPIModel(t, l)
	*now = base.Add(3 * time.Minute) // mail-9 queued in Sales since base+30s: 2:30
	if _, cmd := m.Update(tickMsg{}); !rings(cmd) {
		t.Error("the bell did not ring when the service's alert opened")
	}
	out := plain(m.Render())
	if !strings.Contains(out, alertGlyph+" 1 alert") || !strings.Contains(out, alertGlyph+" Sales: long wait") {
		t.Errorf("the header does not count Sales' alert or the status line does not name it:\n%s", out)
	}
	press(m, "n")
	if name, ok := m.services.Selected(m.newFrame()); m.screen != screenServices || !ok || name != "Sales" {
		t.Fatalf("n did not go to Sales in the services view (screen %v, %q)", m.screen, name)
	}
	out = plain(m.Render())
	if !strings.Contains(out, "1/1 Sales: longest wait 2:30 in Sales (over 2:00)") {
		t.Errorf("the note does not say why:\n%s", out)
	}
	if row := lineWith(out, alertGlyph+" Sales"); !strings.Contains(row, "2:30") {
		t.Errorf("Sales' row is not marked: %q\n%s", row, out)
	}
	if row := lineWith(out, "Billing"); strings.Contains(row, alertGlyph) {
		t.Errorf("Billing is marked: %q", row)
	}
}

// lineWith is the first line of out that contains s ("" when none does).
func lineWith(out, s string) string {
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, s) {
			return l
		}
	}
	return ""
}
