package jetlog

import (
	"bytes"
	"context"
	"io"
	"testing"
	"time"
)

// A checkpoint is written at checkpointRate at most, whole, and stops when its context ends.
func TestCheckpointWritesArePaced(t *testing.T) {
	t.Parallel()
	data := bytes.Repeat([]byte("floor "), checkpointRate/8/6) // an eighth of a second's worth
	start := time.Now()
	got, err := io.ReadAll(&pacedReader{ctx: context.Background(), r: bytes.NewReader(data)})
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read %d of %d bytes: %v", len(got), len(data), err)
	}
	// The first chunk goes at once; the rest at the rate.
	if min := time.Duration(len(data)-checkpointRate/64) * time.Second / checkpointRate; time.Since(start) < min {
		t.Errorf("%d bytes read in %s, faster than %d bytes/s", len(data), time.Since(start), checkpointRate)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	p := &pacedReader{ctx: ctx, r: bytes.NewReader(data)}
	if _, err := io.ReadAll(p); err != context.Canceled {
		t.Errorf("a canceled save read on: %v", err)
	}
}
