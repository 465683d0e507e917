package hub

import (
	"context"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/internal/jetlog"
	"github.com/deskwatch/deskwatch/model"
)

// TestCheckpointIsTheFloorAfterItsSeq: the apply loop copies the floor with the message and saves
// it in the background while it applies the next ones: every checkpoint kept describes exactly
// the floor after its seq (one bridge's events, log seq n carrying the agent's seq n), however
// many messages were applied while it was saved.
func TestCheckpointIsTheFloorAfterItsSeq(t *testing.T) {
	t.Parallel()
	lh := startLogHub(t, t.TempDir(), Config{CheckpointEvery: 2})
	const n = 60
	send(t, lh.dial(t, "/ingest?session=s1", nil), deskEvents("a1", n)...)
	lh.waitApplied(t, n)
	lh.waitCheckpointed(t, n-1)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cp, ok, err := lh.l.LatestCheckpoint(ctx)
	checked := 0
	for ; ok && err == nil; cp, ok, err = lh.l.CheckpointBefore(ctx, cp.Seq-1) {
		data, derr := decodeCheckpoint(cp)
		if derr != nil {
			t.Fatalf("checkpoint at seq %d: %v", cp.Seq, derr)
		}
		if got := data.Sessions["a1"]; got.Seq != int64(cp.Seq) {
			t.Errorf("checkpoint at seq %d: dedupe record %+v, want seq %d", cp.Seq, got, cp.Seq)
		}
		for _, raw := range data.Events {
			if ev, err := model.Decode(raw); err != nil || ev.Seq != int64(cp.Seq) {
				t.Errorf("checkpoint at seq %d: event %s (%v), want the agent at seq %d", cp.Seq, raw, err, cp.Seq)
			}
		}
		checked++
		if cp.Seq <= 1 {
			break
		}
	}
	if err != nil || checked < 2 {
		t.Fatalf("%d checkpoints checked, want 2 or more (%v)", checked, err)
	}
}

// TestEmptyFloorCheckpointReadsBack: encodeFloor writes the checkpoint's JSON by hand; an empty
// floor's is valid and reads back as an empty floor of this version.
func TestEmptyFloorCheckpointReadsBack(t *testing.T) {
	t.Parallel()
	h := New(Config{Log: &syncBuffer{}})
	defer h.Close()
	h.mu.Lock()
	c := h.copyFloorLocked()
	h.mu.Unlock()
	blob, err := h.encodeFloor(c)
	if err != nil {
		t.Fatal(err)
	}
	data, err := decodeCheckpoint(jetlog.Checkpoint{Data: blob})
	if err != nil || data.Version != checkpointVersion || len(data.Events) != 0 {
		t.Fatalf("%s read back as %+v, %v", blob, data, err)
	}
}
