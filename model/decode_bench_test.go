package model

import "testing"

// BenchmarkIngestPlainDecoder is BenchmarkIngest with Decode's plain path only (the envelope with
// raw params, then each param): what the in-place fast path earns is the ratio of the two.
func BenchmarkIngestPlainDecoder(b *testing.B) {
	lines := benchLines(10000)
	b.SetBytes(totalBytes(lines))
	b.ReportAllocs()
	for b.Loop() {
		s := NewStore()
		for _, l := range lines {
			ev, err := decodePlain(l)
			if err != nil {
				b.Fatal(err)
			}
			s.Apply(ev, ev.TS)
		}
	}
	b.ReportMetric(float64(len(lines)*b.N)/b.Elapsed().Seconds(), "events/s")
}
