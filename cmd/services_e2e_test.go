package cmd_test

import (
	"strings"
	"testing"
	"time"
)

// A supervisor Tabs to the services view of a replayed file and reads each service's figures
// (floor.jsonl's, computed by hand in print_view_e2e_test.go), opens a service's interactions and
// comes back.
func TestServicesViewInTerminal(t *testing.T) {
	term := replayInTerminal(t, 120, 24, fixture("floor.jsonl"), "c-3")
	term.Keys("Tab", "Tab")
	screen := term.WaitFor(5*time.Second, "SERVICE▲", "LONGEST", "SL%", "figures cover the agents whose desktops send events")
	var sales, floor string
	for _, l := range strings.Split(screen, "\n") {
		switch f := strings.Fields(l); {
		case len(f) > 1 && f[1] == "Sales":
			sales = strings.Join(f, " ")
		case len(f) > 0 && f[0] == "floor":
			floor = strings.Join(f, " ")
		}
	}
	// open, waiting, longest, answered, abandoned, ASA, AHT, SL%, transfers; a service level of
	// 50 % is under the alert limit (70 %): marked.
	if sales != "! Sales 0 0 0:00 1 1 0:10 1:00 50 0" || floor != "floor 1 1 0:10 1 1 0:10 1:00 50 0" {
		t.Errorf("Sales %q, floor %q:\n%s", sales, floor, screen)
	}
	term.Keys("j", "Enter")
	screen = term.WaitFor(5*time.Second, "interactions of service Sales")
	if strings.Contains(screen, "c-3") {
		t.Errorf("Sales' interactions show =Billing's c-3:\n%s", screen)
	}
	term.Keys("Escape")
	term.WaitFor(5*time.Second, "SERVICE▲", "=Billing")
}
