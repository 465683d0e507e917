package jetlog

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

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
