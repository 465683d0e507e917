package bridge_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/internal/e2e"
	"github.com/deskwatch/deskwatch/model"
)

// hubBin is the real `deskwatch hub` process, which a test stops with SIGINT and starts again on
// the same address, as an operator restarting it would.
type hubBin struct {
	t    *testing.T
	addr string
	args []string

	before string       // the output of the runs before this one
	proc   *e2e.Process // the running hub, nil between runs
}

var listening = regexp.MustCompile(`bridges:  ws://127\.0\.0\.1:(\d+)/ingest`)

// startHubBin runs the hub on 127.0.0.1:0 and learns its port from what it prints.
func startHubBin(t *testing.T, args ...string) *hubBin {
	t.Helper()
	h := &hubBin{t: t, addr: "127.0.0.1:0", args: args}
	h.start()
	return h
}

func (h *hubBin) start() {
	h.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		port, err := h.run()
		if err == nil {
			h.addr = "127.0.0.1:" + port
			return
		}
		if !strings.Contains(h.output(), "address already in use") || time.Now().After(deadline) {
			h.t.Fatalf("deskwatch hub: %v\n%s", err, h.output())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// run starts one hub process and waits for its URLs (or its exit).
func (h *hubBin) run() (string, error) {
	// A home and a hub data directory of its own (each run starts with an empty floor, as before).
	p, err := e2e.TryStartProcess(h.t, e2e.ProcessOptions{Env: []string{"HOME=" + h.t.TempDir(),
		"XDG_STATE_HOME=" + h.t.TempDir()}},
		append([]string{"hub", "--listen", h.addr}, h.args...)...)
	if err != nil {
		return "", err
	}
	m, err := p.Match(listening, 30*time.Second)
	if err != nil {
		_ = p.Cmd.Process.Kill()
		<-p.Done()
		h.before += p.Output()
		return "", err
	}
	h.proc = p
	return m[1], nil
}

// interrupt stops the hub with SIGINT and waits for it to exit cleanly.
func (h *hubBin) interrupt() {
	h.t.Helper()
	h.proc.Stop(os.Interrupt, 15*time.Second)
	h.before += h.proc.Output()
	h.proc = nil
	h.waitOutput(1, "hub stopped")
}

func (h *hubBin) output() string {
	if h.proc == nil {
		return h.before
	}
	return h.before + h.proc.Output()
}

// waitOutput waits until the output holds want n times in all.
func (h *hubBin) waitOutput(n int, want string) {
	h.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for strings.Count(h.output(), want) < n {
		if time.Now().After(deadline) {
			h.t.Fatalf("hub output holds %q fewer than %d times:\n%s", want, n, h.output())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// proc is a command running in the background with its output kept.
type proc struct {
	cmd            *exec.Cmd
	stdout, stderr bytes.Buffer
	done           chan error
}

func startProc(t *testing.T, args ...string) *proc {
	t.Helper()
	p := &proc{cmd: exec.Command(e2e.Binary(t), args...), done: make(chan error, 1)}
	p.cmd.Env = append(os.Environ(), "NO_COLOR=1", "HOME="+t.TempDir())
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.done
		p.done <- nil
	})
	return p
}

// wait waits for the process to exit and returns its output.
func (p *proc) wait(t *testing.T, timeout time.Duration) (stdout, stderr string) {
	t.Helper()
	select {
	case err := <-p.done:
		p.done <- err
		if err != nil {
			t.Errorf("%v: %v\n%s", p.cmd.Args, err, p.stderr.String())
		}
	case <-time.After(timeout):
		t.Fatalf("%v still running after %v", p.cmd.Args, timeout)
	}
	return p.stdout.String(), p.stderr.String()
}

// recordedSeqs reads a --record file and returns the seq of each of agent's events that has one.
func recordedSeqs(t *testing.T, path, agent string) []int64 {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var out []int64
	for i, line := range strings.Split(string(data), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		ev, err := model.Decode([]byte(line))
		if err != nil {
			t.Fatalf("%s:%d: %v", path, i+1, err)
		}
		if ev.AgentID == agent && ev.HasSeq {
			out = append(out, ev.Seq)
		}
	}
	return out
}

func writeFile(t *testing.T, path, text string) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func tokenFiles(t *testing.T) (ingest, stream, monitor, wrong string) {
	dir := t.TempDir()
	return writeFile(t, filepath.Join(dir, "ingest.tokens"), "# bridges\nbridge-secret\n"),
		writeFile(t, filepath.Join(dir, "stream.tokens"), "# monitors\nmonitor-secret\n"),
		writeFile(t, filepath.Join(dir, "monitor.token"), "monitor-secret\n"),
		writeFile(t, filepath.Join(dir, "wrong.token"), "not-the-secret\n")
}
