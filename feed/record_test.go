package feed

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/internal/e2e"
	"github.com/deskwatch/deskwatch/internal/synth"
	"github.com/deskwatch/deskwatch/model"
)

// liveMessages is a WebSocket-like session: the generator's stream with every kind of bad message
// mixed in, each stamped with a connection, message number and receive time (ms precision, as
// recorded).
func liveMessages() []Message {
	g := synth.NewGenerator(synth.GeneratorConfig{Seed: 7, Agents: 4, Rate: 50, Start: time.UnixMilli(base)})
	var datas [][]byte
	datas = append(datas, g.Presence()...)
	datas = append(datas, g.Snapshots()...)
	for range 400 {
		d, _ := g.Next()
		datas = append(datas, d)
	}
	bad := []Message{
		{Data: []byte("\xEF\xBB\xBF" + string(datas[0]))}, // a BOM: not JSON over a socket
		{Data: []byte("this is not json")},
		{Data: []byte(`{"type":"ON_NEW_INTERACTION","ts":1700000001000,"params":[{"interactionId":5}]}`)},
		{Data: []byte(`{"params":[]}`)},
		{Data: []byte(`{"type":"ON_AGENT_STATE_CHANGE","agentId":"no-ts","params":["busy"]}`)},
		{Data: []byte{0xff, 0x00, 0x01, '\n'}, Binary: true, Problem: "binary frame (4 bytes); events are text"},
		{Data: []byte(`{"type":"ON_LOGOUT","params":[]}`), Binary: true, Problem: "binary frame (32 bytes); events are text"},
		{Data: bytes.Repeat([]byte("x"), 200), Size: 2000000, Problem: "message too large (2000000 bytes; limit 1048576, --max-message)"},
		{Data: []byte(`{"type":"ON_LOGIN","agentId":"big","params":[{"isLoggedIn":true}],"pad":"` +
			strings.Repeat("é\u0001", 300000) + `"}`), Problem: "message too large (1500045 bytes; limit 1048576, --max-message)"},
		{Data: []byte(`{"recv":"mine","type":"ON_LOGOUT","agentId":"own-recv","params":[]}`)},
		{Data: []byte(`{"recv":5,"type":"ON_LOGOUT","agentId":"own-recv-number","params":[]}`)},
		{Data: []byte(`{}`)},
		{Data: []byte(`{ }`)},
		{Data: []byte(`{"type":"ON_LOGOUT","agentId":"dup","agentId":"dup2","params":[]}`)},
		{Data: []byte(`{"type":"ON_LOGOUT","params":[]} trailing`)},
		{Data: []byte(`{"type":"ON_LOGOUT","agentId":"spaced" , "params":[] }`)},
		{Data: []byte("{\n\"type\":\"ON_AGENT_STATE_CHANGE\",\"agentId\":\"multi\",\"ts\":1700000002000,\n\"params\":[\"ready\"]}")},
		{Data: []byte(`{"type":"ON_LOGOUT","agentId":"cr","ts":1700000003000,"params":[]}` + "\r")},
		{Data: []byte(`{"deskwatch.recorded":1,"raw":"{}"}`)},
		{Data: []byte("\xff\xfe not UTF-8")},
		{Data: []byte{}},
		{Data: []byte("   ")},
		{Data: []byte(`{"type":"ON_AGENT_STATE_CHANGE","agentId":"u","ts":1700000004000,"params":["\xff"]}`)},
		{Data: []byte(`{"type":"ON_AGENT_STATE_CHANGE","agentId":"esc","ts":0,"params":["not_ready","\u001b]52;x\u0007"]}`)},
	}
	var msgs []Message
	for i, d := range datas {
		msgs = append(msgs, Message{Data: d})
		if i%30 == 5 && len(bad) > 0 {
			msgs = append(msgs, bad[0])
			bad = bad[1:]
		}
	}
	msgs = append(msgs, bad...)
	for i := range msgs {
		msgs[i].Origin = model.Origin{Source: "ws://bridge/feed", Conn: int64(1 + i/200), Msg: int64(1 + i%200)}
		msgs[i].Received = time.UnixMilli(base + int64(i)*37)
	}
	return msgs
}

func newTestStore() *model.Store {
	wall := time.UnixMilli(base)
	return model.NewStore(model.WithWallClock(func() time.Time { return wall }))
}

// newTestRecorder opens a recorder on rec.jsonl in a new temporary directory.
func newTestRecorder(t *testing.T) (*Recorder, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "rec.jsonl")
	rec, err := NewRecorder(path)
	if err != nil {
		t.Fatal(err)
	}
	return rec, path
}

// TestRecorderRoundTrip records a live session with good and bad messages of every kind and replays
// the recording: the store must end up the same, with the same rejections for the same reasons.
func TestRecorderRoundTrip(t *testing.T) {
	t.Parallel()
	rec, path := newTestRecorder(t)
	live := newTestStore()
	pump := NewPump(live, nil)
	pump.Tap(rec.Record)
	msgs := liveMessages()
	for _, m := range msgs {
		pump.Handle(m)
	}
	end := msgs[len(msgs)-1].Received.Add(7 * time.Second)
	if err := rec.CloseAt(end); err != nil {
		t.Fatal(err)
	}

	replayed := newTestStore()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := NewReplay(path, f, 0, ReplayOptions{Speed: 0})
	rpump := NewPump(replayed, nil)
	var back []Message
	if err := r.Run(context.Background(), func(m Message) { rpump.Handle(m); m.Data = bytes.Clone(m.Data); back = append(back, m) }); err != nil {
		t.Fatal(err)
	}
	if st := r.Status(); st.Messages != int64(len(msgs)) || len(back) != len(msgs) {
		t.Fatalf("replayed %d messages, recorded %d", st.Messages, len(msgs))
	}
	if !r.Now().Equal(end) {
		t.Errorf("the replay clock ends at %v, want the recording's end %v", r.Now(), end)
	}
	sameMessages(t, msgs, back)
	sameStores(t, path, live.Snapshot(), replayed.Snapshot())
}

// sameMessages checks that every message comes back byte for byte, with its receive time and what
// the source knew of it.
func sameMessages(t *testing.T, recorded, back []Message) {
	t.Helper()
	for i, m := range recorded {
		b := back[i]
		if !bytes.Equal(b.Data, m.Data) || !b.Received.Equal(m.Received) || b.Problem != replayedProblem(m) ||
			b.Binary != m.Binary || b.Size != m.Size {
			t.Errorf("message %d: recorded %.80q recv %v %q binary %v size %d\nreplayed %.80q recv %v %q binary %v size %d",
				i, m.Data, m.Received, m.Problem, m.Binary, m.Size, b.Data, b.Received, b.Problem, b.Binary, b.Size)
		}
	}
}

// sameStores compares the live store with the replayed one: stats, rows, agents, alerts, and the
// rejections with their reasons, raw bytes and origins (the replayed ones name path and line).
func sameStores(t *testing.T, path string, a, b *model.Snapshot) {
	t.Helper()
	if a.Stats.Rejected < 10 || a.Stats.Events < 400 {
		t.Fatalf("the session should mix good and bad: %+v", a.Stats)
	}
	if !reflect.DeepEqual(a.Stats, b.Stats) {
		t.Errorf("stats differ:\nlive   %+v\nreplay %+v", a.Stats, b.Stats)
	}
	if len(a.Rows) != len(b.Rows) {
		t.Fatalf("%d rows live, %d replayed", len(a.Rows), len(b.Rows))
	}
	for i := range a.Rows {
		if !reflect.DeepEqual(*a.Rows[i], *b.Rows[i]) {
			t.Errorf("row %d differs:\nlive   %+v\nreplay %+v", i, *a.Rows[i], *b.Rows[i])
		}
	}
	for i := range a.Agents {
		if !reflect.DeepEqual(*a.Agents[i], *b.Agents[i]) {
			t.Errorf("agent %d differs:\nlive   %+v\nreplay %+v", i, *a.Agents[i], *b.Agents[i])
		}
	}
	if !reflect.DeepEqual(a.Alerts, b.Alerts) {
		t.Errorf("alerts differ")
	}
	if len(a.Rejections) != len(b.Rejections) {
		t.Fatalf("%d rejections live, %d replayed", len(a.Rejections), len(b.Rejections))
	}
	for i, ra := range a.Rejections {
		rb := b.Rejections[i]
		// A message of which only the beginning was recorded is rejected saying so.
		if reason, _, _ := strings.Cut(rb.Reason, " [truncated in the recording"); ra.Reason != reason ||
			!bytes.Equal(ra.Raw, rb.Raw) {
			t.Errorf("rejection %d: live %q %q, replayed %q %q", i, ra.Reason, ra.Raw, rb.Reason, rb.Raw)
		}
		// Wrapped messages keep their connection, message number and receive time; every
		// replayed rejection names the recording's file and line.
		if rb.Origin.Conn != 0 && (rb.Origin.Conn != ra.Origin.Conn || rb.Origin.Msg != ra.Origin.Msg ||
			!rb.At.Equal(ra.At)) {
			t.Errorf("rejection %d: live %v at %v, replayed %+v at %v", i, ra.Origin, ra.At, rb.Origin, rb.At)
		}
		if want := path + ":" + strconv.FormatInt(rb.Origin.Line, 10); rb.Origin.String() != want || rb.Origin.Line == 0 {
			t.Errorf("rejection %d names %q, want FILE:LINE", i, rb.Origin)
		}
	}
}

// TestRecorderCleanTrafficIsAnEventFile checks that valid events are written as received with only
// their receive time added, so that the recording decodes to the same events.
func TestRecorderCleanTrafficIsAnEventFile(t *testing.T) {
	t.Parallel()
	rec, path := newTestRecorder(t)
	g := synth.NewGenerator(synth.GeneratorConfig{Seed: 3, Start: time.UnixMilli(base)})
	var want bytes.Buffer
	var sent [][]byte
	for i := range 2000 { // more than the write buffer holds
		d, _ := g.Next()
		recv := time.UnixMilli(base + 5000 + int64(i))
		rec.Record(Message{Data: d, Received: recv.Add(999 * time.Microsecond)})
		fmt.Fprintf(&want, `{"recv":%d,%s`+"\n", recv.UnixMilli(), d[1:])
		sent = append(sent, d)
	}
	if err := rec.CloseAt(time.UnixMilli(base + 9000)); err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&want, `{"deskwatch.recorded":1,"recv":%d,"end":true}`+"\n", base+9000)
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Fatalf("recording of clean traffic is not the traffic with its receive times (%d vs %d bytes)",
			len(got), want.Len())
	}
	// It is an event file: each line decodes to the event that was sent.
	events := bytes.Split(bytes.TrimSuffix(got, []byte("\n")), []byte("\n"))
	for i, l := range events[:len(events)-1] { // all but the end line
		a, errA := model.Decode(l)
		b, errB := model.Decode(sent[i])
		if errA != nil || errB != nil || !reflect.DeepEqual(a, b) {
			t.Fatalf("line %d decodes to %+v (%v), the event sent to %+v (%v)", i+1, a, errA, b, errB)
		}
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Errorf("recording mode %v, want 0600", perm)
	}
}

func TestRecorderWrapperFormat(t *testing.T) {
	t.Parallel()
	recv := time.UnixMilli(1700000000123)
	tests := []struct {
		name string
		m    Message
		want string
	}{
		{"not JSON", Message{Data: []byte("not json"), Received: recv, Origin: model.Origin{Conn: 2, Msg: 17}},
			`{"deskwatch.recorded":1,"recv":1700000000123,"conn":2,"msg":17,"raw":"not json"}`},
		{"problem", Message{Data: []byte(`a"b\`), Received: recv, Problem: "too big"},
			`{"deskwatch.recorded":1,"recv":1700000000123,"conn":0,"msg":0,"raw":"a\"b\\","problem":"too big"}`},
		{"invalid UTF-8", Message{Data: []byte{0xff, 0, 1}, Received: recv, Origin: model.Origin{Conn: 1, Msg: 1}},
			`{"deskwatch.recorded":1,"recv":1700000000123,"conn":1,"msg":1,"raw_b64":"/wAB"}`},
		{"binary frame", Message{Data: []byte("{}"), Binary: true, Problem: "binary", Received: recv,
			Origin: model.Origin{Conn: 1, Msg: 2}},
			`{"deskwatch.recorded":1,"recv":1700000000123,"conn":1,"msg":2,"raw_b64":"e30=","binary":true,"problem":"binary"}`},
		{"oversized, cut", Message{Data: []byte("abc"), Size: 99, Problem: "too large", Received: recv},
			`{"deskwatch.recorded":1,"recv":1700000000123,"conn":0,"msg":0,"raw":"abc","size":99,"problem":"too large"}`},
		{"its own recv", Message{Data: []byte(`{"recv":1,"type":"ON_LOGOUT","params":[]}`), Received: recv},
			`{"deskwatch.recorded":1,"recv":1700000000123,"conn":0,"msg":0,"raw":"{\"recv\":1,\"type\":\"ON_LOGOUT\",\"params\":[]}"}`},
		{"empty object", Message{Data: []byte(`{}`), Received: recv}, `{"recv":1700000000123}`},
		{"file line, partial", Message{Data: []byte(`{"type":`), Origin: model.Origin{Source: "f", Line: 9}, Partial: true},
			`{"deskwatch.recorded":1,"recv":0,"conn":0,"msg":0,"line":9,"raw":"{\"type\":","partial":true}`},
		{"no ts", Message{Data: []byte(`{"type":"ON_LOGOUT","params":[]}`), Received: recv},
			`{"recv":1700000000123,"type":"ON_LOGOUT","params":[]}`},
		{"control characters", Message{Data: []byte("a\x1b[2J\nb"), Received: recv},
			`{"deskwatch.recorded":1,"recv":1700000000123,"conn":0,"msg":0,"raw":"a\u001b[2J\nb"}`},
		{"plain", Message{Data: []byte(`{"type":"ON_LOGOUT","ts":5,"params":[]}`), Received: recv},
			`{"recv":1700000000123,"type":"ON_LOGOUT","ts":5,"params":[]}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec, path := newTestRecorder(t)
			rec.Record(tc.m)
			if err := rec.CloseAt(time.UnixMilli(1700000009000)); err != nil {
				t.Fatal(err)
			}
			got, _ := os.ReadFile(path)
			if string(got) != tc.want+"\n"+`{"deskwatch.recorded":1,"recv":1700000009000,"end":true}`+"\n" {
				t.Errorf("wrote  %s\nwant   %s", got, tc.want)
			}
			// And the replay gives the message back.
			msgs, _ := replayAll(t, string(got), ReplayOptions{})
			if len(msgs) != 1 || !bytes.Equal(msgs[0].Data, tc.m.Data) || msgs[0].Problem != replayedProblem(tc.m) ||
				msgs[0].Partial != tc.m.Partial || msgs[0].Origin.Conn != tc.m.Origin.Conn ||
				msgs[0].Binary != tc.m.Binary || msgs[0].Size != tc.m.Size ||
				(!tc.m.Received.IsZero() && !msgs[0].Received.Equal(tc.m.Received)) {
				t.Errorf("replayed %+v, want %+v", msgs, tc.m)
			}
		})
	}
}

func TestRecorderFlushesWithinASecond(t *testing.T) {
	t.Parallel()
	rec, path := newTestRecorder(t)
	defer rec.Close()
	rec.Record(Message{Data: []byte("hello"), Received: time.Now()})
	recorded := time.Now()
	if fi, _ := os.Stat(path); fi.Size() != 0 {
		t.Errorf("expected the write to be buffered, file has %d bytes", fi.Size())
	}
	for {
		if fi, _ := os.Stat(path); fi.Size() > 0 {
			break
		}
		if time.Since(recorded) > 1500*time.Millisecond {
			t.Fatal("nothing flushed 1.5 s after recording")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := rec.Err(); err != nil {
		t.Fatal(err)
	}
}

func TestRecorderCloseTwiceAndWriteErrors(t *testing.T) {
	t.Parallel()
	rec, _ := newTestRecorder(t)
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	if err := rec.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	rec.Record(Message{Data: []byte("late")}) // dropped, not a panic

	if _, err := NewRecorder(filepath.Join(t.TempDir(), "no", "such", "dir")); err == nil {
		t.Error("NewRecorder in a missing directory succeeded")
	}
	rec, path := newTestRecorder(t)
	_ = rec.f.Close() // its writes fail
	rec.Record(Message{Data: bytes.Repeat([]byte("z"), 2*recordBufSize)})
	if err := rec.Err(); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("Err() = %v, want the write error naming the file", err)
	}
	if err := rec.Close(); err == nil {
		t.Error("Close after a write error returned nil")
	}
}

// A newcomer's report: --record onto the file being replayed truncated it before the replay read
// it (3,000 lines became the end line), and onto an earlier recording replaced it. A recording
// never replaces a file; the refusal says so, and the file is as it was.
func TestRecorderNeverReplacesAFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "day.jsonl")
	const day = `{"type":"ON_LOGOUT","agentId":"a","ts":1700000000000,"params":[]}` + "\n"
	if err := os.WriteFile(path, []byte(day), 0o600); err != nil {
		t.Fatal(err)
	}
	// Named directly, or through a link (what was opened is checked, not what a look before saw:
	// the third attacker's pass swapped a link to /dev/null for one to a file in between).
	link := filepath.Join(t.TempDir(), "link.jsonl")
	if err := os.Symlink(path, link); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, link} {
		_, err := NewRecorder(p)
		if err == nil || !strings.Contains(err.Error(), p+" exists; a recording never replaces a file") {
			t.Errorf("recording onto %s: %v", p, err)
		}
	}
	if got, _ := os.ReadFile(path); string(got) != day {
		t.Errorf("the file now holds %q", got)
	}
	if _, err := NewRecorder(t.TempDir()); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("recording onto a directory: %v", err)
	}
}

// The attacker's second pass: refusing every path that exists refused /dev/stdout and a named
// pipe, where a recording is handed to another program. A path that is no file is written to.
func TestRecorderWritesToAPipe(t *testing.T) {
	t.Parallel()
	path := e2e.Fifo(t, "pipe")
	got := make(chan []byte, 1)
	go func() {
		data, _ := os.ReadFile(path)
		got <- data
	}()
	rec, err := NewRecorder(path)
	if err != nil {
		t.Fatalf("recording to a named pipe: %v", err)
	}
	rec.Record(Message{Data: []byte(`{"type":"ON_LOGOUT","params":[]}`)})
	if err := rec.CloseAt(time.UnixMilli(1700000000000)); err != nil {
		t.Fatal(err)
	}
	if data := <-got; !strings.Contains(string(data), `"type":"ON_LOGOUT"`) || !strings.Contains(string(data), `"end":true`) {
		t.Errorf("the pipe got %q", data)
	}
}
