package cmd_test

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/internal/e2e"
)

// startSimulator runs the real binary's simulate and returns the stream's URL from its first line.
// The process is killed when the test ends; stop kills it earlier.
func startSimulator(t *testing.T, args ...string) (url string, stop func()) {
	t.Helper()
	p := e2e.StartProcess(t, e2e.ProcessOptions{Stderr: io.Discard}, // connection log lines are not needed here
		append([]string{"simulate"}, args...)...)
	line := p.WaitLine(regexp.MustCompile(`^.+$`), 10*time.Second)[0] // its first line
	url = regexp.MustCompile(`ws://\S+`).FindString(line)
	if url == "" {
		t.Fatalf("simulate printed %q, want its URL", line)
	}
	return url, p.Kill
}

func TestSimulateAndPrintLive(t *testing.T) {
	t.Parallel()
	url, _ := startSimulator(t, "--listen", "127.0.0.1:0", "--rate", "300", "--seed", "3")
	if !strings.HasPrefix(url, "ws://127.0.0.1:") || !strings.HasSuffix(url, "/stream") {
		t.Fatalf("URL %s", url)
	}
	out, errOut, code := e2e.Run(t, nil, "--print", "--for", "2s", "--format", "json", url)
	if code != 0 {
		t.Fatalf("exit %d\nstderr: %s", code, errOut)
	}
	var rows []map[string]any
	if err := json.Unmarshal([]byte(out), &rows); err != nil || len(rows) < 20 {
		t.Fatalf("%d rows (%v) from two seconds at 300 events/s:\n%.500s", len(rows), err, out)
	}

	start := time.Now()
	out, errOut, code = e2e.Run(t, nil, "--print", "--events", "200", url)
	if code != 0 || !strings.Contains(out, "AGENT") || time.Since(start) > 5*time.Second {
		t.Errorf("--events 200: exit %d after %v\n%s\n%s", code, time.Since(start), out, errOut)
	}
}

func TestSimulateChaosIsReportedByPrint(t *testing.T) {
	t.Parallel()
	url, _ := startSimulator(t, "--listen", "127.0.0.1:0", "--rate", "500", "--malformed", "0.05")
	out, errOut, code := e2e.Run(t, nil, "--print", "--for", "2s", url)
	if code != 1 {
		t.Errorf("exit %d, want 1 for rejected messages\n%s", code, errOut)
	}
	// Rejections name the connection and the message number.
	if !regexp.MustCompile(regexp.QuoteMeta(url) + ` conn 1 msg \d+: `).MatchString(errOut) {
		t.Errorf("stderr lacks origins:\n%s", errOut)
	}
	if !strings.Contains(errOut, "events rejected") || !strings.Contains(out, "AGENT") {
		t.Errorf("stdout:\n%s\nstderr:\n%s", out, errOut)
	}
}

func TestSimulateOutReplays(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "day.jsonl")
	out, errOut, code := e2e.Run(t, nil, "simulate", "--out", file, "--events", "3000", "--seed", "1")
	if code != 0 || !strings.Contains(out, "wrote 3000 events") {
		t.Fatalf("exit %d: %s %s", code, out, errOut)
	}
	data := e2e.ReadFile(t, file)
	if n := strings.Count(string(data), "\n"); n != 3000 {
		t.Errorf("%d lines", n)
	}
	out, errOut, code = e2e.Run(t, nil, "--print", file)
	if code != 0 || !strings.Contains(out, "a.jones") {
		t.Errorf("replay of the file: exit %d\n%.300s\n%s", code, out, errOut)
	}

	stdout, _, code := e2e.Run(t, nil, "simulate", "--out", "-", "--events", "3000", "--seed", "1")
	if code != 0 || stdout != string(data) {
		t.Errorf("--out - differs from the file written with the same seed (exit %d)", code)
	}
	_, errOut, code = e2e.Run(t, nil, "simulate", "--out", file)
	if code == 0 || !strings.Contains(errOut, "--events N or --duration D") {
		t.Errorf("--out without a size: exit %d, %s", code, errOut)
	}
}

// TestSimulateAgentPrefix: --agent-prefix starts every agent id of the stream (so that two runs
// against one hub do not publish the same agents), and one that would not be safe in an id list
// is refused.
func TestSimulateAgentPrefix(t *testing.T) {
	t.Parallel()
	stdout, errOut, code := e2e.Run(t, nil, "simulate", "--out", "-", "--events", "300", "--agent-prefix", "run2-")
	ids := regexp.MustCompile(`"agentId":"([^"]*)"`).FindAllStringSubmatch(stdout, -1)
	if code != 0 || len(ids) < 300 {
		t.Fatalf("exit %d, %d agent ids: %s", code, len(ids), errOut)
	}
	for _, id := range ids {
		if !strings.HasPrefix(id[1], "run2-") {
			t.Fatalf("agent id %q without the prefix", id[1])
		}
	}
	_, errOut, code = e2e.Run(t, nil, "simulate", "--out", "-", "--events", "3", "--agent-prefix", "a,b")
	if want := `--agent-prefix "a,b": ',' at byte 1 (want letters, digits, . _ - : @)`; code != 2 || errOut != want+"\n" {
		t.Errorf("a prefix with a comma: exit %d, %q; want 2 and %q", code, errOut, want)
	}
}

// TestTerminalFollowsSimulatorRestart watches the simulator in a real terminal, stops it, and
// starts it again on the same port: the status line goes connected (since when, with counts and the
// latest lost events) → lost (why, and when it retries) → connected.
func TestTerminalFollowsSimulatorRestart(t *testing.T) {
	parallelTerminal(t)
	e2e.Require(t, "tmux")
	url, stop := startSimulator(t, "--listen", "127.0.0.1:0", "--rate", "50", "--drop", "0.1")
	port := regexp.MustCompile(`:(\d+)/`).FindStringSubmatch(url)[1]
	term := e2e.Start(t, 200, 30, []string{"NO_COLOR=1"}, fmt.Sprintf("%s %s", e2e.Binary(t), url))
	screen := term.WaitFor(10*time.Second, url+" connected since ", " msgs ", "kB", "a.jones")
	if !regexp.MustCompile(`since \d\d:\d\d:\d\d \d+ msgs \d+\.\d kB`).MatchString(screen) {
		t.Errorf("status line lacks since HH:MM:SS and the counts:\n%s", screen)
	}
	term.WaitFor(15*time.Second, " lost from ")
	stop()
	// The first reason is the drop; the retries that follow are refused until the simulator is
	// back, and the line shows the latest (a long reason cuts the URL first).
	screen = term.WaitFor(10*time.Second, " lost retrying in ")
	if !strings.Contains(screen, "the connection dropped without a close frame") &&
		!strings.Contains(screen, "connection refused") {
		t.Errorf("the status line does not say why the connection was lost:\n%s", screen)
	}
	startSimulator(t, "--listen", "127.0.0.1:"+port, "--rate", "50")
	term.WaitFor(15*time.Second, url+" connected since")
}
