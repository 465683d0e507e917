package feed_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"sync"
	"testing"

	"github.com/deskwatch/deskwatch/feed"
	"github.com/deskwatch/deskwatch/internal/cputime"
	"github.com/deskwatch/deskwatch/internal/synth"
	"github.com/deskwatch/deskwatch/model"
	"github.com/deskwatch/deskwatch/sim"
)

// million is the file `deskwatch simulate --out FILE --events 1000000` writes (seed 1, the default
// agents and rate), made once per test binary and only when a benchmark asks for it.
var million struct {
	once sync.Once
	dir  string
	path string
	size int64
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if million.dir != "" {
		os.RemoveAll(million.dir)
	}
	os.Exit(code)
}

func millionFile(b *testing.B) (string, int64) {
	b.Helper()
	million.once.Do(func() {
		if million.dir, million.err = os.MkdirTemp("", "deskwatch-bench-"); million.err != nil {
			return
		}
		million.path = filepath.Join(million.dir, "day.jsonl")
		f, err := os.Create(million.path)
		if err != nil {
			million.err = err
			return
		}
		defer f.Close()
		res, err := sim.WriteEvents(f, sim.OutConfig{Generator: synth.GeneratorConfig{Seed: 1,
			Agents: synth.DefaultAgents, Rate: 20}, Events: 1_000_000})
		million.size, million.err = res.Bytes, err
	})
	if million.err != nil {
		b.Fatal(million.err)
	}
	return million.path, million.size
}

// BenchmarkReplayFile1M plays the million-event file five ways, each from the file and each run
// once per iteration (use -benchtime 1x): "encoding-json" decodes every line with plain
// encoding/json into typed structs (the envelope, then the InteractionData) and applies nothing;
// "decode" is model.Decode alone; "store" is deskwatch's replay at --speed max through the pump into
// a store with the default retention, what `deskwatch --print FILE --speed max` does, decoding on
// every core ahead of the pump; "store-sequential" is the same with one worker (each line decoded in
// turn by the goroutine that applies it, the replay before the read-ahead); "print" is "store" with
// the collector at the pace `deskwatch --print` sets.
func BenchmarkReplayFile1M(b *testing.B) {
	path, size := millionFile(b)
	b.Run("encoding-json", func(b *testing.B) {
		benchLines(b, path, size, decodeEncodingJSON)
	})
	b.Run("decode", func(b *testing.B) {
		benchLines(b, path, size, func(line []byte) error {
			_, err := model.Decode(line)
			return err
		})
	})
	b.Run("store", func(b *testing.B) { benchReplayStore(b, path, size, 0, 100) })
	b.Run("store-sequential", func(b *testing.B) { benchReplayStore(b, path, size, 1, 100) })
	b.Run("print", func(b *testing.B) { benchReplayStore(b, path, size, 0, feed.BatchGCPercent) })
}

// benchReplayStore replays the file at --speed max through the pump into a store with the default
// retention, decoding with workers goroutines (0: GOMAXPROCS), the collector at gcPercent.
func benchReplayStore(b *testing.B, path string, size int64, workers, gcPercent int) {
	defer debug.SetGCPercent(debug.SetGCPercent(gcPercent))
	benchFile(b, path, size, func(f *os.File) int64 {
		store := model.NewStore()
		r := feed.NewReplay(path, f, size, feed.ReplayOptions{Speed: 0, Workers: workers})
		if err := r.Run(context.Background(), feed.NewPump(store, nil).Handle); err != nil {
			b.Fatal(err)
		}
		st := store.Snapshot().Stats
		if st.Rejected != 0 {
			b.Fatalf("%d rejected", st.Rejected)
		}
		return st.Events
	})
}

// benchLines calls fn on every line of the file, read as the replay reads it.
func benchLines(b *testing.B, path string, size int64, fn func([]byte) error) {
	benchFile(b, path, size, func(f *os.File) (events int64) {
		br := bufio.NewReaderSize(f, 64<<10)
		for {
			line, err := br.ReadSlice('\n')
			if err == io.EOF {
				return events
			}
			if err != nil {
				b.Fatal(err)
			}
			if err := fn(line[:len(line)-1]); err != nil {
				b.Fatal(err)
			}
			events++
		}
	})
}

// benchFile calls run once an iteration with the file opened, and reports the events it handled a
// second and the CPU time the process spent an iteration (all goroutines and the collector): on a
// machine shared with other work that is steadier than the time, and says what a free core each
// would give.
func benchFile(b *testing.B, path string, size int64, run func(*os.File) (events int64)) {
	b.SetBytes(size)
	b.ReportAllocs()
	var events int64
	cpu0 := cputime.Process()
	defer func() { b.ReportMetric((cputime.Process()-cpu0).Seconds()/float64(b.N), "cpu-s/op") }()
	for b.Loop() {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		events += run(f)
		f.Close()
	}
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
}

// wireEnvelope and wireInteraction are the event's shape for encoding/json.
type wireEnvelope struct {
	Type    string            `json:"type"`
	AgentID string            `json:"agentId"`
	TS      float64           `json:"ts"`
	Seq     int64             `json:"seq"`
	Params  []json.RawMessage `json:"params"`
}

type wireInteraction struct {
	model.Interaction
	Extra map[string]json.RawMessage `json:"-"`
}

// decodeEncodingJSON decodes one event with encoding/json: the envelope, then the interaction (or
// the first string argument of the other events).
func decodeEncodingJSON(line []byte) error {
	var env wireEnvelope
	if err := json.Unmarshal(line, &env); err != nil {
		return err
	}
	if len(env.Params) == 0 {
		return nil
	}
	switch env.Type {
	case model.EvNewInteraction, model.EvInteractionStateChange, model.EvInteractionRemoved,
		model.EvSaveActivityRecord:
		var in wireInteraction
		return json.Unmarshal(env.Params[0], &in)
	}
	var v any
	return json.Unmarshal(env.Params[0], &v)
}
