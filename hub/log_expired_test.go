package hub

import (
	"context"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/internal/jetlog"
)

// TestStartAfterTheLogAgedOut: a hub stopped for longer than the history starts again on a log
// that holds no message at all (every one after its checkpoint aged out): the stream still ends
// at the last sequence it stored, and no message at or after it will come. Start restores the
// checkpoint and counts the rest lost rather than wait for one.
func TestStartAfterTheLogAgedOut(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	open := func() *jetlog.Log { return openLogConfig(t, jetlog.Config{Dir: dir, History: time.Second}) }
	first := startHubOnLog(t, open(), Config{CheckpointEvery: 2})
	first.ownsLog = true
	send(t, first.dial(t, "/ingest?session=s1", nil), deskEvents("a1", 3)...)
	first.waitApplied(t, 3)
	first.waitCheckpointed(t, 2)
	first.crash()

	l := open()
	t.Cleanup(func() { _ = l.Close() })
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, err := l.State(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if st.Messages == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the log still holds %d messages after 10s of a 1s history", st.Messages)
		}
		time.Sleep(50 * time.Millisecond)
	}
	h := New(Config{EventLog: l, Log: &syncBuffer{}})
	t.Cleanup(h.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r, err := h.Start(ctx)
	if err != nil {
		t.Fatalf("Start on a log whose messages all aged out: %v (restored %v)", err, r)
	}
	if r.Checkpoint != 2 || r.Lost != 1 || r.Replayed != 0 {
		t.Errorf("restored %v; want the checkpoint at seq 2, 1 message lost, none replayed", r)
	}
}
