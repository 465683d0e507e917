package hub

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/internal/jetlog"
)

// TestLostLogBehindItsCheckpointIsRefused: the data directory's stream of events is lost (its
// files deleted while the hub was stopped) but its checkpoints are not. The stream made anew
// numbers its messages from 1 again, below the checkpoint: a hub that started on it would
// acknowledge every event and apply none. Start refuses, and says why.
func TestLostLogBehindItsCheckpointIsRefused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := Config{CheckpointEvery: 2}
	first := startLogHub(t, dir, cfg)
	send(t, first.dial(t, "/ingest?session=s1", nil), deskEvents("a1", 3)...)
	first.waitApplied(t, 3)
	first.waitCheckpointed(t, 2)
	first.crash()
	if err := os.RemoveAll(filepath.Join(dir, "jetstream", "$G", "streams", jetlog.StreamName)); err != nil {
		t.Fatal(err)
	}

	l := openLog(t, dir)
	t.Cleanup(func() { _ = l.Close() })
	h := New(Config{EventLog: l, Log: &syncBuffer{}})
	t.Cleanup(h.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r, err := h.Start(ctx)
	if err == nil || !strings.Contains(err.Error(), "was lost or replaced") {
		t.Fatalf("Start on a log behind its checkpoint: restored %v, error %v; want it refused as lost", r, err)
	}
}
