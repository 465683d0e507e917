package cmd_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/internal/e2e"
)

// waitRecorded polls until the recording at path holds at least one line.
func waitRecorded(t *testing.T, path string) {
	t.Helper()
	if !e2e.Until(10*time.Second, 50*time.Millisecond, func() bool {
		fi, err := os.Stat(path)
		return err == nil && fi.Size() > 0
	}) {
		t.Fatalf("nothing recorded to %s in 10s", path)
	}
}

// TestPrintStopsOnSIGTERM: SIGTERM ends a --print collection early as Ctrl-C does: the table is
// printed, the exit status is 0, and the recording is complete: its replay prints the same table.
func TestPrintStopsOnSIGTERM(t *testing.T) {
	t.Parallel()
	url, _ := startSimulator(t, "--listen", "127.0.0.1:0", "--rate", "300")
	rec := filepath.Join(t.TempDir(), "rec.jsonl")
	var errOut e2e.Buffer
	p := e2e.StartProcess(t, e2e.ProcessOptions{Env: []string{"NO_COLOR=1"}, Stderr: &errOut},
		"--print", "--for", "60s", "--record", rec, url)
	out := &p.Out
	waitRecorded(t, rec)
	time.Sleep(300 * time.Millisecond) // more, some of it still buffered
	p.Signal(syscall.SIGTERM)
	if err := p.Wait(10 * time.Second); err != nil {
		t.Fatalf("after SIGTERM: %v\n%s", err, errOut.String())
	}
	if !strings.Contains(out.String(), "AGENT") {
		t.Fatalf("no table after SIGTERM:\n%s\n%s", out.String(), errOut.String())
	}
	replay, replayErr, code, _ := runBin(t, nil, 20*time.Second, "--print", rec)
	if code != 0 || replay != out.String() {
		t.Errorf("replay of the recording: exit %d, same table %v\n%s", code, replay == out.String(), replayErr)
	}
}

// TestPrintOfAPipeSaysWhatSIGTERMLeftUnread: --print of a named pipe stopped by SIGTERM while a
// line is still arriving prints the table of what it applied (exit 0, as for any SIGTERM) and says
// on stderr how many bytes it received and did not apply, and after which line.
func TestPrintOfAPipeSaysWhatSIGTERMLeftUnread(t *testing.T) {
	t.Parallel()
	fifo := e2e.Fifo(t, "events")
	var errOut e2e.Buffer
	p := e2e.StartProcess(t, e2e.ProcessOptions{Env: []string{"NO_COLOR=1", "GOMAXPROCS=2"}, Stderr: &errOut},
		"--print", fifo)
	w, err := os.OpenFile(fifo, os.O_WRONLY, 0) // waits for the binary to open it
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	partial := `{"type":"ON_LOGOUT","agentId":"a.jones","ts":17000`
	if _, err := w.WriteString(`{"type":"ON_LOGIN","agentId":"a.jones","ts":1700000000000,"params":[{"isLoggedIn":true}]}` +
		"\n" + partial); err != nil {
		t.Fatal(err)
	}
	if _, err := e2e.Unread(w); err != nil {
		t.Skipf("cannot tell what the binary read of the pipe here: %v", err)
	}
	if !e2e.Until(10*time.Second, 10*time.Millisecond, func() bool { // the binary has read it all
		n, err := e2e.Unread(w)
		return err == nil && n == 0
	}) {
		t.Fatal("the binary did not read the pipe")
	}
	time.Sleep(100 * time.Millisecond) // from its read returning to its count of the bytes
	p.Signal(syscall.SIGTERM)
	if err := p.Wait(10 * time.Second); err != nil {
		t.Fatalf("after SIGTERM: %v\n%s", err, errOut.String())
	}
	want := fmt.Sprintf("%s: stopped: %d bytes received after line 1 were not applied\n", fifo, len(partial))
	if errOut.String() != want || !strings.Contains(p.Out.String(), "AGENT") {
		t.Errorf("stderr %q, want %q; stdout:\n%s", errOut.String(), want, p.Out.String())
	}
}

// TestMonitorFlushesOnSIGHUP: a monitor whose terminal goes away (SIGHUP) exits as if q was pressed,
// and its recording is complete, ending with a whole line.
func TestMonitorFlushesOnSIGHUP(t *testing.T) {
	parallelTerminal(t)
	e2e.Require(t, "tmux")
	url, _ := startSimulator(t, "--listen", "127.0.0.1:0", "--rate", "100")
	dir := t.TempDir()
	rec, pidFile := filepath.Join(dir, "rec.jsonl"), filepath.Join(dir, "pid")
	term := e2e.Start(t, 160, 30, []string{"NO_COLOR=1"},
		fmt.Sprintf(`sh -c 'echo $$ > %s; exec %s --record %s %s'`, pidFile, e2e.Binary(t), rec, url))
	term.WaitFor(10*time.Second, "connected since", "msgs", "a.jones")
	waitRecorded(t, rec)
	b := e2e.ReadFile(t, pidFile)
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(pid, syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	term.WaitFor(10*time.Second, "[exit 0]")
	data, err := os.ReadFile(rec)
	if err != nil || len(data) == 0 || data[len(data)-1] != '\n' {
		t.Fatalf("recording %d bytes (%v), want whole lines", len(data), err)
	}
	if _, errOut, code, _ := runBin(t, nil, 20*time.Second, "--print", rec); code != 0 {
		t.Errorf("replay of the recording: exit %d\n%s", code, errOut)
	}
}

// TestErrorsAsWritten: errors are printed as written, not with a capitalised first word: as one
// plain line for a script, and with fang's styling on a terminal.
func TestErrorsAsWritten(t *testing.T) {
	parallelTerminal(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--print", "--for", "1s", "--ca-file", "x.pem", "--insecure", "wss://h/"},
			"--ca-file and --insecure: a CA to verify with, or no verification, not both"},
		{[]string{"--print", "ws://h/"}, "--print of a live source needs --for DURATION or --events N"},
		{[]string{"hub", "--cert", "c.pem"}, "--cert and --key go together"},
		{[]string{"simulate", "--rate", "0"}, "--rate 0: want events per second above 0, at most 1000000"},
	} {
		_, errOut, code, _ := runBin(t, nil, 10*time.Second, tc.args...)
		if code != 2 || errOut != tc.want+"\n" {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tc.args, code, errOut, tc.want)
		}
	}
	e2e.Require(t, "tmux")
	term := e2e.Start(t, 120, 20, []string{"NO_COLOR=1"}, e2e.Binary(t)+" hub --cert c.pem")
	screen := term.WaitFor(10*time.Second, "ERROR", "--cert and --key go together", "[exit 2]")
	if strings.Contains(screen, "--Cert") {
		t.Errorf("capitalised on a terminal:\n%s", screen)
	}
}
