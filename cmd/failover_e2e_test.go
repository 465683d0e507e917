package cmd_test

import (
	"io"
	"strings"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/internal/e2e"
)

// TestMonitorFailsOverToTheNextHub: the real monitor in a terminal, given two real hubs' stream
// URLs, reads the first and says so on its status line; killed, the first is replaced by the
// second within the backoff, and the status line names it.
func TestMonitorFailsOverToTheNextHub(t *testing.T) {
	parallelTerminal(t)
	hubA, a := startHubCmd(t)
	_, b := startHubCmd(t)
	e2e.StartProcess(t, e2e.ProcessOptions{Stderr: io.Discard}, "simulate", "--bridges", "4", "--rate", "2",
		"--to", "ws://"+a+"/ingest,ws://"+b+"/ingest", "--duration", "2m")
	term := e2e.Start(t, 160, 30, nil, e2e.Binary(t)+" ws://"+a+"/stream ws://"+b+"/stream")
	term.WaitFor(30*time.Second, "ws://"+a+"/stream (hub 1 of 2)")
	hubA.Kill()
	term.WaitFor(30*time.Second, "ws://"+b+"/stream (hub 2 of 2)", "live")
}

func TestSeveralSourcesMustBeHubs(t *testing.T) {
	t.Parallel()
	_, errOut, code := e2e.Run(t, nil, "--print", "events.jsonl", "ws://127.0.0.1:1/stream")
	if code == 0 || !strings.Contains(errOut, `"events.jsonl": several sources can only be hubs' ws:// or wss:// stream URLs`) {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}
