package feed

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// got is what a test expects of one emitted message.
type got struct {
	line    int64
	data    string
	partial bool
	problem string // a substring of the problem; "" means none
}

// replayAll runs a replay of input to the end and returns what it emitted.
func replayAll(t *testing.T, input string, opts ReplayOptions) ([]Message, *Replay) {
	t.Helper()
	r := NewReplay("f.jsonl", strings.NewReader(input), int64(len(input)), opts)
	var msgs []Message
	if err := r.Run(context.Background(), func(m Message) { msgs = append(msgs, m) }); err != nil {
		t.Fatalf("Run: %v", err)
	}
	return msgs, r
}

func checkMessages(t *testing.T, msgs []Message, want []got) {
	t.Helper()
	if len(msgs) != len(want) {
		t.Fatalf("got %d messages, want %d: %+v", len(msgs), len(want), msgs)
	}
	for i, w := range want {
		m := msgs[i]
		if m.Origin.Line != w.line || m.Origin.Source != "f.jsonl" {
			t.Errorf("msg %d: origin %v, want f.jsonl:%d", i, m.Origin, w.line)
		}
		if string(m.Data) != w.data {
			t.Errorf("msg %d: data %q, want %q", i, trim(m.Data), trim([]byte(w.data)))
		}
		if m.Partial != w.partial {
			t.Errorf("msg %d: partial %v, want %v", i, m.Partial, w.partial)
		}
		if w.problem == "" && m.Problem != "" || !strings.Contains(m.Problem, w.problem) {
			t.Errorf("msg %d: problem %q, want %q", i, m.Problem, w.problem)
		}
		if m.Received.IsZero() {
			t.Errorf("msg %d: no receive time", i)
		}
	}
}

func trim(b []byte) []byte { return b[:min(len(b), 60)] }

func TestReplayLines(t *testing.T) {
	t.Parallel()
	big := `{"type":"X","params":[],"pad":"` + strings.Repeat("x", 100<<10) + `"}`
	huge := strings.Repeat("y", 200<<10)
	at64 := `{"type":"X","params":[],"pad":"` + strings.Repeat("z", 64-33) + `"}`
	tests := []struct {
		name  string
		input string
		max   int
		want  []got
	}{
		{"empty", "", 0, nil},
		{"only blank lines", "\n\r\n  \t \n\n", 0, nil},
		{"plain", "{\"a\":1}\n{\"b\":2}\n", 0, []got{{1, `{"a":1}`, false, ""}, {2, `{"b":2}`, false, ""}}},
		{"BOM stripped on line 1 only", "\xEF\xBB\xBF{\"a\":1}\n\xEF\xBB\xBF{\"b\":2}\n", 0,
			[]got{{1, `{"a":1}`, false, ""}, {2, "\xEF\xBB\xBF{\"b\":2}", false, ""}}},
		{"CRLF", "{\"a\":1}\r\n{\"b\":2}\r\n", 0, []got{{1, `{"a":1}`, false, ""}, {2, `{"b":2}`, false, ""}}},
		{"blank lines count", "\n{\"a\":1}\n   \n\r\n\t\n{\"b\":2}\n", 0,
			[]got{{2, `{"a":1}`, false, ""}, {6, `{"b":2}`, false, ""}}},
		{"truncated last line", "{\"a\":1}\n{\"b\":", 0, []got{{1, `{"a":1}`, false, ""}, {2, `{"b":`, true, ""}}},
		{"truncated last line with CR", "{\"a\":1}\n{\"b\":2}\r", 0,
			[]got{{1, `{"a":1}`, false, ""}, {2, `{"b":2}`, true, ""}}},
		{"not JSON is passed on", "hello\n", 0, []got{{1, "hello", false, ""}}},
		{"oversize line skipped, replay goes on", strings.Repeat("a", 100) + "\n{\"b\":2}\n", 64, []got{
			{1, strings.Repeat("a", 100), false, "line is 100 bytes, larger than the limit of 64 bytes (--max-message)"},
			{2, `{"b":2}`, false, ""}}},
		{"oversize CRLF line", strings.Repeat("a", 300) + "\r\n{\"b\":2}\r\n", 64, []got{
			{1, strings.Repeat("a", 200), false, "line is 300 bytes"}, {2, `{"b":2}`, false, ""}}},
		{"line at the limit", at64 + "\r\n" + at64 + "\n", 64, []got{{1, at64, false, ""}, {2, at64, false, ""}}},
		{"oversize line longer than the read buffer", "{}\n" + huge + "\n\n{\"c\":3}", 1000, []got{
			{1, `{}`, false, ""},
			{2, huge[:200], false, fmt.Sprintf("line is %d bytes, larger than the limit of 1000", len(huge))},
			{4, `{"c":3}`, true, ""}}},
		{"oversize truncated last line", "{}\n" + huge, 1000, []got{
			{1, `{}`, false, ""}, {2, huge[:200], true, "line is 204800 bytes"}}},
		{"long line within the limit", big + "\r\n" + big, 0,
			[]got{{1, big, false, ""}, {2, big, true, ""}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			msgs, r := replayAll(t, tc.input, ReplayOptions{MaxMessage: tc.max})
			checkMessages(t, msgs, tc.want)
			st := r.Status()
			if st.State != StateDone || st.Pos != int64(len(tc.input)) || st.Total != st.Pos {
				t.Errorf("status %s pos %d/%d, want done at %d", st.State, st.Pos, st.Total, len(tc.input))
			}
			if st.Messages != int64(len(tc.want)) {
				t.Errorf("status counts %d messages, want %d", st.Messages, len(tc.want))
			}
		})
	}
}

// TestReplayFixture replays a file with a BOM, CRLF endings, blank lines, a bad line and a truncated
// last line, as deskwatch FILE opens it.
func TestReplayFixture(t *testing.T) {
	t.Parallel()
	f, err := os.Open("testdata/replay_mixed.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	r := NewReplay("f.jsonl", f, fi.Size(), ReplayOptions{Speed: 0})
	var msgs []Message
	if err := r.Run(context.Background(), func(m Message) { msgs = append(msgs, m) }); err != nil {
		t.Fatal(err)
	}
	var lines []int64
	for _, m := range msgs {
		lines = append(lines, m.Origin.Line)
		if bytes.HasPrefix(m.Data, []byte(utf8BOM)) || bytes.HasSuffix(m.Data, []byte("\r")) {
			t.Errorf("line %d keeps a BOM or CR: %q", m.Origin.Line, m.Data)
		}
	}
	if fmt.Sprint(lines) != "[1 4 5 7 8]" || !msgs[4].Partial || msgs[3].Partial {
		t.Fatalf("lines %v, partial %v", lines, msgs[4].Partial)
	}
	st := r.Status()
	if st.Pos != fi.Size() || st.Total != fi.Size() || st.State != StateDone || st.Messages != 5 {
		t.Errorf("status %+v, want done at %d of %d with 5 messages", st, st.Pos, fi.Size())
	}
	// The truncated line's ts lost digits: the clock stays at line 7's.
	if want := time.UnixMilli(1700000002000); !r.Now().Equal(want) || !st.EventTime.Equal(want) {
		t.Errorf("Now %v, EventTime %v, want %v", r.Now(), st.EventTime, want)
	}
}

// TestReplayDataIsFresh checks that every message owns its bytes, across many buffer refills.
func TestReplayDataIsFresh(t *testing.T) {
	t.Parallel()
	var in strings.Builder
	for i := range 3000 {
		fmt.Fprintf(&in, `{"type":"X","n":%d,"params":[],"pad":"%s"}`+"\n", i, strings.Repeat("p", i%97))
	}
	msgs, _ := replayAll(t, in.String(), ReplayOptions{})
	for i, m := range msgs {
		want := fmt.Sprintf(`{"type":"X","n":%d,"params":[],"pad":"%s"}`, i, strings.Repeat("p", i%97))
		if string(m.Data) != want || m.Origin.Line != int64(i+1) {
			t.Fatalf("msg %d (line %d) = %q, want %q", i, m.Origin.Line, m.Data, want)
		}
	}
}

// events builds a JSON Lines input with one event at each of the given ts offsets (ms) from base.
func events(base int64, offsets ...int64) string {
	var b strings.Builder
	for i, o := range offsets {
		fmt.Fprintf(&b, `{"type":"ON_LOGOUT","seq":%d,"ts":%d,"params":[]}`+"\n", i, base+o)
	}
	return b.String()
}

const base = int64(1700000000000)

// timedRun runs r in the background, recording when each message was emitted.
type timedRun struct {
	mu    sync.Mutex
	times []time.Time
	msgs  []Message
	done  chan error
}

func startRun(ctx context.Context, r *Replay) *timedRun {
	tr := &timedRun{done: make(chan error, 1)}
	go func() {
		tr.done <- r.Run(ctx, func(m Message) {
			tr.mu.Lock()
			defer tr.mu.Unlock()
			tr.times = append(tr.times, time.Now())
			tr.msgs = append(tr.msgs, m)
		})
	}()
	return tr
}

func (tr *timedRun) count() int {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return len(tr.msgs)
}

// waitFor polls until cond holds or a generous deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(5 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func (tr *timedRun) wait(t *testing.T, within time.Duration) error {
	t.Helper()
	select {
	case err := <-tr.done:
		return err
	case <-time.After(within):
		t.Fatalf("replay did not finish within %v", within)
		return nil
	}
}

func TestReplayPacing(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		input    string
		speed    float64
		min, max time.Duration // bounds on the whole run
		clock    int64         // Now() at the end, ms after base
	}{
		// 4 gaps of 2 s at speed 100: 20 ms each.
		{"speed 100", events(base, 0, 2000, 4000, 6000, 8000), 100, 75 * time.Millisecond, time.Second, 8000},
		// Hour-long gaps at speed max: no waiting at all.
		{"speed max", events(base, 0, 3600e3, 7200e3, 10800e3), 0, 0, 50 * time.Millisecond, 10800e3},
		// A two-hour gap is capped at MaxGap (5 s) of event time: 50 ms at speed 100, not 72 s.
		{"gap capped", events(base, 0, 7200e3), 100, 45 * time.Millisecond, time.Second, 7200e3},
		// Lines without ts are not delayed; events going back in time are not waited for.
		{"no ts and backwards", events(base, 0) + "{\"type\":\"X\",\"params\":[]}\nnot json\n" +
			events(base, -60e3), 1, 0, 50 * time.Millisecond, -60e3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := NewReplay("f.jsonl", strings.NewReader(tc.input), 0, ReplayOptions{Speed: tc.speed})
			start := time.Now()
			tr := startRun(context.Background(), r)
			if err := tr.wait(t, 10*time.Second); err != nil {
				t.Fatal(err)
			}
			if el := time.Since(start); el < tc.min || el > tc.max {
				t.Errorf("replay took %v, want %v..%v", el, tc.min, tc.max)
			}
			if want := time.UnixMilli(base + tc.clock); !r.Now().Equal(want) {
				t.Errorf("Now() = %v after the end, want the last event time %v", r.Now(), want)
			}
			if tc.name == "speed 100" {
				for i := 1; i < len(tr.times); i++ {
					if gap := tr.times[i].Sub(tr.times[i-1]); gap < 15*time.Millisecond {
						t.Errorf("events %d and %d only %v apart, want ~20ms", i-1, i, gap)
					}
				}
			}
		})
	}
}

func TestReplayPauseBlocksEmission(t *testing.T) {
	t.Parallel()
	r := NewReplay("f.jsonl", strings.NewReader(events(base, 0, 1, 2)), 0, ReplayOptions{})
	r.TogglePause()
	tr := startRun(context.Background(), r)
	time.Sleep(50 * time.Millisecond)
	if n := tr.count(); n != 0 {
		t.Fatalf("paused replay emitted %d messages", n)
	}
	if st := r.Status(); st.State != StatePaused || !st.Paused {
		t.Errorf("status %q paused=%v, want paused", st.State, st.Paused)
	}
	r.TogglePause()
	if err := tr.wait(t, time.Second); err != nil || tr.count() != 3 {
		t.Fatalf("after resuming: err %v, %d messages, want 3", err, tr.count())
	}
}

func TestReplayPauseDuringWait(t *testing.T) {
	t.Parallel()
	// A 1 s gap at speed 10: 100 ms of waiting, paused after ~20 ms for 200 ms.
	r := NewReplay("f.jsonl", strings.NewReader(events(base, 0, 1000)), 0, ReplayOptions{Speed: 10})
	start := time.Now()
	tr := startRun(context.Background(), r)
	waitFor(t, "the first event", func() bool { return tr.count() == 1 })
	time.Sleep(20 * time.Millisecond)
	r.TogglePause()
	frozen := r.Now()
	time.Sleep(200 * time.Millisecond)
	if n := tr.count(); n != 1 {
		t.Fatalf("paused replay emitted %d messages, want 1", n)
	}
	if now := r.Now(); !now.Equal(frozen) {
		t.Errorf("clock moved while paused: %v -> %v", frozen, now)
	}
	if off := frozen.Sub(time.UnixMilli(base)); off < 100*time.Millisecond || off > 900*time.Millisecond {
		t.Errorf("clock paused %v after the first event, want ~200ms of event time", off)
	}
	r.TogglePause()
	if err := tr.wait(t, time.Second); err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el < 290*time.Millisecond {
		t.Errorf("replay took %v; the pause did not hold it up", el)
	}
}

func TestReplaySetSpeedDuringWait(t *testing.T) {
	t.Parallel()
	for _, speed := range []float64{0, 1000} {
		t.Run(fmt.Sprint(speed), func(t *testing.T) {
			t.Parallel()
			// A 4 s gap at speed 1; the speed changes after 50 ms.
			r := NewReplay("f.jsonl", strings.NewReader(events(base, 0, 4000)), 0, ReplayOptions{Speed: 1})
			tr := startRun(context.Background(), r)
			waitFor(t, "the first event", func() bool { return tr.count() == 1 })
			time.Sleep(50 * time.Millisecond)
			changed := time.Now()
			r.SetSpeed(speed)
			if err := tr.wait(t, 2*time.Second); err != nil {
				t.Fatal(err)
			}
			if d := tr.times[1].Sub(changed); d > 200*time.Millisecond {
				t.Errorf("second event %v after SetSpeed(%v), want at once", d, speed)
			}
			if st := r.Status(); st.Speed != speed {
				t.Errorf("status speed %v, want %v", st.Speed, speed)
			}
		})
	}
}

func TestReplayCancelDuringWait(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	r := NewReplay("f.jsonl", strings.NewReader(events(base, 0, 4000)), 0, ReplayOptions{Speed: 1})
	tr := startRun(ctx, r)
	waitFor(t, "the first event", func() bool { return tr.count() == 1 })
	time.Sleep(20 * time.Millisecond)
	cancel()
	if err := tr.wait(t, time.Second); !errors.Is(err, context.Canceled) {
		t.Fatalf("Run returned %v, want context.Canceled", err)
	}
	if tr.count() != 1 || r.Status().State != StateStopped {
		t.Errorf("%d messages, state %q; want 1, stopped", tr.count(), r.Status().State)
	}

	// Cancelling a paused replay also ends it.
	ctx, cancel = context.WithCancel(context.Background())
	r = NewReplay("f.jsonl", strings.NewReader(events(base, 0)), 0, ReplayOptions{})
	r.TogglePause()
	tr = startRun(ctx, r)
	time.Sleep(20 * time.Millisecond)
	cancel()
	if err := tr.wait(t, time.Second); !errors.Is(err, context.Canceled) {
		t.Fatalf("paused Run returned %v, want context.Canceled", err)
	}
}

func TestReplayNowTracksEventTime(t *testing.T) {
	t.Parallel()
	r := NewReplay("f.jsonl", strings.NewReader(events(base, 0, 4000)), 0, ReplayOptions{Speed: 1})
	if d := time.Since(r.Now()); d < 0 || d > time.Second {
		t.Errorf("before any event Now() is %v from the wall clock, want the wall clock", d)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tr := startRun(ctx, r)
	waitFor(t, "the first event", func() bool { return tr.count() == 1 })
	tr.mu.Lock()
	emitted, first := tr.times[0], tr.msgs[0]
	tr.mu.Unlock()
	if m := first; !m.Received.Equal(time.UnixMilli(base)) && m.Received.Sub(time.UnixMilli(base)) > 50*time.Millisecond {
		t.Errorf("first message received at %v, want its event time", m.Received)
	}
	var prev time.Time
	for range 5 {
		time.Sleep(40 * time.Millisecond)
		now := r.Now()
		off := now.Sub(time.UnixMilli(base))
		real := time.Since(emitted)
		if off < 0 || off > 4*time.Second || off > real+20*time.Millisecond || off < real-150*time.Millisecond {
			t.Errorf("Now() is %v past the first event after %v of real time", off, real)
		}
		if now.Before(prev) {
			t.Errorf("clock went back: %v -> %v", prev, now)
		}
		prev = now
		if st := r.Status(); st.EventTime.Before(now) {
			t.Errorf("status event time %v behind Now() %v", st.EventTime, now)
		}
	}
}

func TestReplayFromPipe(t *testing.T) {
	t.Parallel()
	pr, pw := io.Pipe()
	r := NewReplay("-", pr, 0, ReplayOptions{})
	tr := startRun(context.Background(), r)
	input := events(base, 0, 10, 20)
	var written int64
	for _, l := range strings.SplitAfter(input, "\n") {
		if l == "" {
			continue
		}
		// Write each line in two pieces, so lines arrive split across reads.
		half := len(l) / 2
		for _, part := range []string{l[:half], l[half:]} {
			if _, err := io.WriteString(pw, part); err != nil {
				t.Fatal(err)
			}
			written += int64(len(part))
			time.Sleep(2 * time.Millisecond)
		}
		if st := r.Status(); st.Total != 0 || st.State != StateReplaying {
			t.Errorf("while reading a pipe: total %d state %q, want 0 and replaying", st.Total, st.State)
		}
	}
	pw.Close()
	if err := tr.wait(t, time.Second); err != nil {
		t.Fatal(err)
	}
	st := r.Status()
	if tr.count() != 3 || st.Pos != written || st.Total != written || st.State != StateDone {
		t.Errorf("%d messages, status %+v; want 3 and pos = total = %d", tr.count(), st, written)
	}
	if tr.msgs[0].Origin.String() != "stdin:1" {
		t.Errorf("origin %q, want stdin:1", tr.msgs[0].Origin)
	}
}

func TestReplayReadError(t *testing.T) {
	t.Parallel()
	boom := errors.New("disk on fire")
	r := NewReplay("f.jsonl", io.MultiReader(strings.NewReader("{}\n"), errReader{boom}), 0, ReplayOptions{})
	n := 0
	err := r.Run(context.Background(), func(Message) { n++ })
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "f.jsonl") || n != 1 {
		t.Fatalf("Run = %v after %d messages, want the read error naming the file after 1", err, n)
	}
	if st := r.Status(); st.State != StateFailed || !strings.Contains(st.Detail, "disk on fire") {
		t.Errorf("status %q %q, want failed with the reason", st.State, st.Detail)
	}
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// TestReplayControlsAreRaceFree calls every control and reader while a paced replay runs; run with
// -race.
func TestReplayControlsAreRaceFree(t *testing.T) {
	t.Parallel()
	offs := make([]int64, 200)
	for i := range offs {
		offs[i] = int64(i) * 10
	}
	r := NewReplay("f.jsonl", strings.NewReader(events(base, offs...)), 0, ReplayOptions{Speed: 50})
	tr := startRun(context.Background(), r)
	deadline := time.Now().Add(10 * time.Second)
	for i := 0; ; i++ {
		if time.Now().After(deadline) {
			t.Fatalf("replay stuck after %d messages", tr.count())
		}
		select {
		case err := <-tr.done:
			if err != nil || tr.count() != len(offs) {
				t.Fatalf("err %v, %d messages", err, tr.count())
			}
			return
		default:
		}
		_, _ = r.Status(), r.Now()
		switch i % 4 {
		case 0:
			r.SetSpeed(float64(100 + i%500))
		case 1, 2:
			r.TogglePause()
		}
		time.Sleep(time.Millisecond)
	}
}

func BenchmarkReplayMax(b *testing.B) {
	g := NewGenerator(GeneratorConfig{Seed: 1, Agents: 20, Rate: 100, Start: time.UnixMilli(base)})
	var in bytes.Buffer
	const lines = 100_000
	for range lines {
		data, _ := g.Next()
		in.Write(data)
		in.WriteByte('\n')
	}
	data := in.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		r := NewReplay("bench", bytes.NewReader(data), int64(len(data)), ReplayOptions{Speed: 0})
		if err := r.Run(context.Background(), func(Message) {}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(lines)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
