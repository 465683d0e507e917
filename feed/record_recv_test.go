package feed

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// TestRecordedReceiveTimes: a recorded event without ts is filed and paced by its receive time, and
// the spliced time does not count against the size limit, so what was accepted live is accepted
// again.
func TestRecordedReceiveTimes(t *testing.T) {
	t.Parallel()
	rec, path := newTestRecorder(t)
	const limit = 100
	ev := `{"type":"ON_AGENT_STATE_CHANGE","agentId":"a","params":["busy"],"pad":"`
	ev += strings.Repeat("p", limit-len(ev)-2) + `"}`
	if len(ev) != limit {
		t.Fatalf("fixture is %d bytes", len(ev))
	}
	for i := range 3 {
		rec.Record(Message{Data: []byte(ev), Received: time.UnixMilli(base + int64(i)*1500)})
	}
	if err := rec.CloseAt(time.UnixMilli(base + 9000)); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r := NewReplay(path, strings.NewReader(string(data)), 0, ReplayOptions{MaxMessage: limit})
	var msgs []Message
	var clocks []time.Time // the replay clock as each message is emitted
	if err := r.Run(context.Background(), func(m Message) { msgs = append(msgs, m); clocks = append(clocks, r.Now()) }); err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 3 {
		t.Fatalf("%d messages", len(msgs))
	}
	for i, m := range msgs {
		want := time.UnixMilli(base + int64(i)*1500)
		if m.Problem != "" || string(m.Data) != ev {
			t.Errorf("message %d: %q problem %q, want the event as sent", i, m.Data, m.Problem)
		}
		if !m.Received.Equal(want) || !clocks[i].Equal(want) {
			t.Errorf("message %d received %v at replay time %v, want both %v", i, m.Received, clocks[i], want)
		}
	}
	if now, want := r.Now(), time.UnixMilli(base+9000); !now.Equal(want) {
		t.Errorf("the replay clock ends at %v, want the recording's end %v", now, want)
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
