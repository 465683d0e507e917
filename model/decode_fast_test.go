package model_test

import (
	"bufio"
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/deskwatch/deskwatch/internal/synth"
	"github.com/deskwatch/deskwatch/model"
	"github.com/go-json-experiment/json/jsontext"
)

// mutations turn a valid message into the awkward ones a fast path could get wrong: members
// reordered, repeated, null, escaped or in other letter case, trailing data, truncation.
var mutations = []func(rng *rand.Rand, b []byte) []byte{
	func(_ *rand.Rand, b []byte) []byte { // params first
		i := bytes.Index(b, []byte(`,"params":`))
		if i < 0 {
			return b
		}
		params := b[i+1 : len(b)-1]
		return append(append(append([]byte("{"), params...), ','), b[1:i]...)
	},
	func(_ *rand.Rand, b []byte) []byte {
		return bytes.Replace(b, []byte(`{"type":`), []byte(`{"type":null,"type":`), 1)
	},
	func(_ *rand.Rand, b []byte) []byte {
		return bytes.Replace(b, []byte(`"type":`), []byte(`"type":"ON_LOGOUT","type":`), 1)
	},
	func(_ *rand.Rand, b []byte) []byte {
		return append(b[:len(b)-1:len(b)-1], []byte(`,"type":"ON_LOGOUT"}`)...)
	},
	func(_ *rand.Rand, b []byte) []byte {
		return append(b[:len(b)-1:len(b)-1], []byte(`,"agentId":null}`)...)
	},
	func(_ *rand.Rand, b []byte) []byte {
		return append(b[:len(b)-1:len(b)-1], []byte(`,"ts":null,"seq":null}`)...)
	},
	func(_ *rand.Rand, b []byte) []byte { return append(b[:len(b)-1:len(b)-1], []byte(`,"ts":"1"}`)...) },
	func(_ *rand.Rand, b []byte) []byte { return append(b[:len(b)-1:len(b)-1], []byte(`,"seq":1e999}`)...) },
	func(_ *rand.Rand, b []byte) []byte {
		return append(b[:len(b)-1:len(b)-1], []byte(`,"Type":"ON_LOGOUT"}`)...)
	},
	func(_ *rand.Rand, b []byte) []byte {
		return append(b[:len(b)-1:len(b)-1], []byte(`,"\u0074ype":"X"}`)...)
	},
	func(_ *rand.Rand, b []byte) []byte {
		return append(b[:len(b)-1:len(b)-1], []byte(`,"uid":{"a":[1,2]}}`)...)
	},
	func(_ *rand.Rand, b []byte) []byte { return append(b[:len(b)-1:len(b)-1], []byte(`,"params":[]}`)...) },
	func(_ *rand.Rand, b []byte) []byte { return append(b[:len(b):len(b)], []byte(` {}`)...) },
	func(_ *rand.Rand, b []byte) []byte { return append(b[:len(b):len(b)], []byte(" \r\n")...) },
	func(_ *rand.Rand, b []byte) []byte {
		return bytes.Replace(b, []byte(`"params":[`), []byte(`"params":[null,`), 1)
	},
	func(_ *rand.Rand, b []byte) []byte {
		return bytes.Replace(b, []byte(`"params":[`), []byte(`"params":[],"x":[`), 1)
	},
	func(_ *rand.Rand, b []byte) []byte {
		return bytes.Replace(b, []byte(`}]`), []byte(`},"extra",{"x":1}]`), 1)
	},
	func(_ *rand.Rand, b []byte) []byte { return bytes.Replace(b, []byte(`"ON_`), []byte(`"ON\u005f`), 1) },
	func(_ *rand.Rand, b []byte) []byte { return bytes.Replace(b, []byte(`"ON_`), []byte("\"\xffON_"), 1) },
	func(_ *rand.Rand, b []byte) []byte {
		return bytes.Replace(b, []byte(`"callMuted":false`), []byte(`"callMuted":"no"`), 1)
	},
	func(_ *rand.Rand, b []byte) []byte {
		return bytes.Replace(b, []byte(`"state":"`), []byte(`"state":"","x":"`), 1)
	},
	func(rng *rand.Rand, b []byte) []byte { return b[:rng.IntN(len(b))] },
	func(rng *rand.Rand, b []byte) []byte { // one byte changed
		c := bytes.Clone(b)
		const junk = `{}[]",:0a\ `
		c[rng.IntN(len(c))] = junk[rng.IntN(len(junk))]
		return c
	},
}

// TestDecodeFastMatchesPlain: whatever the fast path accepts, the plain path accepts with an
// identical event; everything else goes to the plain path, so rejections are its own.
func TestDecodeFastMatchesPlain(t *testing.T) {
	var inputs [][]byte
	g := synth.NewGenerator(synth.GeneratorConfig{Seed: 9, Agents: 12})
	for range 4000 {
		data, _ := g.Next()
		inputs = append(inputs, data)
	}
	inputs = append(inputs, append(g.Presence(), g.Snapshots()...)...)
	for _, name := range []string{"../cmd/testdata/desk.jsonl", "../feed/testdata/replay_mixed.jsonl"} {
		f, err := os.Open(filepath.FromSlash(name))
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if len(bytes.TrimSpace(sc.Bytes())) > 1 {
				inputs = append(inputs, bytes.Clone(sc.Bytes()))
			}
		}
		f.Close()
	}
	rng := rand.New(rand.NewPCG(1, 2))
	clean := len(inputs)
	for i := range clean * 2 {
		inputs = append(inputs, mutations[i%len(mutations)](rng, bytes.Clone(inputs[rng.IntN(clean)])))
	}
	fast, cleanFast := 0, 0
	for i, in := range inputs {
		ev, ok := model.DecodeFast(in)
		if !ok {
			continue
		}
		fast++
		if i < clean {
			cleanFast++
		}
		want, err := model.DecodePlain(in)
		if err != nil {
			t.Fatalf("fast path accepted what the plain path rejects (%v):\n%s", err, in)
		}
		if !reflect.DeepEqual(ev, want) {
			t.Fatalf("fast and plain paths differ on\n%s\nfast:  %+v\nplain: %+v", in, ev, want)
		}
	}
	t.Logf("%d of %d clean messages and %d of %d mutated took the fast path", cleanFast, clean,
		fast-cleanFast, len(inputs)-clean)
	if cleanFast < clean*9/10 {
		t.Errorf("only %d of %d clean messages took the fast path", cleanFast, clean)
	}
}

// FuzzDecodeFastMatchesPlain is the same check on arbitrary input.
func FuzzDecodeFastMatchesPlain(f *testing.F) {
	g := synth.NewGenerator(synth.GeneratorConfig{Seed: 4, Agents: 3})
	for range 30 {
		data, _ := g.Next()
		f.Add(data)
	}
	for _, v := range interactionVariants {
		f.Add([]byte(`{"type":"ON_NEW_INTERACTION","params":[{"interactionId":"c","state":"s","type":"t",` + v + `}]}`))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		ev, ok := model.DecodeFast(in)
		if !ok {
			return
		}
		want, err := model.DecodePlain(in)
		if err != nil || !reflect.DeepEqual(ev, want) {
			t.Fatalf("fast %+v, plain %+v, %v", ev, want, err)
		}
	})
}

// interactionVariants are InteractionData members in the shapes the hand-written reader must read
// as the JSON library does, or leave to the plain path: nulls, empty and odd values, unknown members
// at every level, escapes, names in other letter case, values of the wrong kind.
var interactionVariants = []string{
	`"subject":null`, `"subject":"a\"b\u00e9\n"`, `"associatedObjects":null`, `"associatedObjects":{}`,
	`"associatedObjects":{"list":null,"selected":"x"}`, `"associatedObjects":{"list":[],"selected":[1, "a"]}`,
	`"associatedObjects":{"list":[null,{}],"x":{ "y" : [1] }}`,
	`"associatedObjects":{"list":[{"id":"1","type":null,"customFields":null,"source":{"a":1},"z":true}]}`,
	`"associatedObjects":{"list":[{"Id":"1"}]}`, `"associatedObjects":{"List":[]}`, `"associatedObjects":[]`,
	`"callParties":null`, `"callParties":[]`, `"callParties":[null]`, `"callParties":{}`,
	`"callParties":[{"id":"p","name":"n","phone":null,"userId":null,"x":[]}]`, `"callParties":[{"userId":"u"}]`,
	`"callParties":[{"userId":1}]`, `"callParties":[{"ID":"p"}]`, `"callParties":[{"i\u0064":"p"}]`,
	`"callMuted":null`, `"callMuted":true`, `"callMuted":0`, `"callRecording":"true"`,
	`"attachedData":null`, `"attachedData":{}`, `"attachedData":{"a":null,"b\u00e9":"c"}`, `"attachedData":{"a":1}`,
	`"attachedData":[]`, `"phoneNumber":null`, `"phoneNumber":""`, `"phoneNumber":5`, `"ANI":"1"`, `"DNIS":null`,
	`"callDirection":"inbound"`, `"callDirection":null`, `"origination":"internal"`, `"origination":{}`,
	`"startTime":null`, `"startTime":1.5e12`, `"startTime":"1"`, `"startTime":1e999`, `"duration":-0`,
	`"endTime":1736154000560`, `"unknown":null`, `"chatParties":[{"a":{"b":[]}}]`, `"Subject":"x"`,
	`"SERVICE":"x"`, `"servicE":null`, `"\u0073ervice":"x"`, `"":1`, `"email":"e","description":"d",` +
		`"disposition":"x","globalInteractionId":"g","service":"s","playbackUrl":"p","recordingUrl":"r"`,
}

// TestDecodeInteractionMatchesPlain checks the hand-written InteractionData reader on each variant:
// what the fast path accepts, the plain path accepts the same.
func TestDecodeInteractionMatchesPlain(t *testing.T) {
	const head = `{"type":"ON_INTERACTION_STATE_CHANGE","agentId":"a","ts":1700000000000,"params":[{` +
		`"interactionId":"c1","state":"connected","type":"voice",`
	fast := 0
	for _, v := range interactionVariants {
		in := []byte(head + v + `}]}`)
		ev, ok := model.DecodeFast(in)
		if !ok {
			continue
		}
		fast++
		if want, err := model.DecodePlain(in); err != nil || !reflect.DeepEqual(ev, want) {
			t.Errorf("on %s\nfast:  %+v\nplain: %+v, %v", v, ev.Payload, want.Payload, err)
		}
	}
	t.Logf("%d of %d variants took the fast path", fast, len(interactionVariants))
	if fast < len(interactionVariants)/2 {
		t.Errorf("only %d of %d variants took the fast path", fast, len(interactionVariants))
	}
}

// TestDecodeInteractionKnowsEveryField checks that the hand-written reader reads every member the
// structs name (a field added to them and not to the reader would land in Extra on the fast path
// only; the plain path falls back to nothing).
func TestDecodeInteractionKnowsEveryField(t *testing.T) {
	const head = `{"type":"ON_NEW_INTERACTION","params":[{"interactionId":"c1","state":"s","type":"voice"`
	for _, tc := range []struct {
		typ  reflect.Type
		wrap func(member string) string
		got  func(*model.Interaction) map[string]jsontext.Value
	}{
		{reflect.TypeFor[model.Interaction](), func(m string) string { return "," + m },
			func(in *model.Interaction) map[string]jsontext.Value { return in.Extra }},
		{reflect.TypeFor[model.AssociatedObjects](), func(m string) string { return `,"associatedObjects":{` + m + "}" },
			func(in *model.Interaction) map[string]jsontext.Value { return in.AssociatedObjects.Extra }},
		{reflect.TypeFor[model.AssociatedObject](), func(m string) string {
			return `,"associatedObjects":{"list":[{` + m + "}]}"
		}, func(in *model.Interaction) map[string]jsontext.Value { return in.AssociatedObjects.List[0].Extra }},
		{reflect.TypeFor[model.CallParty](), func(m string) string { return `,"callParties":[{` + m + "}]" },
			func(in *model.Interaction) map[string]jsontext.Value { return in.CallParties[0].Extra }},
	} {
		for f := range tc.typ.Fields() {
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "" || tc.typ == reflect.TypeFor[model.Interaction]() && strings.Contains(head, `"`+name+`"`) {
				continue // the embedded map, or a member the head holds already
			}
			in := []byte(head + tc.wrap(`"`+name+`":null`) + "}]}")
			ev, ok := model.DecodeFast(in)
			if !ok {
				t.Errorf("%s.%s: not on the fast path: %s", tc.typ.Name(), name, in)
				continue
			}
			if extra := tc.got(ev.Payload.(*model.Interaction)); extra != nil {
				t.Errorf("%s.%s: read as unknown (%v)", tc.typ.Name(), name, extra)
			}
		}
	}
}
