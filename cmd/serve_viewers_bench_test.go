//go:build unix

package cmd

import (
	"bufio"
	"crypto/ed25519"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/deskwatch/deskwatch/internal/e2e"
)

// viewersEnv tells the test binary, started again by BenchmarkServeViewers, to be its clients.
const viewersEnv = "DESKWATCH_BENCH_VIEWERS"

// The server at floor scale: 20 and 200 viewers at 200x50 of the demo at 1,000 events/s. The
// clients are Go's SSH client (golang.org/x/crypto/ssh), each with a 200x50 PTY, all in a second
// process (this test binary started again), so the server's own memory and CPU are what is
// measured; 200 OpenSSH processes would cost the shared machine more than the server does
// (BenchmarkServeSessions runs real OpenSSH clients). Reported:
//
//   - rss-MB/viewer: the server process's resident memory after the run less before the viewers
//     came, per viewer (the store growing under the feed over the ~15 s counts too);
//   - cpu-cores: CPU seconds the server spends per second while every viewer watches;
//   - lag-p50-ms, lag-p99-ms, lag-max-ms: of every frame that showed a store change, the time from the change
//     reaching the session to the frame reaching the session's output (Server.FrameLag);
//   - frames/viewer/s: how often a viewer's frame was drawn (the pacing: at most 20 a second);
//   - shared-%: of those frames, how many another session drew (sshserve/share.go).
//
// In the own= runs every viewer presses a key first (j, one row down), so no session shares its
// frames: the cost of 200 viewers who all navigate, where the server's frame pacing keeps its CPU
// near its budget by drawing less often.
//
// Run with -benchtime 1x: each run serves for a fixed time whatever b.N is.
func BenchmarkServeViewers(b *testing.B) {
	for _, run := range []struct {
		n   int
		own bool
	}{{20, false}, {200, false}, {200, true}} {
		name := fmt.Sprintf("viewers=%d", run.n)
		if run.own {
			name += "/own"
		}
		b.Run(name, func(b *testing.B) {
			o, p := demoPipeline(b)
			benchViewers(b, o, p, run.n, run.own)
		})
	}
}

// benchViewers serves p to n viewers at 200x50 and reports the server's costs.
func benchViewers(b *testing.B, o *options, p *pipeline, n int, own bool) {
	const settle, measure = 3 * time.Second, 5 * time.Second
	srv, addr := serveBench(b, o, p, n)
	time.Sleep(settle) // the demo's opening history
	heapInUse()
	rss0 := rssBytes()
	stop := startViewerClients(b, addr.String(), n, 200, 50, own)
	if !e2e.Until(60*time.Second, 10*time.Millisecond, func() bool { return srv.Sessions() >= n }) {
		b.Fatalf("%d of %d sessions opened", srv.Sessions(), n)
	}
	time.Sleep(settle)
	b.ResetTimer()
	srv.ResetFrameStats()
	cpu0, t0 := e2e.CPUTime(), time.Now()
	time.Sleep(measure)
	cpu1, elapsed := e2e.CPUTime(), time.Since(t0)
	b.StopTimer()
	lag50, _ := srv.FrameLag(0.5)
	lag99, frames := srv.FrameLag(0.99)
	lagMax, _ := srv.FrameLag(1)
	heapInUse()
	rss1 := rssBytes()
	b.ReportMetric(float64(rss1-rss0)/float64(n)/1e6, "rss-MB/viewer")
	b.ReportMetric((cpu1-cpu0).Seconds()/elapsed.Seconds(), "cpu-cores")
	b.ReportMetric(float64(lag50)/1e6, "lag-p50-ms")
	b.ReportMetric(float64(lag99)/1e6, "lag-p99-ms")
	b.ReportMetric(float64(lagMax)/1e6, "lag-max-ms")
	all, shared := srv.Frames()
	b.ReportMetric(float64(all)/float64(n)/elapsed.Seconds(), "frames/viewer/s")
	b.ReportMetric(100*float64(shared)/float64(max(all, 1)), "shared-%")
	if frames == 0 {
		b.Error("no frame showed a store change")
	}
	stop()
}

// startViewerClients starts this test binary again as n SSH clients of addr (TestBenchViewerClients)
// and returns once all have asked for their shell; stop ends them.
func startViewerClients(b *testing.B, addr string, n, w, h int, own bool) (stop func()) {
	b.Helper()
	exe, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^TestBenchViewerClients$", "-test.count=1")
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s %d %d %d %t", viewersEnv, addr, n, w, h, own))
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	stop = func() {
		stdin.Close()
		_ = cmd.Wait()
	}
	lines := bufio.NewScanner(out)
	for lines.Scan() {
		if lines.Text() == "ready" {
			go func() { _, _ = io.Copy(io.Discard, out) }()
			return stop
		}
	}
	stop()
	b.Fatalf("the viewer clients ended before they were ready")
	return nil
}

// TestBenchViewerClients is BenchmarkServeViewers's clients, run in a process of their own: n
// viewers of one server, each with a w x h PTY, reading everything (and pressing j once when own),
// until standard input closes.
func TestBenchViewerClients(t *testing.T) {
	spec := strings.Fields(os.Getenv(viewersEnv))
	if len(spec) != 5 {
		t.Skip("the clients of BenchmarkServeViewers, which runs them")
	}
	addr := spec[0]
	n, _ := strconv.Atoi(spec[1])
	w, _ := strconv.Atoi(spec[2])
	h, _ := strconv.Atoi(spec[3])
	own := spec[4] == "true"
	_, key, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := gossh.NewSignerFromKey(key)
	if err != nil {
		t.Fatal(err)
	}
	cfg := &gossh.ClientConfig{User: "viewer", Auth: []gossh.AuthMethod{gossh.PublicKeys(signer)},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: time.Minute}
	var read atomic.Int64
	var wg sync.WaitGroup
	gate := make(chan struct{}, 4) // a few log-ins at a time, as the server's pre-auth caps want
	for range n {
		gate <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-gate }()
			if err := viewerClient(addr, cfg, w, h, own, &read); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	fmt.Println("ready")
	_, _ = io.Copy(io.Discard, os.Stdin)
	fmt.Println("read", read.Load())
}

// viewerClient opens one session with a PTY and reads its output in the background.
func viewerClient(addr string, cfg *gossh.ClientConfig, w, h int, own bool, read *atomic.Int64) error {
	c, err := gossh.Dial("tcp", addr, cfg)
	if err != nil {
		return err
	}
	s, err := c.NewSession()
	if err != nil {
		return err
	}
	out, err := s.StdoutPipe()
	if err != nil {
		return err
	}
	in, err := s.StdinPipe() // open, as a terminal's would be
	if err != nil {
		return err
	}
	if err := s.RequestPty("xterm-256color", h, w, nil); err != nil {
		return err
	}
	if err := s.Shell(); err != nil {
		return err
	}
	go func() { _, _ = io.Copy(io.Discard, countingReader{out, read}) }()
	if own {
		_, err = in.Write([]byte("j"))
	}
	return err
}

// rssBytes is this process's resident memory.
func rssBytes() int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}
