package jetlog

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"

	"github.com/klauspost/compress/s2"
	"github.com/nats-io/nats.go/jetstream"
)

// Checkpoints live in a JetStream object store beside the stream (objects are chunked, so a
// checkpoint of several MB at thousands of agents is fine), one object per checkpoint, named by
// its sequence. Its bounds:
//
//   - at most MaxCheckpoints are kept: saving one more deletes the oldest;
//   - one whose Time is older than the history (Config.History) is deleted when the next is
//     saved, except the newest, which is always kept (a hub stopped for longer than the history
//     still restarts from its floor);
//   - one checkpoint is at most MaxCheckpointBytes; SaveCheckpoint refuses a larger one;
//   - saving a checkpoint with the Seq of one kept replaces it.
//
// They are stored with the stream's replicas, compressed (S2) by the hub before they are written
// (metadata encodingKey: packedS2), so that the servers replicate a fraction of the bytes (a sixth
// for BenchmarkCheckpointEncode's floor; the store compressed at rest already, so what it keeps
// shrinks less). One without that metadata (written by an older hub) is read as it is.
const (
	CheckpointBucket   = "DESKWATCH_CHECKPOINTS"
	MaxCheckpoints     = 64
	MaxCheckpointBytes = 64 << 20
)

// timeKey is the object metadata that holds a checkpoint's Time; encodingKey says how its data is
// packed (packedS2, or absent: as it is).
const (
	timeKey     = "time"
	encodingKey = "encoding"
	packedS2    = "s2"
)

func (l *Log) ensureCheckpoints(ctx context.Context) (jetstream.ObjectStore, error) {
	store, err := l.js.CreateOrUpdateObjectStore(ctx, jetstream.ObjectStoreConfig{
		Bucket:      CheckpointBucket,
		Description: "deskwatch hub: checkpoints of the floor's state",
		Storage:     jetstream.FileStorage,
		Replicas:    replicas(l.cfg),
		Compression: true,
	})
	if err != nil {
		return nil, fmt.Errorf("jetlog: checkpoint store %s: %w", CheckpointBucket, err)
	}
	return store, nil
}

func checkpointName(seq uint64) string { return fmt.Sprintf("%020d", seq) }

func (l *Log) saveCheckpoint(ctx context.Context, c Checkpoint) error {
	if l.st.isClosed() {
		return ErrClosed
	}
	if len(c.Data) > MaxCheckpointBytes {
		return fmt.Errorf("jetlog: checkpoint at %d is %d bytes, more than the %d kept", c.Seq, len(c.Data), MaxCheckpointBytes)
	}
	meta := jetstream.ObjectMeta{Name: checkpointName(c.Seq),
		Metadata: map[string]string{timeKey: c.Time.UTC().Format(time.RFC3339Nano), encodingKey: packedS2}}
	packed := s2.Encode(nil, c.Data)
	if _, err := l.st.cps.Put(ctx, meta, &pacedReader{ctx: ctx, r: bytes.NewReader(packed)}); err != nil {
		return fmt.Errorf("jetlog: save checkpoint at %d: %w", c.Seq, err)
	}
	return l.pruneCheckpoints(ctx)
}

// checkpointRate is the most bytes a second a checkpoint is written at. A floor of thousands of
// agents is megabytes, which every server of a cluster stores and compresses as it arrives: all at
// once, it held up the events' own replication for ~100 ms (p99 of the bridge-to-monitor latency
// under 5,000 bridges, BENCHMARKS.md); paced, it costs the same spread over a fraction of a second.
// The largest checkpoint kept, MaxCheckpointBytes, takes 8 s.
const checkpointRate = 8 << 20

// pacedReader reads r at checkpointRate at most, in chunks of checkpointRate/64, until ctx ends.
type pacedReader struct {
	ctx   context.Context
	r     io.Reader
	start time.Time
	n     int64
}

func (p *pacedReader) Read(b []byte) (int, error) {
	if p.start.IsZero() {
		p.start = time.Now()
	}
	if due := p.start.Add(time.Duration(p.n) * time.Second / checkpointRate); time.Until(due) > 0 {
		t := time.NewTimer(time.Until(due))
		defer t.Stop()
		select {
		case <-p.ctx.Done():
			return 0, p.ctx.Err()
		case <-t.C:
		}
	}
	n, err := p.r.Read(b[:min(len(b), checkpointRate/64)])
	p.n += int64(n)
	return n, err
}

// kept is a checkpoint the store holds, without its data.
type kept struct {
	seq    uint64
	time   time.Time
	name   string
	packed string // its metadata encodingKey
}

// listWait bounds listing the checkpoints. The client's List waits for a marker that it never
// sends when its first look at an empty store fails (a store whose leader is not yet elected, on
// a cluster's first start): without a bound it would wait for ever.
const listWait = 10 * time.Second

// checkpoints lists those kept, oldest first.
func (l *Log) checkpoints(ctx context.Context) ([]kept, error) {
	ctx, cancel := context.WithTimeout(ctx, listWait)
	defer cancel()
	infos, err := l.st.cps.List(ctx)
	if errors.Is(err, jetstream.ErrNoObjectsFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("jetlog: list checkpoints: %w", err)
	}
	out := make([]kept, 0, len(infos))
	for _, in := range infos {
		seq, err := strconv.ParseUint(in.Name, 10, 64)
		if err != nil || in.Deleted {
			continue // not one of ours
		}
		t, _ := time.Parse(time.RFC3339Nano, in.Metadata[timeKey])
		out = append(out, kept{seq: seq, time: t, name: in.Name, packed: in.Metadata[encodingKey]})
	}
	slices.SortFunc(out, func(a, b kept) int { return cmpUint(a.seq, b.seq) })
	return out, nil
}

func cmpUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// pruneCheckpoints deletes those beyond the bounds (see CheckpointBucket).
func (l *Log) pruneCheckpoints(ctx context.Context) error {
	all, err := l.checkpoints(ctx)
	if err != nil || len(all) <= 1 {
		return err
	}
	history := streamConfig(l.cfg).MaxAge
	oldest := time.Now().Add(-history)
	for i, k := range all[:len(all)-1] {
		if len(all)-i <= MaxCheckpoints && !k.time.Before(oldest) {
			break
		}
		if err := l.st.cps.Delete(ctx, k.name); err != nil && !errors.Is(err, jetstream.ErrObjectNotFound) {
			return fmt.Errorf("jetlog: delete checkpoint at %d: %w", k.seq, err)
		}
	}
	return nil
}

// checkpointBefore reads the newest checkpoint at or before seq.
func (l *Log) checkpointBefore(ctx context.Context, seq uint64) (Checkpoint, bool, error) {
	if l.st.isClosed() {
		return Checkpoint{}, false, ErrClosed
	}
	all, err := l.checkpoints(ctx)
	if err != nil {
		return Checkpoint{}, false, err
	}
	for i := len(all) - 1; i >= 0; i-- {
		k := all[i]
		if k.seq > seq {
			continue
		}
		read, cancel := context.WithTimeout(ctx, requestTimeout) // a damaged one never ends
		data, err := l.readStored(read, k.name)
		cancel()
		if err == nil {
			data, err = unpack(k, data)
		}
		if errors.Is(err, jetstream.ErrObjectNotFound) {
			continue // pruned meanwhile
		}
		if err != nil {
			if ctx.Err() != nil || l.st.isClosed() {
				return Checkpoint{}, false, fmt.Errorf("jetlog: read checkpoint at %d: %w", k.seq, err)
			}
			// Damaged (its files garbled: a chunk the server dropped never comes): an older one,
			// and the log after it, rebuild the same floor.
			l.st.logf("jetlog: checkpoint at %d unreadable, trying an older one: %v", k.seq, err)
			continue
		}
		return Checkpoint{Seq: k.seq, Time: k.time, Data: data}, true, nil
	}
	return Checkpoint{}, false, nil
}

// maxStored is the most bytes a checkpoint takes in the store: MaxCheckpointBytes packed, which
// S2 grows a little when they do not compress.
var maxStored = s2.MaxEncodedLen(MaxCheckpointBytes)

// readStored reads the bytes stored for the checkpoint name, refusing an object of more than
// maxStored (logState.maxStored in tests) once that much is read: the client's GetBytes reads every
// chunk a damaged object has, however many.
func (l *Log) readStored(ctx context.Context, name string) ([]byte, error) {
	limit := cmp.Or(l.st.maxStored, maxStored)
	r, err := l.st.cps.Get(ctx, name)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	data, err := io.ReadAll(io.LimitReader(r, int64(limit)+1))
	if err == nil && len(data) > limit {
		err = fmt.Errorf("it holds more than the %d bytes a checkpoint takes", limit)
	}
	return data, err
}

// unpack returns a checkpoint's data as it was saved, from the bytes stored; a packed one that
// would unpack to more than MaxCheckpointBytes is refused before any of it is unpacked.
func unpack(k kept, stored []byte) ([]byte, error) {
	switch k.packed {
	case "":
		return stored, nil
	case packedS2:
		n, err := s2.DecodedLen(stored)
		if err == nil && n > MaxCheckpointBytes {
			err = fmt.Errorf("it would unpack to %d bytes, more than the %d kept", n, MaxCheckpointBytes)
		}
		if err == nil {
			stored, err = s2.Decode(nil, stored)
		}
		if err != nil {
			return nil, fmt.Errorf("packed as S2: %w", err)
		}
		return stored, nil
	}
	return nil, fmt.Errorf("packed as %q, which this hub does not read", k.packed)
}
