package feed

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/model"
)

// TestReplayFromOffset: every message says where its line starts, and a replay started there
// (with the line's number and the clock) emits the same messages from it on, as the travel
// package's seeks need: across a BOM, CRLF endings, blank lines, a line over the limit, a
// recorder's wrapped line, lines without a ts and a last line without an ending.
func TestReplayFromOffset(t *testing.T) {
	t.Parallel()
	input := "\xEF\xBB\xBF" + strings.Join([]string{
		`{"type":"ON_LOGIN","agentId":"a","ts":1700000000000,"params":[{"isLoggedIn":true}]}`,
		"",
		`{"type":"ON_AGENT_STATE_CHANGE","agentId":"a","params":["busy"]}` + "\r",
		strings.Repeat("y", 300),
		`{"recv":"2023-11-14T22:13:30.5Z","conn":2,"msg":7,"raw":"not json"}`,
		"   ",
		`{"type":"ON_AGENT_STATE_CHANGE","agentId":"a","ts":1700000005000,"params":["ready"]}`,
		`{"type":"ON_AGENT_STATE_CHANGE","agentId":"a","params":["busy"]}`,
	}, "\n") + "\n" + `{"type":"ON_LOGOUT","agentId":"a","params":[]}`
	for _, workers := range []int{1, 2} {
		opts := ReplayOptions{MaxMessage: 200, Workers: workers}
		all, _ := replayAll(t, input, opts)
		if len(all) != 7 {
			t.Fatalf("%d messages, want 7", len(all))
		}
		for i, m := range all {
			line := strings.TrimPrefix(input[m.Offset:], "\xEF\xBB\xBF")
			if !strings.HasPrefix(line, string(m.Data[:min(len(m.Data), 8)])) && m.Problem == "" &&
				!strings.HasPrefix(line, `{"recv"`) {
				t.Errorf("workers %d, message %d at offset %d: the line there is %.40q, not %.40q", workers, i, m.Offset, line, m.Data)
			}
			from := opts
			from.FirstLine, from.Offset, from.Clock = m.Origin.Line, m.Offset, all[max(i-1, 0)].Received
			if i == 0 {
				from.Clock = time.Time{}
			}
			rest, _ := replayAll(t, input[m.Offset:], from)
			if got, want := describe(rest), describe(all[i:]); got != want {
				t.Errorf("workers %d, from message %d:\n got  %s\n want %s", workers, i, got, want)
			}
		}
	}
}

// describe is what a message says (the input has a ts first, so no receive time is the wall clock's).
func describe(msgs []Message) string {
	var b strings.Builder
	for _, m := range msgs {
		fmt.Fprintf(&b, "%v@%d %.20q %q %v %s|", m.Origin, m.Offset, m.Data, m.Problem, m.Partial,
			m.Received.UTC().Format(time.RFC3339Nano))
	}
	return b.String()
}

// TestPumpAfter: the hook sees every message once it is handled, rejected ones included, with its
// event time and its number; a resumed pump begins a resync only on a new connection.
func TestPumpAfter(t *testing.T) {
	t.Parallel()
	p := NewPump(model.NewStore(), nil)
	recv := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	var seen []string
	p.After(func(m Message, at time.Time) {
		seen = append(seen, fmt.Sprintf("#%d %s %s", p.Handled(), m.Data[:min(5, len(m.Data))], at.Format("15:04:05")))
	})
	p.Resume(41, 3)
	for _, data := range []string{
		`{"type":"ON_AGENT_STATE_CHANGE","agentId":"a","ts":1700000000000,"params":["busy"]}`,
		`{"type":"ON_AGENT_STATE_CHANGE","agentId":"a","params":["ready"]}`,
		`{"ts":1700000009000,"type":"bad`,
		`{bad`,
	} {
		p.Handle(Message{Data: []byte(data), Received: recv, Origin: model.Origin{Conn: 3}})
	}
	want := "#42 {\"typ 22:13:20|#43 {\"typ 10:00:00|#44 {\"ts\" 22:13:29|#45 {bad 10:00:00"
	if got := strings.Join(seen, "|"); got != want {
		t.Errorf("After saw\n %s\nwant\n %s", got, want)
	}
	if p.Conn() != 3 || p.Store().Snapshot().Stats.Rejected != 2 {
		t.Errorf("conn %d, %d rejected", p.Conn(), p.Store().Snapshot().Stats.Rejected)
	}
}

// A pump resumed on connection 3 (a seek restoring a checkpoint taken mid-connection) begins no
// resync for that connection's messages: its DESKWATCH_RESYNC_END ends nothing. A message of
// connection 4 does begin one, and its end ends the calls of the agents it did not list.
func TestResumedPumpResyncsOnlyOnANewConnection(t *testing.T) {
	t.Parallel()
	p := NewPump(model.NewStore(), nil)
	p.Resume(41, 3)
	send := func(conn int64, data string) {
		p.Handle(Message{Data: []byte(data), Received: time.Now(), Origin: model.Origin{Conn: conn}})
	}
	const call = `{"type":"ON_NEW_INTERACTION","agentId":"a1","params":[{"interactionId":"c1","state":"delivered",` +
		`"type":"voice","callParties":[],"attachedData":{},"associatedObjects":{"list":[]}}]}`
	const end = `{"type":"DESKWATCH_RESYNC_END","params":[]}`
	send(3, call)
	send(3, end)
	if st := p.Store().Snapshot().Stats; st.Open != 1 {
		t.Fatalf("the resumed connection's resync end ended its call: %d open", st.Open)
	}
	send(4, end)
	if st := p.Store().Snapshot().Stats; st.Open != 0 {
		t.Errorf("a new connection's resync end left the unlisted agent's call open: %d open", st.Open)
	}
}
