package cmd_test

import (
	"io"
	"net"
	"regexp"
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

// TestPrintSaysWhichHubIsTriedNext: --print given a hub that refuses and a live one says which
// failed and which it tries next, then prints the live one's table.
func TestPrintSaysWhichHubIsTriedNext(t *testing.T) {
	t.Parallel()
	_, b := startHubCmd(t)
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := "ws://" + ln.Addr().String() + "/stream"
	ln.Close()
	out, errOut, code := e2e.Run(t, nil, "--print", "--for", "2s", closed, "ws://"+b+"/stream")
	want := regexp.MustCompile(regexp.QuoteMeta(closed+": connection refused") + `.*; retrying with ` +
		regexp.QuoteMeta("ws://"+b+"/stream in ") + `.*\n` + regexp.QuoteMeta("ws://"+b+"/stream: connected (connection 1)"))
	if code != 0 || !want.MatchString(errOut) || !strings.Contains(out, "AGENT") {
		t.Errorf("exit %d, stderr %q, want %q and a table:\n%s", code, errOut, want, out)
	}
}
