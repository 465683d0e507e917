package sim

import (
	"bufio"
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/feed"
	"github.com/deskwatch/deskwatch/internal/synth"
	"github.com/deskwatch/deskwatch/model"
)

// replay applies a JSON Lines file to a new store, as a replay of the file would.
func replay(t *testing.T, data []byte) (*model.Snapshot, int) {
	t.Helper()
	st := model.NewStore()
	pump := feed.NewPump(st, nil)
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	lines := 0
	for sc.Scan() {
		lines++
		pump.Handle(feed.Message{Data: bytes.Clone(sc.Bytes()), Origin: model.Origin{Source: "out", Line: int64(lines)}})
	}
	return st.Snapshot(), lines
}

func TestWriteEvents(t *testing.T) {
	t.Parallel()
	cfg := OutConfig{Generator: synth.GeneratorConfig{Seed: 4, Agents: 8}, Events: 2000}
	var a, b bytes.Buffer
	res, err := WriteEvents(&a, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := WriteEvents(&b, cfg); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("the same seed wrote different files")
	}
	sn, lines := replay(t, a.Bytes())
	if lines != 2000 || res.Events != 2000 || res.Bytes != int64(a.Len()) || !bytes.HasSuffix(a.Bytes(), []byte("\n")) {
		t.Errorf("%d lines, result %+v, %d bytes written", lines, res, a.Len())
	}
	if sn.Stats.Events != 2000 || sn.Stats.Rejected != 0 || sn.Stats.Lost != 0 || len(sn.Rows) == 0 {
		t.Errorf("replayed stats %+v", sn.Stats)
	}
	if !res.First.Equal(time.Date(2025, 1, 6, 9, 0, 0, 0, time.UTC)) || !res.Last.After(res.First) {
		t.Errorf("event times %v .. %v", res.First, res.Last)
	}
}

func TestWriteEventsDurationAndChaos(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	res, err := WriteEvents(&buf, OutConfig{Generator: synth.GeneratorConfig{Seed: 7, Rate: 10},
		Chaos: Chaos{Drop: 0.1, Malformed: 0.05}, Duration: 10 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if span := res.Last.Sub(res.First); span > 10*time.Minute || span < 9*time.Minute {
		t.Errorf("event span %v for a 10m file", span)
	}
	if res.Dropped == 0 || res.Malformed == 0 || res.Events < 4000 {
		t.Fatalf("result %+v", res)
	}
	sn, lines := replay(t, buf.Bytes())
	if int64(lines) != res.Events+res.Malformed || sn.Stats.Rejected != res.Malformed {
		t.Errorf("%d lines, %d rejected; result %+v", lines, sn.Stats.Rejected, res)
	}
	if sn.Stats.Lost == 0 || sn.Stats.Lost > res.Dropped {
		t.Errorf("lost %d of %d dropped", sn.Stats.Lost, res.Dropped)
	}
	if _, err := WriteEvents(&buf, OutConfig{}); err == nil || !strings.Contains(err.Error(), "number of events or a duration") {
		t.Errorf("no limit: %v", err)
	}
}

func TestMalformedMessagesAreRejected(t *testing.T) {
	t.Parallel()
	for _, m := range malformedMessages {
		if _, err := model.Decode(m); err == nil {
			t.Errorf("malformed message %s decodes", m)
		}
	}
}

func BenchmarkWriteEvents(b *testing.B) {
	var buf bytes.Buffer
	for b.Loop() {
		buf.Reset()
		if _, err := WriteEvents(&buf, OutConfig{Generator: synth.GeneratorConfig{Seed: 1}, Events: 10000}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(10000*b.N)/b.Elapsed().Seconds(), "events/s")
}
