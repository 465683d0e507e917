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

// TestRecvOutOfRangeIsRejected: a receive time past 2200 (spliced or in a wrapper line) rejects its
// line, located, rather than filing the event in the year 292 million, where no export can
// write its time; the lines around it load.
func TestRecvOutOfRangeIsRejected(t *testing.T) {
	t.Parallel()
	ev := func(id string) string {
		return `"type":"ON_AGENT_STATE_CHANGE","agentId":"` + id + `","params":["busy"]}`
	}
	lines := []string{
		`{"recv":8000000000000000000,` + ev("a"),
		`{"recv":9999999999999999999,` + ev("b"),
		`{"deskwatch.recorded":1,"recv":9000000000000000,"conn":1,"msg":2,"raw":"{}"}`,
		`{"deskwatch.recorded":1,"recv":9000000000000000,"end":true}`,
		`{"recv":1700000000000,` + ev("c"),
	}
	r := NewReplay("rec.jsonl", strings.NewReader(strings.Join(lines, "\n")+"\n"), 0, ReplayOptions{})
	var msgs []Message
	if err := r.Run(context.Background(), func(m Message) { msgs = append(msgs, m) }); err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 5 {
		t.Fatalf("%d messages, want 5", len(msgs))
	}
	for i, m := range msgs[:4] {
		if !strings.Contains(m.Problem, `"recv": out of range`) || m.Origin.Line != int64(i+1) || m.Received.Year() > 2200 {
			t.Errorf("line %d: problem %q at line %d, received %v", i+1, m.Problem, m.Origin.Line, m.Received)
		}
	}
	if m := msgs[4]; m.Problem != "" || !m.Received.Equal(time.UnixMilli(1700000000000)) {
		t.Errorf("the good line: problem %q, received %v", m.Problem, m.Received)
	}
}
