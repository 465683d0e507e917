package model

import (
	"reflect"
	"testing"
)

// FuzzUnnumberedAgreesWithDecode: every message Decode takes, Unnumbered reads, and what it returns
// decodes to the same event but for its seq, which is gone; a message without a seq comes back as
// it was. (Seeds: testdata/fuzz/FuzzUnnumberedAgreesWithDecode.)
func FuzzUnnumberedAgreesWithDecode(f *testing.F) {
	f.Add([]byte(`{"type":"ON_LOGOUT","agentId":"a1","ts":1700000000000,"seq":3,"params":[]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		ev, err := Decode(data)
		if err != nil {
			_, _ = Unnumbered(data)
			return
		}
		out, ok := Unnumbered(data)
		if !ok {
			t.Fatalf("Decode takes %q, Unnumbered does not", data)
		}
		if !ev.HasSeq && PeekMember(data, "seq") < 0 && &out[0] != &data[0] {
			t.Errorf("no seq, yet copied: %q", out)
		}
		got, err := Decode(out)
		if err != nil {
			t.Fatalf("%q, without its seq %q, is refused: %v", data, out, err)
		}
		if got.HasSeq || got.Seq != 0 {
			t.Errorf("%q still has seq %d", out, got.Seq)
		}
		if len(got.Warnings) > len(ev.Warnings) {
			t.Errorf("%q warns %q, without its seq %q", data, ev.Warnings, got.Warnings)
		}
		// The warnings may name a seq given twice; what was repaired is the message as decoded.
		ev.HasSeq, ev.Seq, ev.Repaired, got.Repaired, ev.Warnings, got.Warnings = false, 0, nil, nil, nil, nil
		if !reflect.DeepEqual(ev, got) {
			t.Errorf("%q decodes to\n%+v\nwithout its seq %q to\n%+v", data, ev, out, got)
		}
	})
}

// A monitor sent only some of an agent's events gets them without the agent's numbers, escaped
// and repeated seq members too, and nothing else of the message changes.
func TestUnnumbered(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		`{"type":"ON_LOGOUT","agentId":"a1","ts":1,"seq":3,"params":[]}`:           `{"type":"ON_LOGOUT","agentId":"a1","ts":1,"params":[]}`,
		` { "seq" : 3 , "type":"ON_LOGOUT", "s\u0065q":4,"params":[ ] ,"seq":5 } `: `{"type":"ON_LOGOUT","params":[ ]}`,
		`{"type":"ON_LOGOUT","Seq":3,"params":[]}`:                                 `{"type":"ON_LOGOUT","Seq":3,"params":[]}`,
		`{}`: `{}`,
	} {
		if out, ok := Unnumbered([]byte(in)); !ok || string(out) != want {
			t.Errorf("Unnumbered(%s) = %s %v, want %s", in, out, ok, want)
		}
	}
	for _, in := range []string{``, `[]`, `{"seq":1`, `{"seq":1,}`, `{"seq" 1}`, `{"a":1`, `{"a":1,"b"}`, `{"seq":1}x`, `{}x`} {
		if out, ok := Unnumbered([]byte(in)); ok {
			t.Errorf("Unnumbered(%q) = %q, want it refused", in, out)
		}
	}
}
