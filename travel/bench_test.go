package travel_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/feed"
	"github.com/deskwatch/deskwatch/internal/cputime"
	"github.com/deskwatch/deskwatch/internal/synth"
	"github.com/deskwatch/deskwatch/model"
	"github.com/deskwatch/deskwatch/sim"
	"github.com/deskwatch/deskwatch/travel"
)

// benchDir holds the benchmarks' files, made once per test binary and only when a benchmark asks.
var benchDir struct {
	once  sync.Once
	dir   string
	err   error
	mu    sync.Mutex
	files map[int64]string
}

func TestMain(m *testing.M) {
	code := m.Run()
	if benchDir.dir != "" {
		os.RemoveAll(benchDir.dir)
	}
	os.Exit(code)
}

// eventsFile is the file `deskwatch simulate --out FILE --events n` writes (seed 1, the default
// agents, 20 events a second), as feed's BenchmarkReplayFile1M reads.
func eventsFile(b *testing.B, n int64) string {
	b.Helper()
	benchDir.once.Do(func() { benchDir.dir, benchDir.err = os.MkdirTemp("", "deskwatch-travel-") })
	if benchDir.err != nil {
		b.Fatal(benchDir.err)
	}
	benchDir.mu.Lock()
	defer benchDir.mu.Unlock()
	if p, ok := benchDir.files[n]; ok {
		return p
	}
	path := filepath.Join(benchDir.dir, fmt.Sprintf("events-%d.jsonl", n))
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if _, err := sim.WriteEvents(f, sim.OutConfig{Generator: synth.GeneratorConfig{Seed: 1,
		Agents: synth.DefaultAgents, Rate: 20}, Events: n}); err != nil {
		b.Fatal(err)
	}
	if benchDir.files == nil {
		benchDir.files = map[int64]string{}
	}
	benchDir.files[n] = path
	return path
}

// BenchmarkIndexFile1M is the first load of a 1,000,000-event file: the history's index, read in
// the background (use -benchtime 1x). It reports the checkpoints' count and memory.
func BenchmarkIndexFile1M(b *testing.B) {
	path := eventsFile(b, 1_000_000)
	fi, _ := os.Stat(path)
	b.SetBytes(fi.Size())
	cpu0 := cputime.Process()
	for b.Loop() {
		h, err := travel.NewFile(path, travel.Options{})
		if err != nil {
			b.Fatal(err)
		}
		if err := h.Wait(context.Background()); err != nil {
			b.Fatal(err)
		}
		n, size, every := h.Checkpoints()
		b.ReportMetric(float64(n), "checkpoints")
		b.ReportMetric(float64(size), "checkpoint-B")
		b.ReportMetric(float64(every), "K")
		h.Close()
	}
	b.ReportMetric((cputime.Process()-cpu0).Seconds()/float64(b.N), "cpu-s/op")
}

// BenchmarkSeek seeks an indexed file of 100,000 and of 1,000,000 events to random positions
// ("random": p50 and p99 of the seeks as custom metrics, the target being under 100 ms on the
// million) and steps back one event from random positions ("back1"). It reports the checkpoints'
// memory.
func BenchmarkSeek(b *testing.B) {
	for _, n := range []int64{100_000, 1_000_000} {
		name := map[int64]string{100_000: "100k", 1_000_000: "1M"}[n]
		var h *travel.File
		setup := func(b *testing.B) *travel.File {
			if h == nil {
				var err error
				if h, err = travel.NewFile(eventsFile(b, n), travel.Options{}); err != nil {
					b.Fatal(err)
				}
				if err := h.Wait(context.Background()); err != nil {
					b.Fatal(err)
				}
			}
			return h
		}
		b.Run(name+"/random", func(b *testing.B) {
			h := setup(b)
			rng := rand.New(rand.NewPCG(1, 2))
			benchSeeks(b, h, func(ctx context.Context, last int64) error {
				_, err := h.Seek(ctx, rng.Int64N(last+1))
				return err
			}, nil)
		})
		b.Run(name+"/back1", func(b *testing.B) {
			h := setup(b)
			rng := rand.New(rand.NewPCG(3, 4))
			var c *travel.Cursor
			benchSeeks(b, h, func(ctx context.Context, _ int64) error {
				return c.Step(ctx, -1)
			}, func(ctx context.Context, last int64) {
				var err error
				if c, err = h.Seek(ctx, 1+rng.Int64N(last)); err != nil {
					b.Fatal(err)
				}
			})
		})
		if h != nil {
			h.Close()
		}
	}
}

// benchSeeks times op once an iteration (before, when set, runs untimed first) and reports the
// median and the 99th percentile, and the history's checkpoint memory.
func benchSeeks(b *testing.B, h *travel.File, op func(context.Context, int64) error, before func(context.Context, int64)) {
	ctx := context.Background()
	_, last := h.Bounds()
	var took []time.Duration
	for b.Loop() {
		if before != nil {
			b.StopTimer()
			before(ctx, last.N)
			b.StartTimer()
		}
		t0 := time.Now()
		if err := op(ctx, last.N); err != nil {
			b.Fatal(err)
		}
		took = append(took, time.Since(t0))
	}
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(took[len(took)*99/100].Nanoseconds()), "p99-ns")
	_, size, every := h.Checkpoints()
	b.ReportMetric(float64(size), "checkpoint-B")
	b.ReportMetric(float64(every), "K")
}

// BenchmarkLiveIngest is what the live history costs the pump: the same 200,000 messages handled
// with ("history") and without ("plain") a live history with the default bounds; ns/op is per
// message. Compare the two within one run (target: under 10% more).
func BenchmarkLiveIngest(b *testing.B) {
	msgs := benchMessages(200_000)
	for _, withHistory := range []bool{false, true} {
		name := map[bool]string{false: "plain", true: "history"}[withHistory]
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			i := len(msgs)
			var p *feed.Pump
			for b.Loop() {
				if i == len(msgs) {
					b.StopTimer()
					p = feed.NewPump(model.NewStore(), nil)
					if withHistory {
						travel.NewLive(p, travel.Options{})
					}
					i = 0
					b.StartTimer()
				}
				p.Handle(msgs[i])
				i++
			}
		})
	}
}

// benchMessages are n messages of the synthetic stream as a live source delivers them.
func benchMessages(n int) []feed.Message {
	g := synth.NewGenerator(synth.GeneratorConfig{Seed: 1, Agents: synth.DefaultAgents, Rate: 20})
	msgs := make([]feed.Message, n)
	for i := range msgs {
		data, at := g.Next()
		msgs[i] = feed.Message{Data: bytes.Clone(data), Origin: model.Origin{Source: "bench", Conn: 1, Msg: int64(i + 1)},
			Received: at}
	}
	return msgs
}
