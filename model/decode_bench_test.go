package model

import "testing"

// BenchmarkIngestPlainDecoder is BenchmarkIngest with Decode's plain path only (the envelope with
// raw params, then each param): what the in-place fast path earns is the ratio of the two.
func BenchmarkIngestPlainDecoder(b *testing.B) { benchIngest(b, decodePlain) }
