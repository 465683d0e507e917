package feed

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestRecordedReceiveTimes: a recorded event without ts is filed and paced by its receive time, and
// the spliced time does not count against the size limit, so what was accepted live is accepted
// again.
func TestRecordedReceiveTimes(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "rec.jsonl")
	rec, err := NewRecorder(path)
	if err != nil {
		t.Fatal(err)
	}
	const limit = 100
	ev := `{"type":"ON_AGENT_STATE_CHANGE","agentId":"a","params":["busy"],"pad":"`
	ev += strings.Repeat("p", limit-len(ev)-2) + `"}`
	if len(ev) != limit {
		t.Fatalf("fixture is %d bytes", len(ev))
	}
	for i := range 3 {
		rec.Record(Message{Data: []byte(ev), Received: time.UnixMilli(base + int64(i)*1500)})
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	msgs, r := replayFile(t, path, ReplayOptions{MaxMessage: limit})
	if len(msgs) != 3 {
		t.Fatalf("%d messages", len(msgs))
	}
	for i, m := range msgs {
		if m.Problem != "" || string(m.Data) != ev {
			t.Errorf("message %d: %q problem %q, want the event as sent", i, m.Data, m.Problem)
		}
		if want := time.UnixMilli(base + int64(i)*1500); !m.Received.Equal(want) {
			t.Errorf("message %d received %v, want %v", i, m.Received, want)
		}
	}
	if now, want := r.Now(), time.UnixMilli(base+3000); !now.Equal(want) {
		t.Errorf("the replay clock ends at %v, want the last receive time %v", now, want)
	}
}

// TestCutRecv covers the spliced member's edges: only the recorder's exact shape is taken off.
func TestCutRecv(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, out string }{
		{`{"recv":1700000000123,"type":"x"}`, `{"type":"x"}`},
		{`{"recv":1700000000123}`, `{}`},
		{`{"recv":0,"type":"x"}`, ""},
		{`{"recv":"1","type":"x"}`, ""},
		{`{"recv":12a,"type":"x"}`, ""},
		{`{"recv":1.5,"type":"x"}`, ""},
		{`{ "recv":1,"type":"x"}`, ""},
		{`{"type":"x","recv":1}`, ""},
		{`{"recv":` + strings.Repeat("9", 25) + `,"type":"x"}`, ""},
	} {
		out, _, ok := cutRecv([]byte(tc.in))
		if ok != (tc.out != "") || string(out) != tc.out {
			t.Errorf("cutRecv(%s) = %s, %v; want %q", tc.in, out, ok, tc.out)
		}
	}
	if got := fmt.Sprint(recvPrefixLen([]byte(`{"recv":12,"a":1}`))); got != "11" {
		t.Errorf("recvPrefixLen = %s, want 11", got)
	}
}

// replayFile replays the file at path as fast as possible and returns its messages.
func replayFile(t *testing.T, path string, opts ReplayOptions) ([]Message, *Replay) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return replayAll(t, string(data), opts)
}
