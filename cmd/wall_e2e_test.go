package cmd_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/internal/e2e"
)

// TestWallboardInTerminal starts the real binary on the wallboard: the floor's tiles and the
// services of the desk file, w switches the window, Esc goes to the interactions and W comes back.
func TestWallboardInTerminal(t *testing.T) {
	term := replayInTerminal(t, 100, 30, "--wallboard "+fixture("desk.jsonl"), "WALLBOARD · last 15m",
		"leaving out 4 rejected events (r) · desktops sending events", // the fixture has 4 bad lines
		"READY", "NOT READY", "LONGEST WAIT", "SERVICE LEVEL", "ABANDONED", "AHT", "▀▀▀",
		"SERVICE", "Billing", "Sales", "Support")
	term.Keys("w")
	term.WaitFor(5*time.Second, "WALLBOARD · since start")
	term.Keys("Escape")
	term.WaitFor(5*time.Second, "mail-9")
	term.WaitGone(5*time.Second, "WALLBOARD")
	term.Keys("W")
	term.WaitFor(5*time.Second, "WALLBOARD · since start", "LONGEST WAIT")
	term.Quit()
}

// TestWallboardOverSSH: deskwatch serve --wallboard starts the sessions on the wallboard, over the
// real OpenSSH client, unless a viewer asks otherwise.
func TestWallboardOverSSH(t *testing.T) {
	dir, key, keys := sshViewer(t)
	_, port := startServe(t, "--authorized-keys", keys, "--host-key", filepath.Join(dir, "hk"),
		"--speed", "max", "--wallboard", fixture("desk.jsonl"))
	term := e2e.Start(t, 120, 32, []string{"HOME=" + dir}, sshCommand(key, port))
	term.WaitFor(15*time.Second, "WALLBOARD · last 15m", "LONGEST WAIT", "SERVICE LEVEL", "Billing", "Support")
	term.Keys("Escape")
	term.WaitFor(5*time.Second, "mail-9")
	// A viewer may choose the table instead.
	table := e2e.Start(t, 120, 32, []string{"HOME=" + dir}, sshCommand(key, port, "--", "--wallboard=false"))
	if s := table.WaitFor(15*time.Second, "mail-9", "done"); strings.Contains(s, "WALLBOARD") {
		t.Errorf("--wallboard=false still started on the wallboard:\n%s", s)
	}
}

// --wallboard is a screen: with --print it is refused, saying why.
func TestWallboardWithPrintRefused(t *testing.T) {
	t.Parallel()
	_, stderr, code := e2e.Run(t, nil, "--print", "--wallboard", fixture("desk.jsonl"))
	if code == 0 || !strings.Contains(stderr, "--wallboard starts the monitor on the wallboard; --print prints tables") {
		t.Errorf("--print --wallboard: exit %d, stderr %q", code, stderr)
	}
}
