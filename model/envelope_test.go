package model

import (
	"testing"
	"time"

	"github.com/go-json-experiment/json/jsontext"
)

func TestEventTime(t *testing.T) {
	t.Parallel()
	recv := time.UnixMilli(2000)
	if got := EventTime(Event{TS: time.UnixMilli(1000)}, recv); !got.Equal(time.UnixMilli(1000)) {
		t.Errorf("EventTime with a ts = %v", got)
	}
	if got := EventTime(Event{}, recv); !got.Equal(recv) {
		t.Errorf("EventTime without a ts = %v, want the arrival %v", got, recv)
	}
}

func TestPeekHeadTS(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want int64 // milliseconds; 0 for none
	}{
		{`{"ts":1700000000000,"type":"X"}`, 1700000000000},
		{` { "type" : "X" , "ts" : 12 }`, 12},
		{`{"type":"X","params":[{"ts":5},"\"ts\":7",{"a":[1,{"b":"}"}]}],"ts":99}`, 99},
		{`{"a\"ts":1,"ts":2.5}`, 2},
		{`{"ts":1.7e12}`, 1.7e12},
		{`{"ts":123456789012345678901}`, 0}, // out of range: Decode rejects it
		{`{"ts":7258118400001}`, 0},
		{`{"ts":7258118400000}`, 7258118400000},
		{`{"type":"X","params":[]}`, 0},
		{`{"params":[{"ts":5}]}`, 0},
		{`{"ts":0}`, 0},
		{`{"ts":-5}`, 0},
		{`{"ts":null}`, 0},
		{`{"ts":"5"}`, 0},
		{`{"ts":05}`, 0},
		{`{"ts":0x10}`, 0},
		{`{"ts":17000`, 0}, // a truncated number
		{`{"ts":5,"ts":7}`, 7},
		{`{"ts":5,"params":[{"associatedObjects":1}],"ts":7}`, 7},
		{`{"ts":5,"params":[{"ts":1}],"x":1}`, 5},
		{`{"ts":5,"params":["\"ts\""],"x":1}`, 5},
		{`{"ts":5,"params":[],"ts":6}`, 6},
		{`{"ts":5,"ts":null}`, 0},
		{`{"\u0074s":8}`, 8},
		{`[{"ts":5}]`, 0},
		{`not json "ts":5`, 0},
		{``, 0},
		{`{"a":"unterminated`, 0},
		{`{"a":{"b":[1,2}`, 0},
	}
	for _, tc := range tests {
		var want time.Time
		if tc.want != 0 {
			want = time.UnixMilli(tc.want)
		}
		if got := PeekHead([]byte(tc.in)).TS; !got.Equal(want) {
			t.Errorf("PeekHead(%s).TS = %v, want %v", tc.in, got, want)
		}
		if got := PeekTS([]byte(tc.in)); !got.Equal(want) {
			t.Errorf("PeekTS(%s) = %v, want %v", tc.in, got, want)
		}
	}
}

func TestPeekHeadAgentAndSeq(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in     string
		agent  string
		seq    int64
		hasSeq bool
	}{
		{`{"type":"X","agentId":"a1","ts":1,"seq":7,"params":[`, "a1", 7, true}, // cut inside params
		{`{"agentId":"a1","seq":7`, "a1", 0, false},                             // seq may have lost digits
		{`{"agentId":"a\"1","seq":1e3,"params":[]}`, `a"1`, 1000, true},
		{`{"agentId":"\u00e9\ud800","seq":2.5}`, "é\ufffd", 0, false},
		{"{\"agentId\":\"a\xff\",\"seq\":9007199254740991}", "a\ufffd", 1<<53 - 1, true},
		{`{"seq":9007199254740993}`, "", 0, false}, // reads as 2^53
		{`{"seq":9007199254740994}`, "", 0, false},
		{`{"seq":-1}`, "", 0, false},
		{`{"seq":3,"params":[],"seq":4}`, "", 4, true},
		{`{"seq":3,"seq":null}`, "", 0, false},
		{`{"agentId":"a","agentId":null}`, "", 0, false},
		{`{"agentId":5}`, "", 0, false},
		{`{"agentID":"a","Seq":1}`, "", 0, false},
		{`{"p":{"agentId":"x","seq":1},"agent\u0049d":"y"}`, "y", 0, false},
	}
	for _, tc := range tests {
		h := PeekHead([]byte(tc.in))
		if h.AgentID() != tc.agent || h.Seq != tc.seq || h.HasSeq != tc.hasSeq {
			t.Errorf("PeekHead(%s) = agent %q seq %d %t, want %q %d %t", tc.in, h.AgentID(), h.Seq, h.HasSeq,
				tc.agent, tc.seq, tc.hasSeq)
		}
	}
}

func TestPeekHeadAllocatesNothing(t *testing.T) {
	line := []byte(`{"type":"ON_NEW_INTERACTION","agentId":"a1","ts":1700000000000,"seq":12,"params":[{"x":"y"}]}`)
	if n := testing.AllocsPerRun(100, func() { _ = PeekHead(line) }); n != 0 {
		t.Errorf("PeekHead allocates %v times, want 0", n)
	}
	if n := testing.AllocsPerRun(100, func() { _ = PeekTS(line) }); n != 0 {
		t.Errorf("PeekTS allocates %v times, want 0", n)
	}
}

func TestPeekMember(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want int
	}{
		{`{"a":1,"recv":2}`, 14},
		{`{"a":{"recv":1}}`, -1},
		{`{"a":"recv","b":1}`, -1},
		{`[{"recv":1}]`, -1},
	} {
		if got := PeekMember([]byte(tc.in), "recv"); got != tc.want {
			t.Errorf("PeekMember(%s) = %d, want %d", tc.in, got, tc.want)
		}
	}
}

func TestAppendEvent(t *testing.T) {
	t.Parallel()
	got := string(AppendEvent(nil, EvLogin, "a1", 1700000000000, 3, []byte(`[{"isLoggedIn":true}]`)))
	want := `{"type":"ON_LOGIN","agentId":"a1","ts":1700000000000,"seq":3,"params":[{"isLoggedIn":true}]}`
	if got != want {
		t.Errorf("AppendEvent = %s, want %s", got, want)
	}
	got = string(AppendEvent([]byte("x"), EvLogout, "", 0, NoSeq, nil))
	if want := `x{"type":"ON_LOGOUT","params":[]}`; got != want {
		t.Errorf("AppendEvent without head = %s, want %s", got, want)
	}
	data := AppendEvent(nil, EvLogout, "a\"é\xff", 5, 0, nil)
	ev, err := Decode(data)
	if err != nil || ev.AgentID != "a\"é\ufffd" || !ev.HasSeq || ev.Seq != 0 || ev.TS.UnixMilli() != 5 {
		t.Fatalf("Decode(%s) = %+v, %v", data, ev, err)
	}
	if !jsontext.Value(data).IsValid() {
		t.Errorf("AppendEvent wrote invalid JSON: %s", data)
	}
	if h := PeekHead(data); h.AgentID() != ev.AgentID || h.Seq != 0 || !h.HasSeq || !h.TS.Equal(ev.TS) {
		t.Errorf("PeekHead(%s) = %+v, disagrees with Decode", data, h)
	}
}

func TestAppendSnapshot(t *testing.T) {
	t.Parallel()
	in := `{"interactionId":"i1","state":"hold","type":"chat","callParties":[],"attachedData":{},` +
		`"associatedObjects":{"list":[]}}`
	got := string(AppendSnapshot(nil, "a1", "i1", [][]byte{[]byte(in), []byte(in)}, 9, 4))
	want := `{"type":"INTERACTIONS_STATE","agentId":"a1","ts":9,"seq":4,"params":[{"activeInteractionId":"i1",` +
		`"interactions":[` + in + `,` + in + `]}]}`
	if got != want {
		t.Fatalf("AppendSnapshot = %s\nwant %s", got, want)
	}
	ev, err := Decode([]byte(got))
	if err != nil {
		t.Fatal(err)
	}
	if st := ev.Payload.(*InteractionsState); Str(st.ActiveInteractionID) != "i1" || len(st.Interactions) != 2 {
		t.Errorf("decoded %+v", st)
	}
	empty := string(AppendSnapshot[[]byte](nil, "a1", "", nil, 0, NoSeq))
	if want := `{"type":"INTERACTIONS_STATE","agentId":"a1","params":[{"activeInteractionId":null,` +
		`"interactions":[]}]}`; empty != want {
		t.Errorf("empty AppendSnapshot = %s, want %s", empty, want)
	}
}

// FuzzPeekAgreesWithDecode holds PeekHead to Decode: on every message Decode accepts, the head
// PeekHead reads is the event's, and on every message and every cut of it PeekHead returns.
func FuzzPeekAgreesWithDecode(f *testing.F) {
	f.Add([]byte(`{"type":"ON_LOGOUT","agentId":"a1","ts":1700000000000,"seq":3,"params":[]}`))
	f.Add([]byte(`{"type":"ON_LOGOUT","params":[],"seq":1,"ts":1.5e12,"seq":2,"agentId":"a","agentId":"b"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		h := PeekHead(data)
		if ts := PeekTS(data); !ts.Equal(h.TS) {
			t.Fatalf("PeekTS %v, PeekHead %v", ts, h.TS)
		}
		for _, cut := range []int{len(data) / 2, len(data) - 1} {
			if cut >= 0 {
				_ = PeekHead(data[:cut])
			}
		}
		ev, err := Decode(data)
		if err != nil {
			return
		}
		if !h.TS.Equal(ev.TS) || h.HasSeq != ev.HasSeq || h.Seq != ev.Seq || h.AgentID() != ev.AgentID {
			t.Fatalf("PeekHead: ts %v seq %d %t agent %q; Decode: ts %v seq %d %t agent %q",
				h.TS, h.Seq, h.HasSeq, h.AgentID(), ev.TS, ev.Seq, ev.HasSeq, ev.AgentID)
		}
	})
}
