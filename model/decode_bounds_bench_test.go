package model

import (
	"strings"
	"testing"
)

// BenchmarkDecodeLists decodes an interaction whose associated objects are all empty ({}): at the
// bound, accepted (what a row can hold for 770 bytes of JSON), and far over it, rejected (what one
// such event costs while it is decoded). B/op is the figure: what decoding allocates for the
// event's bytes (reported as json-bytes).
//
//	go test -run '^$' -bench '^BenchmarkDecodeLists$' -benchmem ./model/
func BenchmarkDecodeLists(b *testing.B) {
	for _, c := range []struct {
		name string
		n    int
		ok   bool
	}{{"objects=256", MaxAssociatedObjects, true}, {"objects=300000", 300000, false}} {
		b.Run(c.name, func(b *testing.B) {
			msg := []byte(ev(EvNewInteraction, strings.Replace(iv("i1", "delivered", "voice", ""), `"list":[]`,
				`"list":[`+list(`{}`, c.n)+`]`, 1)))
			for b.Loop() {
				if _, err := Decode(msg); (err == nil) != c.ok {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(msg)), "json-bytes")
		})
	}
}
