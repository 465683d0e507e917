package cmd_test

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/internal/e2e"
)

// TestSupervisorDeskInTerminal is a supervisor's session: a configuration with tighter alert
// limits and a remapped key, then filter, sort, group, the agents view, the next alert, and an
// export whose file is read back.
func TestSupervisorDeskInTerminal(t *testing.T) {
	cfg := e2e.WriteFile(t, "config.yaml", "alerts:\n  queued: 10s\nkeys:\n  agents: [a, tab]\n")
	// The email waited 20 s in the queue by the end of the file: over the configured 10 s.
	// With b.smith's server error, two alerts are open.
	term := replayInTerminal(t, 200, 30, "--config "+cfg+" "+fixture("desk.jsonl"), "mail-9", "! 2 alerts")
	dir := term.dir

	term.Keys("/")
	term.Type("-state:completed")
	term.Keys("Enter")
	screen := term.WaitFor(5*time.Second, "/-state:completed", "2 of 3")
	if strings.Contains(screen, "c-1001") {
		t.Errorf("the filter -state:completed still shows the completed call:\n%s", screen)
	}

	term.Keys(":")
	term.Type("sort dur desc")
	term.Keys("Enter")
	screen = term.WaitFor(5*time.Second, "DUR▼")
	if i, j := strings.Index(screen, "chat-77"), strings.Index(screen, "mail-9"); i < 0 || j < 0 || i > j {
		t.Errorf("sorted by duration, longest first, the chat (25 s) should come before the email (19 s):\n%s", screen)
	}

	term.Keys("b")
	term.WaitFor(5*time.Second, "▾ agent a.jones · 1 interaction · ! 1 alert", "▾ agent b.smith")
	term.Keys("g", "n") // from the first heading, the first alert is the email's
	term.WaitFor(5*time.Second, "! 1/2 queued 0:20 (over 0:10)")
	term.Keys("n") // then b.smith's own, in the agents view
	term.WaitFor(5*time.Second, "! 2/2 b.smith: server error", "NAME")
	term.Keys("Escape")
	term.WaitGone(5*time.Second, "NAME")

	term.Keys("a") // the remapped agents key
	term.WaitFor(5*time.Second, "NAME", "Alice Jones", "Bob Smith", "long queue", "server error")
	term.Keys("Tab") // agents → services → interactions
	term.WaitFor(5*time.Second, "LONGEST", "SL%")
	term.Keys("Tab")
	term.WaitGone(5*time.Second, "LONGEST")

	term.Keys("x")
	screen = term.WaitFor(5*time.Second, "exported ")
	matches, _ := filepath.Glob(filepath.Join(dir, "deskwatch-*.csv"))
	if len(matches) != 1 {
		t.Fatalf("export wrote %v in %s\n%s", matches, dir, screen)
	}
	f, err := os.Open(matches[0])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	records, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("the export is not CSV: %v", err)
	}
	var ids []string
	for _, r := range records[1:] {
		ids = append(ids, r[1])
	}
	// The view as shown: filtered, grouped by agent (a.jones first), sorted within groups.
	if got := strings.Join(ids, ","); got != "mail-9,chat-77" {
		t.Errorf("exported rows %s, want mail-9,chat-77\n%v", got, records)
	}
	term.Quit()
}

func TestConfigErrorsStopTheRun(t *testing.T) {
	t.Parallel()
	cfg := e2e.WriteFile(t, "config.yaml", "theme: dark\nalerts:\n  hold: soon\ncolumns: [type, colour]\n")
	_, errOut, code := e2e.Run(t, nil, "--config", cfg, "--print", fixture("clean.jsonl"))
	if code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
	for _, want := range []string{cfg + ":3: alerts.hold", cfg + ":4: columns", "colour"} {
		if !strings.Contains(strings.ToLower(errOut), strings.ToLower(want)) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	_, errOut, code = e2e.Run(t, nil, "--config", filepath.Join(t.TempDir(), "missing.yaml"), "--print",
		fixture("clean.jsonl"))
	if code != 2 || !strings.Contains(errOut, "missing.yaml") {
		t.Errorf("a missing --config: exit %d, stderr %q", code, errOut)
	}
}

func TestConfigFilterAppliesAndTheFlagWins(t *testing.T) {
	t.Parallel()
	cfg := e2e.WriteFile(t, "config.yaml", "filter: type:chat\n")
	out, errOut, code := e2e.Run(t, nil, "--config", cfg, "--print", fixture("clean.jsonl"))
	if code != 0 || !strings.Contains(out, "chat-77") || strings.Contains(out, "mail-9") {
		t.Errorf("the configured filter did not apply: exit %d\n%s%s", code, out, errOut)
	}
	out, _, _ = e2e.Run(t, nil, "--config", cfg, "--filter", "type:email", "--print", fixture("clean.jsonl"))
	if !strings.Contains(out, "mail-9") || strings.Contains(out, "chat-77") {
		t.Errorf("--filter should win over the configuration:\n%s", out)
	}
}
