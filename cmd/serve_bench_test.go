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
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/deskwatch/deskwatch/feed"
	"github.com/deskwatch/deskwatch/internal/cputime"
	"github.com/deskwatch/deskwatch/internal/e2e"
	"github.com/deskwatch/deskwatch/internal/guard"
	"github.com/deskwatch/deskwatch/internal/synth"
	"github.com/deskwatch/deskwatch/model"
	"github.com/deskwatch/deskwatch/sshserve"
	"github.com/deskwatch/deskwatch/ui"
)

// The server's cost with 1, 10 and 50 supervisors on one simulated feed of 1,000 events/s: CPU
// seconds the server process spends per second, bytes each session receives per second, and the
// sessions' frame lag p99 (Server.FrameLag). The clients are real OpenSSH processes (ssh -tt, 80x24;
// 20 of them at 200x50 in a pseudo-terminal of that size), so their work is not counted. heap-KiB/session
// here includes the store growing under the feed during the run; BenchmarkServeTickingOnly, whose
// store does not change, gives a session's own memory. Run with -benchtime 1x: each run serves for a
// fixed time whatever b.N is.
func BenchmarkServeSessions(b *testing.B) {
	for _, run := range []struct {
		n    int
		w, h int
	}{{1, 0, 0}, {10, 0, 0}, {50, 0, 0}, {20, 200, 50}} {
		name := fmt.Sprintf("sessions=%d", run.n)
		if run.w > 0 {
			name += fmt.Sprintf("/%dx%d", run.w, run.h)
		}
		b.Run(name, func(b *testing.B) {
			o, p := demoPipeline(b)
			benchServe(b, o, p, run.n, run.w, run.h)
		})
	}
}

// demoPipeline is the demo (30 agents, 1,000 events/s) in a pipeline, not started yet.
func demoPipeline(b *testing.B) (*options, *pipeline) {
	o := &options{speed: "1", retention: model.DefaultRetention, maxMessage: model.DefaultMaxMessage,
		demoSeed: 1, demoAgents: 30, demoRate: 1000}
	p, err := newPipeline(o, "", nil, slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	return o, p
}

// Bytes per session per second when the feed is quiet and only open interactions' durations tick:
// the demo's agents with their open interactions, then no events at all.
func BenchmarkServeTickingOnly(b *testing.B) {
	o := &options{retention: model.DefaultRetention}
	p := &pipeline{src: quietSource{}, store: model.NewStore(), notifier: feed.NewNotifier(), crash: guard.NewCatcher(nil),
		log: slog.New(slog.DiscardHandler)}
	p.pump = feed.NewPump(p.store, p.notifier)
	benchServe(b, o, p, 10, 0, 0)
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

// benchServe serves p to sessions OpenSSH clients and reports the server's costs. With a size the
// clients run in a pseudo-terminal of that size (script(1)); without, they send none and get 80x24.
func benchServe(b *testing.B, o *options, p *pipeline, sessions, w, h int) {
	for _, tool := range []string{"ssh", "script"} {
		if _, err := exec.LookPath(tool); err != nil {
			b.Skip(tool + " not installed")
		}
	}
	const warmup, measure = 2 * time.Second, 3 * time.Second
	srv, addr := serveBench(b, o, p, sessions)
	time.Sleep(warmup) // let the demo's opening history settle before counting
	heap0 := heapInUse()
	counters := startSSHClients(b, addr.Port, sessions, w, h)
	if !e2e.Until(20*time.Second, 10*time.Millisecond, func() bool { return srv.Sessions() >= sessions }) {
		b.Fatalf("%d of %d sessions opened", srv.Sessions(), sessions)
	}
	time.Sleep(warmup)
	b.ResetTimer()
	srv.ResetFrameStats()
	cpu0, bytes0, t0 := cputime.Process(), sum(counters), time.Now()
	time.Sleep(measure)
	cpu1, bytes1, elapsed := cputime.Process(), sum(counters), time.Since(t0)
	b.StopTimer()
	lag99, _ := srv.FrameLag(0.99)
	b.ReportMetric(float64(lag99)/1e6, "lag-p99-ms")
	heap1 := heapInUse()
	b.ReportMetric((cpu1-cpu0).Seconds()/elapsed.Seconds(), "cpu-s/s")
	b.ReportMetric(float64(bytes1-bytes0)/float64(sessions)/elapsed.Seconds(), "bytes/session/s")
	// Signed: the heap may end smaller than it began (the demo's history settling), which as uint64
	// read as 1.8e15 KiB a session.
	b.ReportMetric(float64(int64(heap1)-int64(heap0))/float64(sessions)/1024, "heap-KiB/session")
}

// serveBench starts p and an SSH server of it for sessions viewers (any key gets in) on a loopback
// port. The server stops and p closes when the benchmark ends.
func serveBench(b *testing.B, o *options, p *pipeline, sessions int) (*sshserve.Server, *net.TCPAddr) {
	ctx, cancel := context.WithCancel(context.Background())
	p.start(ctx)
	srv, err := sshserve.New(sshserve.Config{HostKeyPath: filepath.Join(b.TempDir(), "hk"), AllowAnyKey: true,
		MaxSessions: sessions, MaxConnections: sessions, Subscribe: p.notifier.Subscribe, ChangeMsg: ui.ChangedMsg,
		NewModel: func(v sshserve.Viewer, changes <-chan struct{}) (tea.Model, error) {
			return newViewerModel(p, o, v, changes)
		}})
	if err != nil {
		cancel()
		p.Close()
		b.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		cancel()
		p.Close()
		b.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, ln) }()
	b.Cleanup(func() {
		cancel()
		if err := <-served; err != nil {
			b.Error(err)
		}
		p.Close()
	})
	return srv, ln.Addr().(*net.TCPAddr)
}

// startSSHClients starts n OpenSSH clients whose output is counted and discarded; their input stays
// open until the benchmark ends.
func startSSHClients(b *testing.B, port, n, cols, rows int) []*atomic.Int64 {
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
		args := []string{"ssh", "-F", "/dev/null", "-tt", "-p", fmt.Sprint(port), "-o", "BatchMode=yes",
			"-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
			"-o", "IdentitiesOnly=yes", "-i", key, "127.0.0.1"}
		if cols > 0 {
			args = []string{"script", "-q", "-e", "-c", fmt.Sprintf("stty cols %d rows %d; exec %s", cols, rows,
				strings.Join(args, " ")), "/dev/null"}
		}
		cmd := exec.Command(args[0], args[1:]...)
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
