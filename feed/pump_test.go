package feed

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/deskwatch/deskwatch/model"
)

// A panic while applying one event (a bug, like a ts that overflowed an index) skips that event
// with a located rejection and goes on: the events after it are applied, and the stack reaches
// OnPanic.
func TestPumpRecoversFromPanickingEvent(t *testing.T) {
	t.Parallel()
	in := strings.Join([]string{
		`{"type":"ON_LOGIN","agentId":"a1","ts":1700000000000,"params":[{"isLoggedIn":true}]}`,
		`{"type":"ON_LOGOUT","agentId":"boom","ts":1700000001000,"params":[]}`,
		`{"type":"ON_LOGOUT","agentId":"a2","ts":1700000002000,"params":[]}`,
	}, "\n") + "\n"
	store := model.NewStore()
	pump := NewPump(store, nil)
	pump.hook = func(ev model.Event) {
		if ev.AgentID == "boom" {
			var idx []int
			_ = idx[len(ev.AgentID)] // index out of range, as the ts overflow did
		}
	}
	var rejected []string
	pump.OnReject(func(o model.Origin, reason string) { rejected = append(rejected, o.String()+": "+reason) })
	var stacks []string
	pump.OnPanic(func(o model.Origin, v any, stack []byte) { stacks = append(stacks, string(stack)) })
	r := NewReplay("events.jsonl", bytes.NewReader([]byte(in)), int64(len(in)), ReplayOptions{})
	if err := r.Run(context.Background(), pump.Handle); err != nil {
		t.Fatal(err)
	}
	if len(rejected) != 1 || !strings.HasPrefix(rejected[0], "events.jsonl:2: "+InternalError) ||
		!strings.Contains(rejected[0], "index out of range") {
		t.Fatalf("rejections %q; want one for events.jsonl:2 saying %q", rejected, InternalError)
	}
	if len(stacks) != 1 || !strings.Contains(stacks[0], "TestPumpRecoversFromPanickingEvent") {
		t.Errorf("OnPanic stacks %q; want one naming the panicking function", stacks)
	}
	if pump.Panics() != 1 {
		t.Errorf("Panics() = %d, want 1", pump.Panics())
	}
	sn := store.Snapshot()
	if sn.Stats.Rejected != 1 || len(sn.Rejections) != 1 || sn.Rejections[0].Origin.Line != 2 {
		t.Errorf("store: %d rejected, rejections %+v", sn.Stats.Rejected, sn.Rejections)
	}
	var agents []string
	for _, a := range sn.Agents {
		agents = append(agents, a.ID)
	}
	if got := strings.Join(agents, ","); !strings.Contains(got, "a1") || !strings.Contains(got, "a2") {
		t.Errorf("agents %q: the events around the bad one were not both applied", got)
	}
}

// A replay through the pump: invalid UTF-8 inside an unknown member is accepted with a warning
// that names the file and line and the member, and the row re-encodes as strict JSON (the JSON
// export used to stop there); a ts of 1e19 is rejected with its line and the range, not a panic.
func TestPumpWarnsAndRejectsWithTheirPlace(t *testing.T) {
	t.Parallel()
	lines := []string{
		`{"type":"ON_NEW_INTERACTION","params":[{"interactionId":"a","state":"queued","type":"voice",` +
			`"subject":"s","associatedObjects":{"list":[]},"callParties":[],"callMuted":false,` +
			`"callRecording":false,"attachedData":{},"chatParties":["` + "\xff" + `"]}]}`,
		`{"type":"ON_LOGOUT","ts":1e19,"params":[]}`,
	}
	store, told := replayLines(t, lines)
	want := []string{
		"events:1: warning: invalid UTF-8 replaced with U+FFFD in params[0].chatParties[0]",
		"events:2: ts: 1e+19 is out of range (want milliseconds since the Unix epoch, 0 to 7258118400000 (2200-01-01))",
	}
	if len(told) != 2 || told[0] != want[0] || told[1] != want[1] {
		t.Fatalf("told %q\nwant %q", told, want)
	}
	sn := store.Snapshot()
	if sn.Stats.Events != 1 || sn.Stats.Rejected != 1 || sn.Stats.Warnings != 1 || len(sn.Rows) != 1 {
		t.Fatalf("stats %+v, %d rows", sn.Stats, len(sn.Rows))
	}
	if w := sn.Rejections[0]; !w.Warning || w.Origin.Line != 1 {
		t.Fatalf("first entry of the rejected log %+v", w)
	}
	if _, err := json.Marshal(sn.Rows[0].Data); err != nil {
		t.Fatalf("the row does not re-encode: %v", err)
	}
}

// TestPumpReportsRefusalsByTheStoreCaps: an event past the store's caps is a located rejection,
// like any other, in the rejected log and to OnReject (--print's stderr).
func TestPumpReportsRefusalsByTheStoreCaps(t *testing.T) {
	t.Parallel()
	store := model.NewStore(model.WithCaps(10, 1))
	p := NewPump(store, nil)
	var reasons []string
	p.OnReject(func(o model.Origin, reason string) { reasons = append(reasons, o.String()+": "+reason) })
	for i, id := range []string{"c1", "c2"} {
		p.Handle(Message{Data: []byte(`{"type":"ON_NEW_INTERACTION","agentId":"a1","params":[{"interactionId":"` + id +
			`","state":"delivered","type":"voice","callParties":[],"attachedData":{},"associatedObjects":{"list":[]}}]}`), Origin: model.Origin{Source: "f.jsonl", Line: int64(i + 1)}, Received: time.Now()})
	}
	st := store.Snapshot().Stats
	if st.Open != 1 || st.Rejected != 1 || len(reasons) != 1 || !strings.HasPrefix(reasons[0], "f.jsonl:2: ") ||
		!strings.Contains(reasons[0], "cap of 1 open") {
		t.Errorf("open %d, rejected %d, reasons %q; want 1, 1, f.jsonl:2 past the cap", st.Open, st.Rejected, reasons)
	}
}

// A message of a new connection starts a resync: at the hub's DESKWATCH_RESYNC_END the agents the
// new connection's snapshot did not list are gone, their open interactions ended.
func TestPumpResyncOnNewConnection(t *testing.T) {
	t.Parallel()
	snap := func(agent, id string) string {
		return `{"type":"INTERACTIONS_STATE","agentId":"` + agent + `","params":[{"activeInteractionId":null,` +
			`"interactions":[{"interactionId":"` + id + `","state":"delivered","type":"chat"}]}]}`
	}
	end := `{"type":"DESKWATCH_RESYNC_END","params":[]}`
	store := model.NewStore()
	pump := NewPump(store, nil)
	send := func(conn int64, data string) {
		pump.Handle(Message{Data: []byte(data), Origin: model.Origin{Source: "ws://hub", Conn: conn, Msg: 1}})
	}
	send(1, snap("a.jones", "c1"))
	send(1, snap("b.smith", "c2"))
	send(1, end)
	if sn := store.Snapshot(); sn.Stats.Open != 2 {
		t.Fatalf("first connection: %d open, want 2", sn.Stats.Open)
	}
	send(2, snap("a.jones", "c1"))
	send(2, end)
	sn := store.Snapshot()
	if sn.Stats.Open != 1 || sn.Stats.Rejected != 0 {
		t.Fatalf("after the second connection's resync: %d open, %d rejected; want 1 and 0", sn.Stats.Open,
			sn.Stats.Rejected)
	}
	if r := store.Row(model.RowKey("b.smith", "c2")); !r.Ended {
		t.Errorf("b.smith's chat, absent from the resync, is still open")
	}
}

// replayLines replays lines as the file "events" into a new store through a pump, and returns the
// store and what the pump told of each line it rejected or warned about ("events:N: reason").
func replayLines(t *testing.T, lines []string) (*model.Store, []string) {
	t.Helper()
	var in bytes.Buffer
	for _, l := range lines {
		in.WriteString(l + "\n")
	}
	store := model.NewStore()
	pump := NewPump(store, nil)
	var told []string
	pump.OnReject(func(o model.Origin, reason string) { told = append(told, o.String()+": "+reason) })
	r := NewReplay("events", bytes.NewReader(in.Bytes()), int64(in.Len()), ReplayOptions{Speed: 0})
	if err := r.Run(context.Background(), pump.Handle); err != nil {
		t.Fatal(err)
	}
	return store, told
}
