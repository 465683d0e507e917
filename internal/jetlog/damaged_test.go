package jetlog

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDamagedCheckpointFallsBackToAnOlderOne: the newest checkpoint's files are garbled while the
// log is closed. Reading it failed (after a timeout: the chunk the server dropped never came) and
// the hub would not start; the older checkpoint is returned instead, and the log says why.
func TestDamagedCheckpointFallsBackToAnOlderOne(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	l := openLog(t, Config{Dir: dir})
	ctx := testCtx(t)
	now := time.Now().UTC().Truncate(time.Millisecond)
	marker := bytes.Repeat([]byte("NEWEST-CHECKPOINT."), 4096)
	for _, c := range []Checkpoint{{Seq: 10, Time: now, Data: []byte(`{"older":true}`)}, {Seq: 20, Time: now, Data: marker}} {
		if err := l.SaveCheckpoint(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	blk := filepath.Join(dir, "jetstream", "$G", "streams", "OBJ_"+CheckpointBucket, "msgs", "1.blk")
	raw, err := os.ReadFile(blk)
	if err != nil {
		t.Fatal(err)
	}
	at := bytes.Index(raw, marker[:64])
	if at < 0 {
		t.Fatalf("the newest checkpoint's data is not in %s", blk)
	}
	copy(raw[at+1000:], "GARBAGE-GARBAGE-GARBAGE")
	if err := os.WriteFile(blk, raw, 0o600); err != nil {
		t.Fatal(err)
	}

	var logged strings.Builder
	l = openLog(t, Config{Dir: dir, Log: &logged})
	c, ok, err := l.LatestCheckpoint(testCtx(t))
	if err != nil || !ok || c.Seq != 10 || string(c.Data) != `{"older":true}` {
		t.Fatalf("latest checkpoint after the newest was garbled: seq %d, ok %v, error %v; want the one at 10", c.Seq, ok, err)
	}
	if !strings.Contains(logged.String(), "checkpoint at 20 unreadable") {
		t.Errorf("the log said:\n%s\nwant the damaged checkpoint named", logged.String())
	}
}
