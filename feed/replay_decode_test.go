package feed

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/model"
)

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
