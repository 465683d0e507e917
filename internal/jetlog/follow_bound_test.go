package jetlog

import (
	"bytes"
	"context"
	"testing"
	"time"
)

// TestFollowBuffersBoundedBytes: a Follow whose fn is slow (a monitor reading history slowly)
// holds a bounded number of bytes of messages it has not been given yet, not followBatch of the
// largest messages (256 events of 1 MiB for each of the hub's history monitors).
func TestFollowBuffersBoundedBytes(t *testing.T) {
	t.Parallel()
	l := openLog(t, Config{})
	const n, size = 48, 1 << 20
	data := bytes.Repeat([]byte("x"), size)
	for i := range n {
		if _, _, err := l.Append(testCtx(t), Msg{Agent: "a1", Data: data}, ""); err != nil {
			t.Fatalf("append %d: %v", i, err)
		}
	}
	ctx, cancel := context.WithCancel(testCtx(t))
	defer cancel()
	started := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- l.Follow(ctx, 1, func(Msg) error {
			close(started)
			<-ctx.Done() // the reader is stuck on its first message
			return ctx.Err()
		})
	}()
	<-started
	time.Sleep(time.Second) // the client fetches what it may meanwhile
	var delivered uint64
	for info := range l.st.stream.ListConsumers(testCtx(t)).Info() {
		delivered = max(delivered, info.Delivered.Stream)
	}
	cancel()
	<-done
	if limit := uint64(2*l.nc.MaxPayload()/size) + 2; delivered > limit {
		t.Errorf("%d messages of 1 MiB delivered to a Follow stuck on the first; want at most %d", delivered, limit)
	}
}
