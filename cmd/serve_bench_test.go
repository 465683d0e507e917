//go:build unix

package cmd

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/deskwatch/deskwatch/feed"
	"github.com/deskwatch/deskwatch/internal/e2e"
	"github.com/deskwatch/deskwatch/internal/guard"
	"github.com/deskwatch/deskwatch/internal/synth"
	"github.com/deskwatch/deskwatch/model"
	"github.com/deskwatch/deskwatch/sshserve"
)

// The server's cost with 1, 10 and 50 supervisors on one simulated feed of 1,000 events/s: CPU
// seconds the server process spends per second, and bytes each session receives per second. The
// clients are real OpenSSH processes (ssh -tt, 80x24), so their work is not counted. heap-KiB/session
// here includes the store growing under the feed during the run; BenchmarkServeTickingOnly, whose
// store does not change, gives a session's own memory. Run with -benchtime 1x: each run serves for a
// fixed time whatever b.N is.
func BenchmarkServeSessions(b *testing.B) {
	for _, n := range []int{1, 10, 50} {
		b.Run(fmt.Sprintf("sessions=%d", n), func(b *testing.B) {
			o := &options{speed: "1", retention: model.DefaultRetention, maxMessage: model.DefaultMaxMessage,
				demoSeed: 1, demoAgents: 30, demoRate: 1000}
			p, err := newPipeline(o, "", nil, slog.New(slog.DiscardHandler))
			if err != nil {
				b.Fatal(err)
			}
			benchServe(b, o, p, n)
		})
	}
}

// Bytes per session per second when the feed is quiet and only open interactions' durations tick:
// the demo's agents with their open interactions, then no events at all.
func BenchmarkServeTickingOnly(b *testing.B) {
	o := &options{retention: model.DefaultRetention}
	p := &pipeline{src: quietSource{}, store: model.NewStore(), notifier: feed.NewNotifier(), crash: guard.NewCatcher(nil),
		log: slog.New(slog.DiscardHandler)}
	p.pump = feed.NewPump(p.store, p.notifier)
	benchServe(b, o, p, 10)
}

// quietSource sends the demo's state on connect (agents and open interactions), then nothing.
type quietSource struct{}

func (quietSource) Run(ctx context.Context, emit feed.Emit) error {
	now := time.Now()
	g := synth.NewGenerator(synth.GeneratorConfig{Seed: 1, Agents: 30, Rate: 8, Start: now.Add(-5 * time.Minute)})
	for g.Now().Before(now) {
		g.Next()
	}
	for _, data := range append(g.Presence(), g.Snapshots()...) {
		emit(feed.Message{Data: data, Origin: model.Origin{Source: "quiet"}, Received: time.Now()})
	}
	<-ctx.Done()
	return ctx.Err()
}

func (quietSource) Status() feed.Status { return feed.Status{Name: "quiet", State: "live"} }
func (quietSource) Now() time.Time      { return time.Now() }

// benchServe serves p to sessions OpenSSH clients and reports the server's costs.
func benchServe(b *testing.B, o *options, p *pipeline, sessions int) {
	if _, err := exec.LookPath("ssh"); err != nil {
		b.Skip("ssh not installed")
	}
	const warmup, measure = 2 * time.Second, 3 * time.Second
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	defer p.Close()
	p.start(ctx)
	srv, err := sshserve.New(sshserve.Config{HostKeyPath: filepath.Join(b.TempDir(), "hk"), AllowAnyKey: true,
		MaxSessions: sessions, Subscribe: p.notifier.Subscribe,
		NewModel: func(v sshserve.Viewer, changes <-chan struct{}) (tea.Model, error) {
			return newViewerModel(p, o, v, changes)
		}})
	if err != nil {
		b.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, ln) }()
	time.Sleep(warmup) // let the demo's opening history settle before counting
	heap0 := heapInUse()
	counters := startSSHClients(b, ln.Addr().(*net.TCPAddr).Port, sessions)
	if !e2e.Until(20*time.Second, 10*time.Millisecond, func() bool { return srv.Sessions() >= sessions }) {
		b.Fatalf("%d of %d sessions opened", srv.Sessions(), sessions)
	}
	time.Sleep(warmup)
	b.ResetTimer()
	cpu0, bytes0, t0 := cpuTime(), sum(counters), time.Now()
	time.Sleep(measure)
	cpu1, bytes1, elapsed := cpuTime(), sum(counters), time.Since(t0)
	b.StopTimer()
	heap1 := heapInUse()
	b.ReportMetric((cpu1-cpu0).Seconds()/elapsed.Seconds(), "cpu-s/s")
	b.ReportMetric(float64(bytes1-bytes0)/float64(sessions)/elapsed.Seconds(), "bytes/session/s")
	b.ReportMetric(float64(heap1-heap0)/float64(sessions)/1024, "heap-KiB/session")
	cancel()
	if err := <-served; err != nil {
		b.Error(err)
	}
}

// startSSHClients starts n OpenSSH clients whose output is counted and discarded; their input stays
// open until the benchmark ends.
func startSSHClients(b *testing.B, port, n int) []*atomic.Int64 {
	b.Helper()
	counters := make([]*atomic.Int64, n)
	key, home := clientKeyFile(b), b.TempDir()
	for i := range n {
		stdin, keep, err := os.Pipe()
		if err != nil {
			b.Fatal(err)
		}
		out, w, err := os.Pipe()
		if err != nil {
			b.Fatal(err)
		}
		cmd := exec.Command("ssh", "-F", "/dev/null", "-tt", "-p", fmt.Sprint(port), "-o", "BatchMode=yes",
			"-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
			"-o", "IdentitiesOnly=yes", "-i", key, "127.0.0.1")
		cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, w, w
		cmd.Env = append(os.Environ(), "TERM=xterm-256color", "HOME="+home)
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		stdin.Close()
		w.Close()
		c := &atomic.Int64{}
		counters[i] = c
		go func() { _, _ = io.Copy(io.Discard, countingReader{out, c}) }()
		b.Cleanup(func() {
			keep.Close()
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			out.Close()
		})
	}
	return counters
}

// clientKeyFile writes a throwaway client key (any key gets in).
func clientKeyFile(b *testing.B) string {
	b.Helper()
	path := filepath.Join(b.TempDir(), "id_ed25519")
	e2e.WriteClientKey(b, path)
	return path
}

type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

func sum(cs []*atomic.Int64) int64 {
	var t int64
	for _, c := range cs {
		t += c.Load()
	}
	return t
}

func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// cpuTime is the user and system CPU this process has used (children, the ssh clients, excluded).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
