package feed

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/deskwatch/deskwatch/internal/e2e"
	"github.com/deskwatch/deskwatch/model"
)

// badInputCorpus is the repo's bad-input corpus (testdata/hostile) and the feed's and the command's
// test files, each as it is, and all of them run together as one file.
func badInputCorpus(t *testing.T) map[string][]byte {
	t.Helper()
	var paths []string
	for _, pat := range []string{"../testdata/hostile/*.jsonl", "testdata/*.jsonl", "../cmd/testdata/*.jsonl"} {
		m, err := filepath.Glob(pat)
		if err != nil {
			t.Fatal(err)
		}
		paths = append(paths, m...)
	}
	if len(paths) < 7 {
		t.Fatalf("the corpus has %d files: %v", len(paths), paths)
	}
	files := map[string][]byte{}
	var all []byte
	for _, p := range paths {
		b := e2e.ReadFile(t, p)
		files[filepath.Base(p)] = b
		all = append(all, b...)
	}
	files["all.jsonl"] = all
	return files
}

// replayed is what a replay made of its input: the store, and every report the pump made, in order.
type replayed struct {
	snap    *model.Snapshot
	reports []string
	panics  []string
	emitted int
	undec   []int64 // lines handed to the pump undecoded
}

// replayCorpus replays data named name with workers decoders, through the pump into a store, with
// both clocks standing still so that two runs are comparable. decodeFn, when set, replaces the
// replay's decoder; hook, when set, is the pump's.
func replayCorpus(t *testing.T, name string, in io.Reader, workers int, decodeFn func([]byte) (model.Event, error),
	hook func(model.Event)) replayed {
	t.Helper()
	wall := func() time.Time { return time.UnixMilli(1800000000000) }
	store := model.NewStore(model.WithWallClock(wall))
	p := NewPump(store, nil)
	p.hook = hook
	var out replayed
	p.OnReject(func(o model.Origin, reason string) { out.reports = append(out.reports, o.String()+": "+reason) })
	p.OnPanic(func(o model.Origin, v any, _ []byte) { out.panics = append(out.panics, fmt.Sprint(o, v)) })
	r := NewReplay(name, in, 0, ReplayOptions{Workers: workers})
	r.wall = wall
	if decodeFn != nil {
		r.decodeFn = decodeFn
	}
	err := r.Run(t.Context(), func(m Message) {
		out.emitted++
		if m.decoded == nil && m.Problem == "" {
			out.undec = append(out.undec, m.Origin.Line)
		}
		p.Handle(m)
	})
	if err != nil {
		t.Fatalf("%s with %d workers: %v", name, workers, err)
	}
	out.snap = store.Snapshot()
	return out
}

// TestReplayAheadMatchesSequential checks that decoding ahead on several workers gives exactly what
// the sequential replay gives on the bad-input corpus: the same store (rows, agents, counts,
// rejected and alert logs), the same rejection and warning reports at the same FILE:LINE origins in
// the same order, read whole or in pieces (one line a batch), with a decoder that panics on some
// lines (left to the pump, which decodes them again) and with a pump that panics on some events
// (located internal errors).
func TestReplayAheadMatchesSequential(t *testing.T) {
	t.Parallel()
	panicky := func(data []byte) (model.Event, error) {
		if bytes.Contains(data, []byte(`"ts":1700000000001`)) || bytes.Contains(data, []byte("h.acker")) {
			panic("decoder bug")
		}
		return model.Decode(data)
	}
	hook := func(ev model.Event) {
		if ev.AgentID == "b.smith" || ev.AgentID == "u.tf" {
			panic("apply bug")
		}
	}
	readers := map[string]func([]byte) io.Reader{
		"whole":    func(b []byte) io.Reader { return bytes.NewReader(b) },
		"one byte": func(b []byte) io.Reader { return iotest.OneByteReader(bytes.NewReader(b)) },
		"halves":   func(b []byte) io.Reader { return iotest.HalfReader(bytes.NewReader(b)) },
	}
	for name, data := range badInputCorpus(t) {
		for rname, rd := range readers {
			for _, bug := range []string{"", "decode panics", "apply panics"} {
				var dec func([]byte) (model.Event, error)
				var hk func(model.Event)
				switch bug {
				case "decode panics":
					dec = panicky
				case "apply panics":
					hk = hook
				}
				seq := replayCorpus(t, name, rd(data), 1, dec, hk)
				par := replayCorpus(t, name, rd(data), 4, dec, hk)
				what := fmt.Sprintf("%s read %s, %s", name, rname, bug)
				compareReplayed(t, what, seq, par)
			}
		}
	}
}

func compareReplayed(t *testing.T, what string, seq, par replayed) {
	t.Helper()
	st := seq.snap.Stats
	if seq.emitted == 0 || strings.HasPrefix(what, "all.jsonl") && (st.Rejected < 20 || st.Warnings == 0) {
		t.Errorf("%s: %d messages, %d rejected, %d warnings: not the corpus expected", what, seq.emitted,
			st.Rejected, st.Warnings)
	}
	if seq.emitted != par.emitted || !reflect.DeepEqual(seq.undec, par.undec) {
		t.Errorf("%s: %d messages (undecoded %v) in turn, %d (undecoded %v) ahead", what, seq.emitted, seq.undec,
			par.emitted, par.undec)
	}
	if !reflect.DeepEqual(seq.reports, par.reports) || !reflect.DeepEqual(seq.panics, par.panics) {
		t.Errorf("%s: reports differ\nin turn:\n%s\n%s\nahead:\n%s\n%s", what, strings.Join(seq.reports, "\n"),
			strings.Join(seq.panics, "\n"), strings.Join(par.reports, "\n"), strings.Join(par.panics, "\n"))
	}
	if !reflect.DeepEqual(seq.snap, par.snap) {
		t.Errorf("%s: stores differ\nin turn: %+v\nahead:   %+v", what, seq.snap.Stats, par.snap.Stats)
	}
}

// TestReplayAheadStopsAndFails checks the read-ahead's ends: a read error after some lines is
// reported at the next line once those lines are emitted, and a cancelled replay returns without
// waiting for a read blocked on a pipe.
func TestReplayAheadStopsAndFails(t *testing.T) {
	t.Parallel()
	boom := errors.New("disk on fire")
	r := NewReplay("f.jsonl", io.MultiReader(strings.NewReader(events(base, 0, 10)), errReader{boom}), 0,
		ReplayOptions{Workers: 3})
	n := 0
	err := r.Run(context.Background(), func(Message) { n++ })
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "f.jsonl: read line 3") || n != 2 {
		t.Errorf("Run = %v after %d messages, want the read error at line 3 after 2", err, n)
	}
	pr, pw := io.Pipe()
	defer pw.Close()
	ctx, cancel := context.WithCancel(context.Background())
	r = NewReplay("-", pr, 0, ReplayOptions{Workers: 3})
	got := make(chan Message, 1)
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx, func(m Message) { got <- m }) }()
	if _, err := io.WriteString(pw, events(base, 0)); err != nil {
		t.Fatal(err)
	}
	select { // a line the pipe holds whole is emitted without waiting for more
	case m := <-got:
		if m.Origin.Line != 1 {
			t.Errorf("emitted line %d, want 1", m.Origin.Line)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the pipe's first line was not emitted")
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) || r.Status().State != StateStopped {
			t.Errorf("Run = %v, state %s; want canceled, stopped", err, r.Status().State)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a cancelled replay waited for its pipe")
	}
}

// TestReadAheadAllocatesNothingPerLine checks that reading lines into a batch reuses the batch's
// room: once it has grown, filling it again allocates nothing, however many lines it holds.
func TestReadAheadAllocatesNothingPerLine(t *testing.T) {
	input := strings.Repeat(events(base, 0, 10, 20, 30), aheadLines)
	src := strings.NewReader(input)
	r := NewReplay("f.jsonl", src, 0, ReplayOptions{Workers: 2})
	lr := r.newLineReader()
	var b aheadBatch
	b.fill(lr) // grows text and lines
	allocs := testing.AllocsPerRun(20, func() {
		src.Reset(input)
		lr.br.Reset(src)
		if last := b.fill(lr); last || len(b.lines) != aheadLines {
			t.Fatalf("batch of %d lines, last %v; want %d", len(b.lines), last, aheadLines)
		}
	})
	if allocs != 0 {
		t.Errorf("%.0f allocations to read %d lines, want none", allocs, aheadLines)
	}
}

// TestReplayHandsDecodedEvent checks that the replay decodes each plain event line once, paces it by
// the decoded ts (or, for a line Decode rejects, by what PeekTS reads of it), and hands the pump the
// same answer Decode gives for the message's Data.
func TestReplayHandsDecodedEvent(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, text string
		at         time.Time
		wantErr    bool
	}{
		{"valid", `{"type":"ON_LOGOUT","agentId":"a1","ts":1700000000000,"seq":1,"params":[]}`,
			time.UnixMilli(1700000000000), false},
		{"valid without ts", `{"type":"ON_LOGOUT","agentId":"a1","params":[]}`, time.Time{}, false},
		{"repaired", "{\"type\":\"ON_LOGOUT\",\"agentId\":\"a\xff\",\"ts\":1700000000001,\"params\":[]}",
			time.UnixMilli(1700000000001), false},
		{"rejected with a ts", `{"type":"ON_LOGOUT","agentId":"a1","ts":1700000000002,"params":{}}`,
			time.UnixMilli(1700000000002), true},
		{"rejected, not JSON", `{"ts":1700000000003, nonsense`, time.UnixMilli(1700000000003), true},
	}
	for _, tc := range cases {
		r := NewReplay("f.jsonl", strings.NewReader(""), 0, ReplayOptions{})
		ln := line{text: []byte(tc.text), size: int64(len(tc.text)) + 1, length: int64(len(tc.text))}
		m, at, kind := r.message(ln, 1, &r.dec)
		if kind != lineMessage {
			t.Fatalf("%s: kind %v", tc.name, kind)
		}
		if !at.Equal(tc.at) || !at.Equal(model.PeekTS(m.Data)) {
			t.Errorf("%s: paced at %v, want %v (PeekTS %v)", tc.name, at, tc.at, model.PeekTS(m.Data))
		}
		if m.decoded == nil {
			t.Fatalf("%s: no decoded event handed over", tc.name)
		}
		ev, err := model.Decode(m.Data)
		if (err != nil) != tc.wantErr || !reflect.DeepEqual(err, m.decoded.err) || !reflect.DeepEqual(ev, m.decoded.ev) {
			t.Errorf("%s: handed %+v, %v; Decode gives %+v, %v", tc.name, m.decoded.ev, m.decoded.err, ev, err)
		}
	}
}

// TestPumpAppliesHandedEvent checks that the pump applies (or rejects) a replayed message as it
// would the same message from another source, which it decodes itself.
func TestPumpAppliesHandedEvent(t *testing.T) {
	t.Parallel()
	input := events(base, 0, 10, 20) + `{"type":"ON_LOGOUT","ts":1700000000030,"params":{}}` + "\n" +
		"{\"type\":\"ON_LOGOUT\",\"agentId\":\"a\xff\",\"ts\":1700000000040,\"params\":[]}\n"
	replayed := model.NewStore()
	if err := NewReplay("f.jsonl", strings.NewReader(input), 0, ReplayOptions{}).Run(t.Context(),
		NewPump(replayed, nil).Handle); err != nil {
		t.Fatal(err)
	}
	direct := model.NewStore()
	p := NewPump(direct, nil)
	for i, l := range strings.Split(strings.TrimSuffix(input, "\n"), "\n") {
		p.Handle(Message{Data: []byte(l), Origin: model.Origin{Source: "f.jsonl", Line: int64(i + 1)},
			Received: time.UnixMilli(base)})
	}
	a, b := replayed.Snapshot().Stats, direct.Snapshot().Stats
	if a.Events != 4 || a.Rejected != 1 || a.Warnings != 1 || a.Events != b.Events || a.Rejected != b.Rejected ||
		a.Warnings != b.Warnings {
		t.Errorf("replayed: %d events, %d rejected, %d warnings; direct: %d, %d, %d; want 4, 1, 1",
			a.Events, a.Rejected, a.Warnings, b.Events, b.Rejected, b.Warnings)
	}
}

// TestReplayDecodePanicLeavesItToPump checks that a panic while the replay decodes a line (a bug)
// does not stop the replay: the message goes to the pump undecoded, paced by PeekTS, and the pump
// decodes it under its guard.
func TestReplayDecodePanicLeavesItToPump(t *testing.T) {
	t.Parallel()
	buggy := func(data []byte) (model.Event, error) {
		if strings.Contains(string(data), `"seq":1`) {
			panic("decoder bug")
		}
		return model.Decode(data)
	}
	r := NewReplay("f.jsonl", strings.NewReader(""), 0, ReplayOptions{})
	r.decodeFn = buggy
	text := `{"type":"ON_LOGOUT","seq":1,"ts":1700000000010,"params":[]}`
	m, at, _ := r.message(line{text: []byte(text), size: int64(len(text)) + 1, length: int64(len(text))}, 1, &r.dec)
	if m.decoded != nil || !at.Equal(time.UnixMilli(1700000000010)) {
		t.Errorf("after a panic: decoded %v, paced at %v; want none, the ts", m.decoded, at)
	}
	store := model.NewStore()
	r = NewReplay("f.jsonl", strings.NewReader(events(base, 0, 10, 20)), 0, ReplayOptions{})
	r.decodeFn = buggy
	if err := r.Run(t.Context(), NewPump(store, nil).Handle); err != nil {
		t.Fatal(err)
	}
	if st := store.Snapshot().Stats; st.Events != 3 || st.Rejected != 0 {
		t.Errorf("%d events, %d rejected; want 3, 0", st.Events, st.Rejected)
	}
}
