package model

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// Identifiers are bounded and free of control characters, by both decoders, with the path and the
// reason (never the identifier itself) in the rejection.
func TestDecodeRejectsBadIDs(t *testing.T) {
	t.Parallel()
	long, id257 := strings.Repeat("U", 600), strings.Repeat("i", 257)
	tests := []struct{ name, in, want string }{
		{"agentId 600 bytes", evAgent(long, EvLogout, ""), "agentId: 600 bytes, longer than 256"},
		{"agentId on an interaction", evAgent(long, EvNewInteraction, iv("a", "queued", "voice", "")),
			"agentId: 600 bytes, longer than 256"},
		{"type 129 bytes", ev(strings.Repeat("T", 129), ""), "type: 129 bytes, longer than 128"},
		{"interactionId 257 bytes", ev(EvNewInteraction, iv(id257, "queued", "voice", "")),
			"params[0].interactionId: 257 bytes, longer than 256"},
		{"interactionId removed", ev(EvInteractionRemoved, iv(long, "completed", "voice", "")),
			"params[0].interactionId: 600 bytes, longer than 256"},
		{"in a snapshot", ev(EvInteractionsState, `{"activeInteractionId":null,"interactions":[`+
			iv("a", "hold", "chat", "")+","+iv(id257, "hold", "chat", "")+`]}`),
			"params[0].interactions[1].interactionId: 257 bytes, longer than 256"},
		{"activeInteractionId", ev(EvInteractionsState, `{"activeInteractionId":"`+id257+`","interactions":[]}`),
			"params[0].activeInteractionId: 257 bytes, longer than 256"},
		{"switched id", ev(EvActiveInteractionSwitch, `"`+id257+`"`), "params[0]: 257 bytes, longer than 256"},
		{"callId", ev(EvAudioQualityAlert, `"`+id257+`",true`), "params[0]: 257 bytes, longer than 256"},
		{"agentId BEL", evAgent(`a\u0007b`, EvLogout, ""), "agentId: control character U+0007 at byte 1"},
		{"agentId NUL", evAgent(`t\u0000`, EvLogout, ""), "agentId: control character U+0000 at byte 1"},
		{"agentId DEL", evAgent("ab\x7f", EvLogout, ""), "agentId: control character U+007F at byte 2"},
		{"interactionId C1", ev(EvNewInteraction, iv(`x\u0085`, "queued", "voice", "")),
			"params[0].interactionId: control character U+0085 at byte 1"},
		{"interactionId newline", ev(EvNewInteraction, iv(`a\nb`, "queued", "voice", "")),
			"params[0].interactionId: control character U+000A at byte 1"},
		{"agentId zero-width space", evAgent(`k\u200bim`, EvLogout, ""),
			"agentId: invisible character U+200B at byte 1"},
		{"interactionId bidi override", ev(EvNewInteraction, iv(`ab\u202e`, "queued", "voice", "")),
			"params[0].interactionId: invisible character U+202E at byte 2"},
		{"agentId line separator", evAgent(`a\u2028`, EvLogout, ""), "agentId: invisible character U+2028 at byte 1"},
		{"a non-ASCII id is still range-checked", ev(EvNewInteraction, `{"interactionId":"日本","state":"queued",`+
			`"type":"voice","startTime":1e19}`), "params[0].startTime: 1e+19 is out of range"},
		{"type ESC", ev(`X\u001b[2J`, ""), "type: control character U+001B at byte 1"},
		{"callId CR", ev(EvAudioQualityAlert, `"c\r",true`), "params[0]: control character U+000D at byte 1"},
	}
	for _, tt := range tests {
		for name, dec := range map[string]func([]byte) (Event, error){"Decode": Decode, "plain": decodePlain} {
			_, err := dec([]byte(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("%s: %s = %v, want an error containing %q", tt.name, name, err, tt.want)
			}
			if err != nil && len(err.Error()) > 200 {
				t.Errorf("%s: %s: the reason is %d bytes long", tt.name, name, len(err.Error()))
			}
		}
	}
}

// Identifiers at their bounds, and printable Unicode, are accepted.
func TestDecodeAcceptsIDsAtTheirBounds(t *testing.T) {
	t.Parallel()
	id, typ := strings.Repeat("i", MaxIDBytes), strings.Repeat("T", MaxTypeBytes)
	for _, in := range []string{
		evAgent(id, EvNewInteraction, iv(id, "queued", "voice", "")),
		evAgent("b.smith", typ, `"x"`),
		evAgent("é/ü%", EvActiveInteractionSwitch, `"`+id+`"`),
		ev(EvAudioQualityAlert, `"`+id+`",true`),
		ev(EvInteractionsState, `{"activeInteractionId":"`+id+`","interactions":[`+iv(id, "hold", "chat", "")+`]}`),
	} {
		if _, err := Decode([]byte(in)); err != nil {
			t.Errorf("%.80s…: %v", in, err)
		}
	}
}

// An agent id holding "/" cannot reach another agent's row: agent "t/a" with interaction "c2" and
// agent "t" with interaction "a/c2" are two rows (they shared the key "t/a/c2").
func TestRowKeysOfTwoAgentsNeverCollide(t *testing.T) {
	t.Parallel()
	s := NewStore()
	apply := func(line string) {
		t.Helper()
		e, err := Decode([]byte(line))
		if err != nil {
			t.Fatal(err)
		}
		s.Apply(e, time.UnixMilli(1700000000000))
	}
	apply(evAgent("t/a", EvNewInteraction, ivs("c2", "delivered", "voice", "victim", "")))
	apply(evAgent("t", EvInteractionStateChange, ivs("a/c2", "hold", "voice", "ATTACKER", "")))
	apply(evAgent("t", EvInteractionRemoved, ivs("a/c2", "completed", "voice", "ATTACKER", "")))
	victim := s.Row(RowKey("t/a", "c2"))
	if victim == nil || victim.Ended || victim.AgentID != "t/a" || victim.Data.Subject != "victim" {
		t.Fatalf("the victim's row was touched: %+v", victim)
	}
	attacker := s.Row(RowKey("t", "a/c2"))
	if attacker == nil || attacker == victim || !attacker.Ended || attacker.AgentID != "t" {
		t.Fatalf("the attacker's row: %+v", attacker)
	}
	if st := s.Snapshot().Stats; st.Open != 1 || st.Ended != 1 {
		t.Errorf("open %d ended %d, want 1 and 1", st.Open, st.Ended)
	}
}

// RowKey is one-to-one, and reads as it came for ids without "%" or "/" in the agent id.
func TestRowKeyIsOneToOne(t *testing.T) {
	t.Parallel()
	pairs := [][2]string{{"t/a", "c2"}, {"t", "a/c2"}, {"t%2Fa", "c2"}, {"t%a", "c2"}, {"t%25a", "c2"},
		{"", "t/a/c2"}, {"t/a/c2", ""}, {"t/", "a/c2"}}
	seen := map[string][2]string{}
	for _, p := range pairs {
		k := RowKey(p[0], p[1])
		if q, dup := seen[k]; dup {
			t.Errorf("RowKey%q and RowKey%q are both %q", q, p, k)
		}
		seen[k] = p
	}
	if k := RowKey("b.smith", "chat-77"); k != "b.smith/chat-77" {
		t.Errorf("RowKey = %q", k)
	}
	if k := RowKey(strings.Repeat("/", MaxIDBytes), strings.Repeat("i", MaxIDBytes)); len(k) != 4*MaxIDBytes+1 {
		t.Errorf("the longest key is %d bytes", len(k))
	}
}

// 10,000 distinct unknown types are counted, the first MaxUnknownTypes by name and the rest
// together: the map does not grow with them.
func TestUnknownTypesAreBounded(t *testing.T) {
	t.Parallel()
	s := NewStore()
	for i := range 10000 {
		e, err := Decode(fmt.Appendf(nil, `{"type":"T%d-%s","agentId":"b.smith","params":[]}`, i, strings.Repeat("U", 100)))
		if err != nil {
			t.Fatal(err)
		}
		s.Apply(e, time.UnixMilli(1700000000000))
	}
	e, _ := Decode([]byte(`{"type":"T0-` + strings.Repeat("U", 100) + `","params":[]}`))
	s.Apply(e, time.UnixMilli(1700000000000)) // a type already counted by name still is
	st := s.Snapshot().Stats
	if len(st.Unknown) > MaxUnknownTypes || st.UnknownOther != 10000-MaxUnknownTypes {
		t.Fatalf("%d types by name, %d other; want at most %d by name", len(st.Unknown), st.UnknownOther, MaxUnknownTypes)
	}
	if n := st.Unknown["T0-"+strings.Repeat("U", 100)]; n != 2 {
		t.Errorf("the first type counted %d times, want 2", n)
	}
}

// FuzzSuspectID holds isPlain's byte scan, checkID's fast path, to its rune-by-rune rules, on any bytes (valid
// UTF-8 or not): an identifier it passes over holds no control and no invisible character.
func FuzzSuspectID(f *testing.F) {
	for _, s := range []string{"", "a.jones", "a\x00b", "a\x1fb", "a\x7fb", "a\u0080b", "a\u009fb", "a\u00a0b",
		"\xc2", "\xc2\x80", "\xe0\xc2\x80", "\xc2\xc2\x9f", "\xf0\x9f\x98\x80", "\xff\x80\x9f", "Zoë Ålund", "山田",
		"k\u200bim", "a\u2028", "x\u202e"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !isPlain(s) {
			return
		}
		for i, r := range s {
			if isControl(r) || invisibleInID(r) {
				t.Fatalf("isPlain(%q) passed over U+%04X at byte %d", s, r, i)
			}
		}
	})
}
