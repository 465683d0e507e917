package model

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/go-json-experiment/json"
)

// Numbers from the wire are range-checked where they are decoded, by both decoders, with the path
// and the range in the reason.
func TestDecodeRejectsNumbersOutOfRange(t *testing.T) {
	t.Parallel()
	iq := func(extra string) string { return ev(EvNewInteraction, iv("a", "queued", "voice", extra)) }
	tests := []struct{ name, in, want string }{
		{"ts 1e19", `{"type":"ON_LOGOUT","ts":1e19,"params":[]}`, "ts: 1e+19 is out of range (want milliseconds"},
		{"ts 1e400", `{"type":"ON_LOGOUT","ts":1e400,"params":[]}`, "ts: 1e400 is out of range (want milliseconds"},
		{"ts negative", `{"type":"ON_LOGOUT","ts":-1,"params":[]}`, "ts: -1 is out of range"},
		{"ts after 2200", `{"type":"ON_LOGOUT","ts":7258118400001,"params":[]}`, "ts: 7258118400001 is out of range"},
		{"ts string", `{"type":"ON_LOGOUT","ts":"1","params":[]}`, "ts: want number, got string"},
		{"seq 1e300", `{"type":"ON_LOGOUT","seq":1e300,"params":[]}`, "seq: 1e+300 is out of range (want a whole number, 0 to 2^53-1)"},
		{"seq 2^53+2", `{"type":"ON_LOGOUT","seq":9007199254740994,"params":[]}`, "seq: 9007199254740994 is out of range"},
		// 2^53+1 is no float64: it reads as 2^53, and would be taken for the seq of another event.
		{"seq 2^53+1", `{"type":"ON_LOGOUT","seq":9007199254740993,"params":[]}`, "seq: 9007199254740992 is out of range"},
		{"seq 2^53", `{"type":"ON_LOGOUT","seq":9007199254740992,"params":[]}`, "seq: 9007199254740992 is out of range"},
		{"seq negative", `{"type":"ON_LOGOUT","seq":-1,"params":[]}`, "seq: -1 is out of range"},
		{"seq fraction", `{"type":"ON_LOGOUT","seq":1.5,"params":[]}`, "seq: 1.5 is out of range"},
		{"seq 1e400", `{"type":"ON_LOGOUT","seq":1e400,"params":[]}`, "seq: 1e400 is out of range"},
		{"startTime 1e400", iq(`"startTime":1e400`), "params[0].startTime: 1e400 is out of range (want milliseconds"},
		{"startTime 1e19", iq(`"startTime":1e19`), "params[0].startTime: 1e+19 is out of range"},
		{"endTime negative", iq(`"endTime":-5`), "params[0].endTime: -5 is out of range"},
		{"duration huge", iq(`"duration":1e12`), "params[0].duration: 1000000000000 is out of range (want seconds, 0 to 1e9)"},
		{"duration negative", iq(`"duration":-1`), "params[0].duration: -1 is out of range"},
		{"in a snapshot", ev(EvInteractionsState, `{"activeInteractionId":null,"interactions":[`+
			iv("a", "hold", "chat", "")+","+iv("b", "hold", "chat", `"startTime":1e300`)+`]}`),
			"params[0].interactions[1].startTime: 1e+300 is out of range"},
		{"null id", ev(EvNewInteraction, `{"interactionId":null,"state":"queued","type":"voice"}`),
			"params[0].interactionId: missing, null or empty"},
	}
	for _, tt := range tests {
		for name, dec := range map[string]func([]byte) (Event, error){"Decode": Decode, "plain": decodePlain} {
			_, err := dec([]byte(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("%s: %s(%s) = %v, want an error containing %q", tt.name, name, tt.in, err, tt.want)
			}
		}
	}
}

// The bounds themselves are accepted.
func TestDecodeAcceptsNumbersAtTheirBounds(t *testing.T) {
	t.Parallel()
	in := fmt.Sprintf(`{"type":"ON_NEW_INTERACTION","ts":%d,"seq":%d,"params":[%s]}`, MaxTimeMillis, MaxSeq,
		iv("a", "queued", "voice", `"startTime":0,"endTime":7258118400000,"duration":1e9`))
	e, err := Decode([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if e.TS.UnixMilli() != MaxTimeMillis || e.Seq != MaxSeq || len(e.Warnings) != 0 {
		t.Fatalf("ts %v seq %d warnings %q", e.TS, e.Seq, e.Warnings)
	}
}

// The attacker's events: a ts of 1e19 used to become a negative rate-bucket index (a panic), and a
// seq of 1e300 then 1 reported -9223372036854775808 events lost.
func TestHugeNumbersNeitherPanicNorWrap(t *testing.T) {
	t.Parallel()
	s := NewStore()
	for _, m := range []string{
		`{"type":"ON_LOGOUT","ts":1e19,"params":[]}`,
		`{"type":"ON_LOGOUT","agentId":"x","seq":1e300,"params":[]}`,
		`{"type":"ON_LOGOUT","agentId":"x","seq":1,"params":[]}`,
	} {
		if e, err := Decode([]byte(m)); err == nil {
			s.Apply(e, e.TS)
		}
	}
	// Apply's callers may pass any time: one before 1970 must not index below the rate ring.
	s.Apply(Event{Type: EvLogout, Payload: Logout{}}, time.Unix(-5, 0))
	if sn := s.Snapshot(); sn.Stats.Lost != 0 || sn.Stats.Events != 2 {
		t.Fatalf("lost %d events %d", sn.Stats.Lost, sn.Stats.Events)
	}
}

// Seq jumps from 0 to 2^53-1 and back, over and over, saturate the lost counts instead of wrapping.
func TestLostEventsSaturate(t *testing.T) {
	t.Parallel()
	s := NewStore()
	at := time.UnixMilli(1700000000000)
	for i := range 2100 {
		seq := int64(0)
		if i%2 == 1 {
			seq = MaxSeq
		}
		s.Apply(Event{Type: EvLogout, AgentID: "x", Seq: seq, HasSeq: true, Payload: Logout{}}, at)
	}
	sn := s.Snapshot()
	if sn.Stats.Lost != maxInt64 || sn.Agents[0].Lost != maxInt64 {
		t.Fatalf("lost %d (agent %d), want %d", sn.Stats.Lost, sn.Agents[0].Lost, int64(maxInt64))
	}
}

// Invalid UTF-8 anywhere (a known value, an unknown member's value or name, an escaped lone
// surrogate) is replaced at decode time and warned about with its place; the event is accepted and
// re-encodes as strict JSON (the JSON export and the hub's snapshots re-encode it).
func TestDecodeRepairsInvalidUTF8(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, where string }{
		{"unknown member value", ev(EvNewInteraction, iv("a", "queued", "voice", `"chatParties":{"x":"b`+"\xff"+`d"}`)),
			"params[0].chatParties.x"},
		{"unknown member name", ev(EvNewInteraction, iv("a", "queued", "voice", `"k`+"\xfe"+`":1`)),
			"a member name of params[0]"},
		{"known value", ev(EvNewInteraction, iv("a", "queued", "voice", `"email":"`+"\xc3"+`"`)), "params[0].email"},
		{"lone surrogate", ev(EvNewInteraction, iv("a", "queued", "voice", `"internal":"\ud800"`)), "params[0].internal"},
		{"envelope extra", "{\"type\":\"ON_LOGOUT\",\"params\":[],\"note\":\"\x80\"}", "note"},
		{"unknown event", "{\"type\":\"X\xff\",\"params\":[\"\xff\"]}", "type, params[0]"},
	}
	for _, tt := range tests {
		e, err := Decode([]byte(tt.in))
		if err != nil {
			t.Errorf("%s: rejected: %v", tt.name, err)
			continue
		}
		want := "invalid UTF-8 replaced with U+FFFD in " + tt.where
		if len(e.Warnings) != 1 || e.Warnings[0] != want {
			t.Errorf("%s: warnings %q, want %q", tt.name, e.Warnings, want)
			continue
		}
		if !utf8.Valid(e.Repaired) || e.Repaired == nil {
			t.Errorf("%s: repaired message %q is not valid UTF-8", tt.name, e.Repaired)
		}
		if _, err := json.Marshal(e.Payload); err != nil {
			t.Errorf("%s: the payload does not re-encode: %v", tt.name, err)
		}
		if again, err := Decode(e.Repaired); err != nil || again.Warnings != nil {
			t.Errorf("%s: the repaired message decodes with %v, warnings %q", tt.name, err, again.Warnings)
		}
	}
}

// A member name given twice inside a kept raw value (an unknown member) would make the JSON
// export and the hub's snapshot filters fail to re-encode it: the last value is kept, with a
// warning, and a known field given twice keeps its last value as before.
func TestDecodeRepairsDuplicateNames(t *testing.T) {
	t.Parallel()
	in := ev(EvNewInteraction, iv("a", "queued", "voice", `"chatParties":[{"x":1,"y":2,"x":3}],"subject":"last"`))
	e, err := Decode([]byte(strings.Replace(in, `"subject":"s",`, "", 1)))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"a member name given twice (the last value kept): params[0].chatParties[0].x"}
	if fmt.Sprint(e.Warnings) != fmt.Sprint(want) {
		t.Fatalf("warnings %q, want %q", e.Warnings, want)
	}
	p := e.Payload.(*Interaction)
	if string(p.Extra["chatParties"]) != `[{"x":3,"y":2}]` {
		t.Fatalf("chatParties %s", p.Extra["chatParties"])
	}
	if _, err := json.Marshal(p); err != nil {
		t.Fatal(err)
	}
	dup := `{"type":"ON_LOGOUT","params":[],"type":"ON_LOGIN","params":[{"isLoggedIn":true}]}`
	if e, err := Decode([]byte(dup)); err != nil || e.Type != EvLogin || len(e.Warnings) != 1 {
		t.Fatalf("%v %q %q", err, e.Type, e.Warnings)
	}
}

// Valid text, escaped surrogate pairs included, is left alone.
func TestDecodeLeavesValidTextAlone(t *testing.T) {
	t.Parallel()
	e, err := Decode([]byte(ev(EvNewInteraction, iv("a", "queued", "voice", `"email":"\ud83d\ude00 é \\ud800"`))))
	if err != nil || e.Warnings != nil || e.Repaired != nil {
		t.Fatalf("err %v warnings %q repaired %q", err, e.Warnings, e.Repaired)
	}
	if in := e.Payload.(*Interaction); *in.Email != "😀 é \\ud800" {
		t.Fatalf("email %q", *in.Email)
	}
}

// A missing or null required list or object is read as empty with a located warning; a missing
// interactionId is rejected (TestDecodeRejectsNumbersOutOfRange).
func TestDecodeWarnsAboutMissingRequiredFields(t *testing.T) {
	t.Parallel()
	in := ev(EvInteractionsState, `{"activeInteractionId":null,"interactions":[`+iv("a", "hold", "chat", "")+
		`,{"interactionId":"b","state":"hold","type":"chat","callParties":null,"associatedObjects":{}}]}`)
	e, err := Decode([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := "params[0].interactions[1]: required callParties, attachedData, associatedObjects.list missing or null (read as empty)"
	if len(e.Warnings) != 1 || e.Warnings[0] != want {
		t.Fatalf("warnings %q, want %q", e.Warnings, want)
	}
}

// A snapshot's parties are diffed by id in linear time; a crowd joining is named up to
// maxPartyChanges and counted beyond.
func TestPartyDiffAtScale(t *testing.T) {
	t.Parallel()
	prev, next := parties(0, 3000), parties(1000, 4000)
	joined, left := partyChanges(prev, next)
	if len(joined) != 1000 || joined[0].ID != "p3000" || len(left) != 1000 || left[999].ID != "p999" {
		t.Fatalf("joined %d (%s…), left %d", len(joined), joined[0].ID, len(left))
	}
	var changed [NumFields]int64
	a := &Interaction{ID: "a", State: StateHold, Type: TypeVoice, CallParties: prev}
	b := &Interaction{ID: "a", State: StateHold, Type: TypeVoice, CallParties: next}
	out := diff(a, b, time.Unix(1, 0), time.Unix(1, 0), EvInteractionStateChange, &changed)
	if len(out) != 2*(maxPartyChanges+1) || out[maxPartyChanges].Text != "980 more parties joined" {
		t.Fatalf("%d changes, [%d] %q", len(out), maxPartyChanges, out[maxPartyChanges].Text)
	}
	small, _ := partyChanges(parties(0, 2), parties(1, 3))
	if len(small) != 1 || small[0].ID != "p2" {
		t.Fatalf("small diff %v", small)
	}
}

func parties(from, to int) []CallParty {
	out := make([]CallParty, 0, to-from)
	for i := from; i < to; i++ {
		out = append(out, CallParty{ID: fmt.Sprintf("p%d", i), Name: "n", Phone: "1"})
	}
	return out
}

// A name given twice many times at one place is named once, with the times; names that only read
// alike once invalid UTF-8 was replaced ("\ud800" and "\ufffd") are said to be that, not a name
// given twice.
func TestDecodeRepairWarningsNameEachPlaceOnce(t *testing.T) {
	t.Parallel()
	party := `{"x":0` + strings.Repeat(`,"x":1`, 60) + `}`
	in := ev(EvNewInteraction, iv("a", "queued", "voice",
		`"chatParties":[`+party+`,{"y":1,"y":2}],"custom":{"\ud800":1,"\ufffd":2},"subject":"last"`))
	e, err := Decode([]byte(strings.Replace(in, `"subject":"s",`, "", 1)))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"invalid UTF-8 replaced with U+FFFD in a member name of params[0].custom",
		"a member name given twice (the last value kept): params[0].chatParties[0].x (60 times), params[0].chatParties[1].y",
		"member names that read alike once invalid UTF-8 was replaced with U+FFFD (the last value kept): params[0].custom.\ufffd",
	}
	if fmt.Sprint(e.Warnings) != fmt.Sprint(want) {
		t.Fatalf("warnings\n%q\nwant\n%q", e.Warnings, want)
	}
}
