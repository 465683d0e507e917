package model_test

import (
	"bufio"
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/deskwatch/deskwatch/internal/synth"
	"github.com/deskwatch/deskwatch/model"
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
