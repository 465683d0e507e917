package model

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// ivs is iv with a subject of our choosing (the decoder refuses duplicate keys).
func ivs(id, state, typ, subject, extra string) string {
	s := fmt.Sprintf(`{"interactionId":%q,"state":%q,"type":%q,"subject":%q,`, id, state, typ, subject) +
		`"associatedObjects":{"list":[],"selected":null},"attachedData":{}`
	if extra != "" {
		s += "," + extra
	}
	return s + "}"
}

// filterRows builds five rows, at t0+i seconds for the i-th event, and the time the tests look at
// them: A1 72s long, B2 on hold for 60s, C3 59s, D4 on hold for 58s, E5 ended after 1s.
func filterRows(t *testing.T) ([]*Row, time.Time) {
	s := NewStore()
	apply(t, s,
		evAgent("jdoe", EvNewInteraction, ivs("A1", "delivered", "voice", "Billing dispute",
			`"ANI":"+15550100","service":"Sales","callDirection":"inbound","callMuted":true,"callRecording":true,`+
				`"callParties":[{"id":"p","name":"Ann Smith","phone":"+15550100"}],"startTime":1699999990000`)),
		evAgent("mroe", EvNewInteraction, ivs("B2", "delivered", "chat", "Where is my order",
			`"callParties":[],"callMuted":false,"callRecording":false,"service":"Support","startTime":1699999900000`)),
		evAgent("mroe", EvInteractionStateChange, ivs("B2", "hold", "chat", "Where is my order",
			`"callParties":[],"callMuted":false,"callRecording":false,"service":"Support","startTime":1699999900000`)),
		evAgent("jdoe", EvNewInteraction, ivs("C3", "queued", "email", "Invoice",
			`"callParties":[],"callMuted":false,"callRecording":false,"email":"bob@example.com","service":"Billing","startTime":1700000003000`)),
		evAgent("j doe", EvNewInteraction, ivs("D4", "hold", "voice", `Re: "quote"`,
			`"callParties":[{"id":"q","name":"John Smith","phone":"+4420"}],"callMuted":false,"callRecording":false,`+
				`"phoneNumber":"+4420","callDirection":"outbound","service":"Sales EMEA","startTime":1700000000000`)),
		ev(EvNewInteraction, ivs("E5", "delivered", "voice", "ÉCOLE",
			`"callParties":[],"callMuted":false,"callRecording":false,"service":"Ünïcode Straße"`)),
		ev(EvInteractionRemoved, ivs("E5", "completed", "voice", "ÉCOLE",
			`"callParties":[],"callMuted":false,"callRecording":false,"service":"Ünïcode Straße"`)),
	)
	return s.Snapshot().Rows, t0.Add(62 * time.Second)
}

func matching(f Filter, rows []*Row, now time.Time) string {
	var out []*Row
	for _, r := range rows {
		if f.Match(r, now) {
			out = append(out, r)
		}
	}
	return ids(out)
}

func TestFilterSelects(t *testing.T) {
	rows, now := filterRows(t)
	tests := []struct{ filter, want string }{
		{"", "A1,B2,C3,D4,E5"},
		{"type:voice", "A1,D4,E5"},
		{"TYPE:Voice", "A1,D4,E5"},
		{"-type:voice", "B2,C3"},
		{"state:hold", "B2,D4"},
		{"-state:completed", "A1,B2,C3,D4"},
		{"state:ended", "E5"},
		{"state:open", "A1,B2,C3,D4"},
		{"agent:jdoe", "A1,C3"},
		{"agent:JDOE", ""}, // agent ids are compared exactly, as the hub and its tokens do
		{"agent:JD*", ""},
		{`agent:"j doe"`, "D4"},
		{"agent:j*", "A1,C3,D4"},
		{"agent:*doe", "A1,C3,D4"},
		{"agent:j*o*e", "A1,C3,D4"},
		{"agent:m*x", ""},
		{`agent:""`, "E5"},
		{"service:sales", "A1"},
		{"service:sales*", "A1,D4"},
		{"service:ünïcode*", "E5"},
		{"dir:in", "A1"},
		{"dir:outbound", "D4"},
		{"-dir:in", "B2,C3,D4,E5"},
		{"muted:yes", "A1"},
		{"rec:no", "B2,C3,D4,E5"},
		{"type:voice rec:no", "D4,E5"},
		{"type:voice rec:no state:open", "D4"},
		{"party:smith", "A1,D4"},
		{`party:"john smith"`, "D4"},
		{"party:bob@", "C3"},
		{"party:+4420", "D4"},
		{"id:a1", "A1"},
		{"subject:dispute", "A1"},
		{`subject:"\"quote\""`, "D4"},
		{"dur>60s", "A1,B2,D4"},
		{"dur<1m", "C3,E5"},
		{"dur>=62s", "A1,B2,D4"},
		{"dur<=59", "C3,E5"},
		{"dur>2m", "B2"},
		{"hold>59s", "B2"},
		{"hold>=58s", "B2,D4"},
		{"-hold>59s", "A1,C3,D4,E5"},
		{"smith", "A1,D4"},
		{"-smith", "B2,C3,E5"},
		{`"john smith"`, "D4"},
		{"jdoe billing", "A1,C3"},
		{"école", "E5"},
		{"STRASSE", ""},
		{"straße", "E5"},
		{`"re:"`, "D4"},
		{"10:30", ""},
		{"+1555", "A1"},
		{"type:voice -state:completed smith dur>1m", "A1,D4"},
	}
	for _, tt := range tests {
		f := mustParse(t, tt.filter)
		if got := matching(f, rows, now); got != tt.want {
			t.Errorf("filter %q selects %q, want %q", tt.filter, got, tt.want)
		}
	}
}

func TestFilterErrors(t *testing.T) {
	tests := []struct{ filter, want string }{
		{"state:hold stat:hold", `filter term 2 "stat:hold": unknown field "stat" (fields: type, state, agent, service, dir, muted, rec, party, id, subject, dur, hold)`},
		{"type:fax", `filter term 1 "type:fax": unknown type (voice, chat, email)`},
		{"dur>5x", `filter term 1 "dur>5x": bad duration "5x" (e.g. 30s, 5m, 1h30m; at most 100000h)`},
		{"dur>-5s", `filter term 1 "dur>-5s": bad duration "-5s" (e.g. 30s, 5m, 1h30m; at most 100000h)`},
		{"dur>", `filter term 1 "dur>": bad duration "" (e.g. 30s, 5m, 1h30m; at most 100000h)`},
		{"dur:5m", `filter term 1 "dur:5m": dur compares with <, <=, > or >= (e.g. dur>5m)`},
		{"a b hold=1m", `filter term 3 "hold=1m": hold compares with <, <=, > or >= (e.g. hold>5m)`},
		{"type>voice", `filter term 1 "type>voice": type takes a value after a colon (type:VALUE); only dur and hold compare`},
		{"type=voice", `filter term 1 "type=voice": type takes a value after a colon (type:VALUE); only dur and hold compare`},
		{`x party:"John`, `filter term 2 "party:\"John": missing closing quote`},
		{"type:", `filter term 1 "type:": missing value (voice, chat, email)`},
		{`party:""`, `filter term 1 "party:\"\"": missing value (part of a party's name or number)`},
		{"muted:maybe", `filter term 1 "muted:maybe": muted is yes or no`},
		{"dir:sideways", `filter term 1 "dir:sideways": unknown direction (in, out)`},
		{"state:done", `filter term 1 "state:done": unknown state (queued, ivr, delivery_pending, delivered, hold, wrap_up, wrap_up_hold, completed, unknown, open, ended)`},
		{`""`, `filter term 1 "\"\"": empty text`},
		{"http://example.com", `filter term 1 "http://example.com": unknown field "http" (fields: type, state, agent, service, dir, muted, rec, party, id, subject, dur, hold)`},
	}
	for _, tt := range tests {
		f, err := ParseFilter(tt.filter)
		if err == nil {
			t.Errorf("ParseFilter(%q) = %q, want an error", tt.filter, f.String())
			continue
		}
		if err.Error() != tt.want {
			t.Errorf("ParseFilter(%q)\n got %s\nwant %s", tt.filter, err, tt.want)
		}
		if !f.Empty() {
			t.Errorf("ParseFilter(%q) returned a half-compiled filter", tt.filter)
		}
	}
	_, err := ParseFilter("a  stat:x b")
	var fe *FilterError
	if !errors.As(err, &fe) || fe.Term != 2 || fe.Start != 3 || fe.End != 9 || fe.Text != "stat:x" {
		t.Errorf("FilterError = %+v", fe)
	}
}

func TestFilterCanonical(t *testing.T) {
	tests := []struct{ in, want string }{
		{"  TYPE:Voice   -State:Completed dur>90s  Smith ", "type:voice -state:completed dur>1m30s Smith"},
		{"direction:inbound recording:on mute:0 status:hold duration<2h", "dir:in rec:yes muted:no state:hold dur<2h"},
		{`party:"John Smith"`, `party:"John Smith"`},
		{`"stat:hold"`, `"stat:hold"`},
		{`"-x"`, `"-x"`},
		{`agent:""`, `agent:""`},
		{`subject:"say \"hi\" \\o/"`, `subject:"say \"hi\" \\o/"`},
		{`sub"ject x"`, `"subject x"`},
		{"dur>=300", "dur>=5m"},
		{"hold<1.5s", "hold<1.5s"},
		{"dur>0", "dur>0s"},
		{"dur>1h0m1s", "dur>1h1s"},
		{"-", "-"},
		{"10:30", "10:30"},
	}
	for _, tt := range tests {
		f := mustParse(t, tt.in)
		if got := f.String(); got != tt.want {
			t.Errorf("ParseFilter(%q).String() = %q, want %q", tt.in, got, tt.want)
		}
		again, err := ParseFilter(f.String())
		if err != nil || again.String() != f.String() {
			t.Errorf("canonical %q does not parse back to itself: %q, %v", f.String(), again.String(), err)
		}
	}
}

func TestFilterTimed(t *testing.T) {
	for in, want := range map[string]bool{"": false, "type:voice smith": false, "dur>5m": true,
		"x -hold>1m": true} {
		f, err := ParseFilter(in)
		if err != nil || f.Timed() != want {
			t.Errorf("ParseFilter(%q).Timed() = %v, %v; want %v", in, f.Timed(), err, want)
		}
	}
}

func TestFilterMatchDoesNotAllocate(t *testing.T) {
	rows, now := filterRows(t)
	f, err := ParseFilter(`-type:chat state:open agent:j* service:sales* party:smith "ann" dur>1s -hold>1m rec:yes ÉCOLE`)
	if err != nil {
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(100, func() {
		for _, r := range rows {
			f.Match(r, now)
		}
	})
	if allocs != 0 {
		t.Errorf("Match allocates %v times per pass", allocs)
	}
}

func TestFoldHelpers(t *testing.T) {
	tests := []struct {
		s, term  string
		contains bool
	}{
		{"Hello World", "o w", true},
		{"Hello", "hello!", false},
		{"", "", true},
		{"abc", "", true},
		{"\u212Aelvin", "kelvin", true}, // the Kelvin sign folds to k
		{"ÀÉÎ", "éî", true},
		{"aaab", "aab", true},
	}
	for _, tt := range tests {
		if got := containsFold(tt.s, tt.term); got != tt.contains {
			t.Errorf("containsFold(%q, %q) = %v", tt.s, tt.term, got)
		}
	}
	if !equalFold("JDoe", "jdoe") || equalFold("jdoe2", "jdoe") || equalFold("jdo", "jdoe") {
		t.Error("equalFold")
	}
}

func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{"type:voice -state:hold", `party:"a b"`, "dur>5m", `"x\"`, "-", "a:b:c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if _, err := ParseFilter(s); err == nil {
			checkCanonical(t, s)
		}
	})
}

// Duration literals that would overflow are refused (dur<12000000000000 used to wrap to a negative
// duration whose canonical form did not parse back); the bound itself is accepted and round-trips.
func TestFilterDurationBounds(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"dur<12000000000000", "hold>9223372036854775808", "dur>360000001",
		"dur<100001h", "dur<2562048h", "hold<99999999999999999999s"} {
		if _, err := ParseFilter(s); err == nil || !strings.Contains(err.Error(), "at most 100000h") {
			t.Errorf("ParseFilter(%q) = %v, want a bad duration", s, err)
		}
	}
	for _, s := range []string{"dur<360000000", "dur<100000h", "hold>=99999h59m59.999999999s", "dur>0", "dur<1.5us"} {
		checkCanonical(t, s)
	}
}

// mustParse parses the filter s, which the test knows to be good.
func mustParse(tb testing.TB, s string) Filter {
	tb.Helper()
	f, err := ParseFilter(s)
	if err != nil {
		tb.Fatalf("ParseFilter(%q): %v", s, err)
	}
	return f
}

// checkCanonical parses s, and its canonical form must parse to the same canonical form and select
// the same rows.
func checkCanonical(t *testing.T, s string) {
	t.Helper()
	f := mustParse(t, s)
	again, err := ParseFilter(f.String())
	if err != nil || again.String() != f.String() {
		t.Fatalf("%q → canonical %q → %q, %v", s, f.String(), again.String(), err)
	}
	rows, now := filterRows(t)
	if a, b := matching(f, rows, now), matching(again, rows, now); a != b {
		t.Fatalf("%q selects %q, its canonical form %q selects %q", s, a, f.String(), b)
	}
}

// FilterTerm's term selects exactly the value it was given, whatever the value holds.
func TestFilterTermSelectsItsValue(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"a.jones", "", "Sales EU", `say "hi"`, `back\slash`, "tab\there", `\"`} {
		f, err := ParseFilter(FilterTerm("agent", v))
		if err != nil {
			t.Fatalf("FilterTerm(agent, %q) = %q: %v", v, FilterTerm("agent", v), err)
		}
		row := &Row{AgentID: v, Data: &Interaction{ID: "c1"}}
		other := &Row{AgentID: v + "x", Data: &Interaction{ID: "c2"}}
		if !f.Match(row, time.Time{}) || f.Match(other, time.Time{}) {
			t.Errorf("FilterTerm(agent, %q) = %q does not select exactly it", v, FilterTerm("agent", v))
		}
	}
}
