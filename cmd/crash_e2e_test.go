package cmd_test

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/internal/e2e"
)

// overflowLine is the attacker's event: a ts of 2^63 or more once overflowed an index and the panic
// took down --print, the monitor and the SSH server alike.
const overflowLine = `{"type":"ON_LOGOUT","ts":1e19,"params":[]}`

// overflowFile writes the bad event between two good ones and returns its path.
func overflowFile(t *testing.T) string {
	t.Helper()
	return eventFile(t, "bad.jsonl",
		event(1700000000000, "ON_NEW_INTERACTION", interaction("c-before", "connected", "Before")),
		overflowLine,
		event(1700000002000, "ON_NEW_INTERACTION", interaction("c-after", "connected", "After")))
}

// --print on the overflowing event never dies with a goroutine dump: the event is at worst a
// located rejection (exit 1) and the events after it are applied and printed.
func TestPrintSurvivesOverflowingTS(t *testing.T) {
	t.Parallel()
	path := overflowFile(t)
	out, errOut, code := e2e.Run(t, nil, "--print", path)
	if code == 2 || strings.Contains(errOut, "goroutine ") || strings.Contains(errOut, "panic:") {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
	if code == 1 && !strings.Contains(errOut, "bad.jsonl:2: ") {
		t.Errorf("exit 1 without a rejection located at bad.jsonl:2:\n%s", errOut)
	}
	for _, want := range []string{"c-before", "c-after"} {
		if !strings.Contains(out, want) {
			t.Errorf("the table lacks %s:\n%s", want, out)
		}
	}
}

// serve fed the overflowing event keeps serving: the viewer watching sees the events after it, a
// second viewer can still log in, and SIGTERM still ends the server with status 0.
func TestServeSurvivesOverflowingTS(t *testing.T) {
	dir, key, keys := sshViewer(t)
	// An OS pipe (not an io.Pipe, whose copying goroutine would hold up the wait for the process).
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pr.Close(); pw.Close() })
	srv, port := startServeWith(t, pr, "--authorized-keys", keys, "--host-key", filepath.Join(dir, "hk"),
		"--speed", "max", "-")
	send := func(line string) {
		if _, err := io.WriteString(pw, line+"\n"); err != nil {
			t.Fatal(err)
		}
	}
	env := []string{"HOME=" + dir}
	first := e2e.Start(t, 120, 30, env, sshCommand(key, port))
	first.WaitFor(15*time.Second, "deskwatch")
	send(event(1700000000000, "ON_NEW_INTERACTION", interaction("c-before", "connected", "Before")))
	first.WaitFor(10*time.Second, "c-before")
	send(overflowLine)
	send(event(1700000002000, "ON_NEW_INTERACTION", interaction("c-after", "connected", "After")))
	first.WaitFor(10*time.Second, "c-before", "c-after")
	second := e2e.Start(t, 120, 30, env, sshCommand(key, port))
	second.WaitFor(15*time.Second, "c-before", "c-after")
	select {
	case <-srv.Done():
		t.Fatalf("serve exited: %v", srv.Err())
	default:
	}
	if logs := srv.Output(); strings.Contains(logs, "panic: ") || strings.Contains(logs, "goroutine 1 [") {
		t.Errorf("the server's output holds a crash dump:\n%s", logs)
	}
	srv.Signal(syscall.SIGTERM)
	waitExit(t, srv)
	first.WaitFor(5*time.Second, "[exit 0]")
}

// The monitor fed the overflowing event in a real terminal goes on to the events after it, quits
// cleanly, and leaves the terminal usable (canonical mode and echo back on).
func TestMonitorSurvivesOverflowingTS(t *testing.T) {
	parallelTerminal(t)
	e2e.Require(t, "tmux", "stty")
	path := overflowFile(t)
	term := e2e.Start(t, 120, 30, nil, e2e.Binary(t)+" --speed max "+path+
		`; echo "[monitor $?]"; stty -a | tr ' ' '\n' | grep -x -e icanon -e -icanon -e echo -e -echo | tr '\n' ' '`)
	term.WaitFor(10*time.Second, "c-before", "c-after")
	term.Keys("q")
	screen := term.WaitFor(10*time.Second, "[monitor 0]", "[exit 0]")
	if !strings.Contains(screen, "icanon echo") {
		t.Errorf("the terminal was left in raw mode:\n%s", screen)
	}
}
