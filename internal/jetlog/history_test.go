package jetlog

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// reopen closes l and opens its directory again with cfg (as the hub's restart does), calling
// meanwhile, when not nil, with the directory while no log has it open.
func reopen(t testing.TB, l *Log, cfg Config, meanwhile func(dir string)) *Log {
	t.Helper()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	cfg.Dir = l.cfg.Dir
	if meanwhile != nil {
		meanwhile(cfg.Dir)
	}
	return openLog(t, cfg)
}

// TestReopenKeepsAll: a log closed and opened again on the same directory (the hub's restart)
// has its messages and checkpoints, and goes on numbering after them.
func TestReopenKeepsAll(t *testing.T) {
	t.Parallel()
	l := openLog(t, Config{})
	appendN(t, l, "a", 10)
	ctx := testCtx(t)
	cp := Checkpoint{Seq: 10, Time: time.Now().UTC().Truncate(time.Millisecond), Data: []byte(`{"agents":1}`)}
	if err := l.SaveCheckpoint(ctx, cp); err != nil {
		t.Fatal(err)
	}
	var logged strings.Builder
	l = reopen(t, l, Config{Log: &logged}, nil)
	if got := collect(t, l, 1, 10); got[9].Seq != 10 || string(got[9].Data) != `{"n":9}` {
		t.Fatalf("after reopen: %+v", got[9])
	}
	c, ok, err := l.LatestCheckpoint(ctx)
	if err != nil || !ok || c.Seq != cp.Seq || !c.Time.Equal(cp.Time) || string(c.Data) != string(cp.Data) {
		t.Fatalf("latest checkpoint after reopen: %+v %v %v, want %+v", c, ok, err, cp)
	}
	if seqs := appendN(t, l, "a", 1); seqs[0] != 11 {
		t.Fatalf("first append after reopen got %d, want 11", seqs[0])
	}
	if logged.Len() != 0 {
		t.Fatalf("reopen with the same bounds logged %q", logged.String())
	}
	// Reopened with other bounds: the stream is updated and the log says so.
	l = reopen(t, l, Config{Log: &logged, History: time.Hour}, nil)
	if !strings.Contains(logged.String(), "history 24h0m0s → 1h0m0s") {
		t.Fatalf("reopen with another history logged %q", logged.String())
	}
	if st, err := l.State(ctx); err != nil || st.Messages != 11 || st.FirstSeq != 1 || st.LastSeq != 11 || st.FirstTime.IsZero() {
		t.Fatalf("state %+v %v", st, err)
	}
}

// TestHistoryBytesBound: a stream bounded by size drops its oldest messages, and a Follow from 1
// (or from a sequence dropped) starts at the first one kept.
func TestHistoryBytesBound(t *testing.T) {
	t.Parallel()
	l := openLog(t, Config{HistoryBytes: 8 << 10})
	appendN(t, l, "a", 400)
	st, err := l.State(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if st.FirstSeq <= 1 || st.LastSeq != 400 || st.Bytes > 8<<10 {
		t.Fatalf("state %+v: nothing dropped, or too much kept", st)
	}
	for _, from := range []uint64{0, 1, st.FirstSeq - 1} {
		if got := collect(t, l, from, 1); got[0].Seq != st.FirstSeq {
			t.Fatalf("follow from %d started at %d, want the first kept %d", from, got[0].Seq, st.FirstSeq)
		}
	}
}

// TestHistoryAgeBound: a stream bounded by age drops what is older; FirstAt then names the first
// kept, or the next to be stored when none is.
func TestHistoryAgeBound(t *testing.T) {
	t.Parallel()
	l := openLog(t, Config{History: time.Second})
	appendN(t, l, "a", 5)
	waitFor(t, "messages older than the history to go", func() bool {
		st, err := l.State(testCtx(t))
		return err == nil && st.Messages == 0
	})
	if seq, err := l.FirstAt(testCtx(t), time.Time{}); err != nil || seq != 6 {
		t.Fatalf("FirstAt(zero) on an empty stream: %d %v, want 6", seq, err)
	}
	appendN(t, l, "a", 1)
	if got := collect(t, l, 1, 1); got[0].Seq != 6 {
		t.Fatalf("follow from 1 started at %d, want 6", got[0].Seq)
	}
}

// TestFirstAt: the first message at or after a time, and the next sequence after the last.
func TestFirstAt(t *testing.T) {
	t.Parallel()
	l := openLog(t, Config{})
	appendN(t, l, "a", 3)
	msgs := collect(t, l, 1, 3)
	waitFor(t, "the clock to move past message 3", func() bool { return time.Now().After(msgs[2].Time) })
	mid := time.Now()
	waitFor(t, "the clock to move past mid", func() bool { return time.Now().After(mid) })
	appendN(t, l, "a", 2)
	ctx := testCtx(t)
	for _, c := range []struct {
		at   time.Time
		want uint64
	}{
		{time.Time{}, 1}, {msgs[0].Time, 1}, {msgs[1].Time, 2}, {mid, 4}, {time.Now().Add(time.Hour), 6},
	} {
		if got, err := l.FirstAt(ctx, c.at); err != nil || got != c.want {
			t.Errorf("FirstAt(%v) = %d %v, want %d", c.at, got, err, c.want)
		}
	}
}

// TestCheckpoints: CheckpointBefore picks the newest at or before a sequence; the count bound
// holds; a large checkpoint comes back whole.
func TestCheckpoints(t *testing.T) {
	t.Parallel()
	l := openLog(t, Config{})
	ctx := testCtx(t)
	if _, ok, err := l.LatestCheckpoint(ctx); ok || err != nil {
		t.Fatalf("latest of none: %v %v", ok, err)
	}
	now := time.Now()
	for i := uint64(1); i <= MaxCheckpoints+6; i++ {
		c := Checkpoint{Seq: i * 10, Time: now, Data: []byte{byte(i)}}
		if err := l.SaveCheckpoint(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	kept, err := l.checkpoints(ctx)
	if err != nil || len(kept) != MaxCheckpoints || kept[0].seq != 70 {
		t.Fatalf("kept %d from %v (%v), want %d from 70", len(kept), kept[0], err, MaxCheckpoints)
	}
	for _, c := range []struct {
		before, want uint64
		ok           bool
	}{{69, 0, false}, {70, 70, true}, {79, 70, true}, {355, 350, true}, {^uint64(0), (MaxCheckpoints + 6) * 10, true}} {
		got, ok, err := l.CheckpointBefore(ctx, c.before)
		if err != nil || ok != c.ok || got.Seq != c.want || (ok && got.Data[0] != byte(c.want/10)) {
			t.Errorf("CheckpointBefore(%d) = %d %v %v, want %d %v", c.before, got.Seq, ok, err, c.want, c.ok)
		}
	}
	big := bytes.Repeat([]byte("agent row "), 600_000) // 6 MB: many chunks
	if err := l.SaveCheckpoint(ctx, Checkpoint{Seq: 5000, Time: now, Data: big}); err != nil {
		t.Fatal(err)
	}
	if c, ok, err := l.LatestCheckpoint(ctx); err != nil || !ok || c.Seq != 5000 || !bytes.Equal(c.Data, big) {
		t.Fatalf("latest: seq %d %v %v, %d bytes", c.Seq, ok, err, len(c.Data))
	}
}

// TestDamagedCheckpointFallsBackToAnOlderOne: the newest checkpoint's files are garbled while the
// log is closed. Reading it failed (after a timeout: the chunk the server dropped never came) and
// the hub would not start; the older checkpoint is returned instead, and the log says why.
func TestDamagedCheckpointFallsBackToAnOlderOne(t *testing.T) {
	t.Parallel()
	l := openLog(t, Config{})
	ctx := testCtx(t)
	now := time.Now().UTC().Truncate(time.Millisecond)
	marker := make([]byte, 72<<10) // incompressible: stored as it is inside the packed checkpoint
	if _, err := rand.Read(marker); err != nil {
		t.Fatal(err)
	}
	for _, c := range []Checkpoint{{Seq: 10, Time: now, Data: []byte(`{"older":true}`)}, {Seq: 20, Time: now, Data: marker}} {
		if err := l.SaveCheckpoint(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	var logged strings.Builder
	l = reopen(t, l, Config{Log: &logged}, func(dir string) {
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
	})
	c, ok, err := l.LatestCheckpoint(testCtx(t))
	if err != nil || !ok || c.Seq != 10 || string(c.Data) != `{"older":true}` {
		t.Fatalf("latest checkpoint after the newest was garbled: seq %d, ok %v, error %v; want the one at 10", c.Seq, ok, err)
	}
	if !strings.Contains(logged.String(), "checkpoint at 20 unreadable") {
		t.Errorf("the log said:\n%s\nwant the damaged checkpoint named", logged.String())
	}
}

// TestCheckpointAgeBound: checkpoints older than the history go when the next is saved, but the
// newest is always kept.
func TestCheckpointAgeBound(t *testing.T) {
	t.Parallel()
	l := openLog(t, Config{History: time.Hour})
	ctx := testCtx(t)
	old := time.Now().Add(-2 * time.Hour)
	for _, seq := range []uint64{1, 2} {
		if err := l.SaveCheckpoint(ctx, Checkpoint{Seq: seq, Time: old}); err != nil {
			t.Fatal(err)
		}
	}
	if c, ok, err := l.LatestCheckpoint(ctx); err != nil || !ok || c.Seq != 2 {
		t.Fatalf("the newest, though old, is kept: %+v %v %v", c, ok, err)
	}
	if _, ok, _ := l.CheckpointBefore(ctx, 1); ok {
		t.Fatal("an old checkpoint that is not the newest was kept")
	}
	if err := l.SaveCheckpoint(ctx, Checkpoint{Seq: 3, Time: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := l.CheckpointBefore(ctx, 2); ok {
		t.Fatal("the old checkpoint outlived a newer one")
	}
	if err := l.SaveCheckpoint(context.Background(), Checkpoint{Seq: 4, Data: make([]byte, MaxCheckpointBytes+1)}); err == nil {
		t.Fatal("a checkpoint over MaxCheckpointBytes was saved")
	}
}

// TestOpenRefusedAtOnce: bounds a lone server cannot meet (three replicas) fail Open at once,
// saying why, rather than being retried as a cluster still forming would be.
func TestOpenRefusedAtOnce(t *testing.T) {
	t.Parallel()
	start := time.Now()
	l, err := Open(testCtx(t), Config{Dir: t.TempDir(), Replicas: 3})
	if err == nil {
		l.Close()
		t.Fatal("three replicas on a lone server opened")
	}
	if !strings.Contains(err.Error(), "replicas") || time.Since(start) > openPatience/2 {
		t.Fatalf("after %s: %v", time.Since(start), err)
	}
}

// TestCheckpointsArePacked: a checkpoint is stored S2-packed (a floor's JSON, a fraction of its
// size) and read back as it was saved; one stored as it is (by a hub from before packing) is read
// as it is.
func TestCheckpointsArePacked(t *testing.T) {
	t.Parallel()
	l := openLog(t, Config{})
	ctx := testCtx(t)
	now := time.Now().UTC().Truncate(time.Millisecond)
	plain := []byte(`{"events":[],"version":1}`)
	meta := jetstream.ObjectMeta{Name: checkpointName(10), Metadata: map[string]string{timeKey: now.Format(time.RFC3339Nano)}}
	if _, err := l.st.cps.Put(ctx, meta, bytes.NewReader(plain)); err != nil {
		t.Fatal(err)
	}
	if c, ok, err := l.LatestCheckpoint(ctx); err != nil || !ok || c.Seq != 10 || !bytes.Equal(c.Data, plain) {
		t.Fatalf("a checkpoint stored as it is: seq %d %v %v, data %q", c.Seq, ok, err, c.Data)
	}
	floor := bytes.Repeat([]byte(`{"type":"ON_AGENT_STATE_CHANGE","agentId":"a.jones","params":["ready"]},`), 20_000)
	if err := l.SaveCheckpoint(ctx, Checkpoint{Seq: 20, Time: now, Data: floor}); err != nil {
		t.Fatal(err)
	}
	info, err := l.st.cps.GetInfo(ctx, checkpointName(20))
	if err != nil || info.Metadata[encodingKey] != packedS2 || info.Size > uint64(len(floor)/4) {
		t.Fatalf("stored %+v (%v): want S2-packed, under a quarter of %d bytes", info, err, len(floor))
	}
	if c, ok, err := l.LatestCheckpoint(ctx); err != nil || !ok || c.Seq != 20 || !bytes.Equal(c.Data, floor) {
		t.Fatalf("the packed checkpoint: seq %d %v %v, %d bytes, want %d", c.Seq, ok, err, len(c.Data), len(floor))
	}
}

// TestPackedCheckpointTooLargeIsRefused: a stored checkpoint whose S2 header claims more than
// MaxCheckpointBytes is not unpacked (nothing that large is allocated); an older one is used, and
// the log says why.
func TestPackedCheckpointTooLargeIsRefused(t *testing.T) {
	t.Parallel()
	var logged strings.Builder
	l := openLog(t, Config{Log: &logged})
	ctx := testCtx(t)
	now := time.Now().UTC()
	if err := l.SaveCheckpoint(ctx, Checkpoint{Seq: 10, Time: now, Data: []byte(`{"older":true}`)}); err != nil {
		t.Fatal(err)
	}
	huge := binary.AppendUvarint(nil, 1<<30) // S2's block header: the length unpacked
	meta := jetstream.ObjectMeta{Name: checkpointName(20),
		Metadata: map[string]string{timeKey: now.Format(time.RFC3339Nano), encodingKey: packedS2}}
	if _, err := l.st.cps.Put(ctx, meta, bytes.NewReader(append(huge, "junk"...))); err != nil {
		t.Fatal(err)
	}
	c, ok, err := l.LatestCheckpoint(ctx)
	if err != nil || !ok || c.Seq != 10 {
		t.Fatalf("latest: seq %d %v %v, want the one at 10", c.Seq, ok, err)
	}
	if got := logged.String(); !strings.Contains(got, "checkpoint at 20 unreadable") || !strings.Contains(got, "more than the") {
		t.Errorf("the log said:\n%s\nwant the checkpoint at 20 named and why", got)
	}
}

// TestStoredCheckpointTooLargeIsRefused: a stored object larger than any checkpoint takes (a
// damaged one, or one not written by a hub) is refused once that much of it is read, not read
// whole; an older one is used, and the log says why.
func TestStoredCheckpointTooLargeIsRefused(t *testing.T) {
	t.Parallel()
	var logged strings.Builder
	l := openLog(t, Config{Log: &logged})
	l.st.maxStored = 1 << 10
	ctx := testCtx(t)
	now := time.Now().UTC()
	if err := l.SaveCheckpoint(ctx, Checkpoint{Seq: 10, Time: now, Data: []byte(`{"older":true}`)}); err != nil {
		t.Fatal(err)
	}
	meta := jetstream.ObjectMeta{Name: checkpointName(20), Metadata: map[string]string{timeKey: now.Format(time.RFC3339Nano)}}
	if _, err := l.st.cps.Put(ctx, meta, bytes.NewReader(make([]byte, 4<<10))); err != nil {
		t.Fatal(err)
	}
	c, ok, err := l.LatestCheckpoint(ctx)
	if err != nil || !ok || c.Seq != 10 {
		t.Fatalf("latest: seq %d %v %v (%d bytes), want the one at 10", c.Seq, ok, err, len(c.Data))
	}
	if got := logged.String(); !strings.Contains(got, "checkpoint at 20 unreadable") || !strings.Contains(got, "more than the 1024 bytes") {
		t.Errorf("the log said:\n%s\nwant the checkpoint at 20 named and why", got)
	}
}
