package feed

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/internal/synth"
)

// BenchmarkRecord measures recording one generator event: as a plain event with its receive time
// spliced in (the common case), and wrapped (what a rejected message costs). Compare the two within
// one run.
func BenchmarkRecord(b *testing.B) {
	g := synth.NewGenerator(synth.GeneratorConfig{Seed: 1, Start: time.UnixMilli(base)})
	events := make([][]byte, 1024)
	var size int64
	for i := range events {
		events[i], _ = g.Next()
		size += int64(len(events[i]))
	}
	for _, tc := range []struct {
		name    string
		problem string
	}{{"plain", ""}, {"wrapped", "rejected by the source"}} {
		b.Run(tc.name, func(b *testing.B) {
			rec, err := NewRecorder(filepath.Join(b.TempDir(), "rec.jsonl"))
			if err != nil {
				b.Fatal(err)
			}
			recv := time.Now()
			b.SetBytes(size / int64(len(events)))
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				rec.Record(Message{Data: events[i%len(events)], Received: recv, Problem: tc.problem})
			}
			if err := rec.Close(); err != nil {
				b.Fatal(err)
			}
		})
	}
}
