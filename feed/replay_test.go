package feed

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/internal/synth"
	"github.com/deskwatch/deskwatch/model"
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
	if err := r.Run(context.Background(), keepAll(&msgs)); err != nil {
		t.Fatalf("Run: %v", err)
	}
	return msgs, r
}

// keepAll collects every message emitted, with a copy of its bytes (valid only during emit).
func keepAll(msgs *[]Message) Emit {
	return func(m Message) {
		m.Data = bytes.Clone(m.Data)
		*msgs = append(*msgs, m)
	}
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
	if err := r.Run(context.Background(), keepAll(&msgs)); err != nil {
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

// BenchmarkReplayMax replays 100,000 generated events from memory at --speed max through the pump
// into a store: the file-replay throughput to compare with BenchmarkWebSocketIngest (the same
// generator, the same store), without the disk.
func BenchmarkReplayMax(b *testing.B) {
	g := synth.NewGenerator(synth.GeneratorConfig{Seed: 1, Agents: 20, Rate: 100, Start: time.UnixMilli(base)})
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
		store := model.NewStore()
		if err := r.Run(context.Background(), NewPump(store, nil).Handle); err != nil {
			b.Fatal(err)
		}
		if st := store.Snapshot().Stats; st.Events != lines {
			b.Fatalf("%d events applied, %d rejected", st.Events, st.Rejected)
		}
	}
	b.ReportMetric(float64(lines)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

func TestReplayUnwrapsBadRecordings(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("x", 300)
	tests := []struct {
		name, line, data, problem string
		partial                   bool
	}{
		{"garbage", `{"deskwatch.recorded":1,"raw":`, `{"deskwatch.recorded":1,"raw":`,
			"truncated last line (no line ending): unreadable recording line", true},
		{"unknown version", `{"deskwatch.recorded":2,"raw":"x"}` + "\n", `{"deskwatch.recorded":2,"raw":"x"}`,
			"recording format version 2 is not supported", false},
		{"no raw", ` { "deskwatch.recorded" : 1 }` + "\n", ` { "deskwatch.recorded" : 1 }`,
			`neither "raw" nor "raw_b64"`, false},
		{"raw over the limit", `{"deskwatch.recorded":1,"raw":"` + big + `"}` + "\n", big[:200],
			"message is 300 bytes, larger than the limit of 100 bytes", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			msgs, _ := replayAll(t, tc.line, ReplayOptions{MaxMessage: 100})
			checkMessages(t, msgs, []got{{1, tc.data, tc.partial, tc.problem}})
		})
	}
}

func TestReplayPacesWrappedByReceiveTime(t *testing.T) {
	t.Parallel()
	// Two messages without ts, received 2 s apart, replayed at speed 100: ~20 ms.
	in := `{"deskwatch.recorded":1,"recv":1700000000000,"conn":1,"msg":1,"raw":"x"}` + "\n" +
		`{"deskwatch.recorded":1,"recv":1700000002000,"conn":1,"msg":2,"raw":"y"}` + "\n"
	start := time.Now()
	msgs, r := replayAll(t, in, ReplayOptions{Speed: 100})
	if el := time.Since(start); el < 15*time.Millisecond || el > time.Second {
		t.Errorf("took %v, want ~20ms", el)
	}
	if len(msgs) != 2 || !msgs[1].Received.Equal(time.UnixMilli(base+2000)) || !r.Now().Equal(time.UnixMilli(base+2000)) {
		t.Errorf("messages %+v, clock %v", msgs, r.Now())
	}
}
