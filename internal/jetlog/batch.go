package jetlog

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Events appended with Add share stored messages: while events come from several adders at once, a
// log sends at most one batch every batchLinger, and the events added in between wait and go
// together in the next; an event added alone (none waits with it, and the last batch held one)
// goes at once. Each stored message costs JetStream, its replicas and
// every Follow about the same whatever its size, and at thousands of events a second that cost,
// not the bytes, was most of a hub's work (BENCHMARKS.md, section 11): one event a message cost
// three clustered servers about 130 µs of CPU, eight about 40 µs each.
//
// A batch is one message on subject SubjectPrefix+batchToken with header batchHeader, its Data the
// events one after another, each as its agent, its session and its data, each of those as a
// uvarint length and then the bytes. It is published with a message id of its own, so that a
// retry after a timeout is not stored twice. Its events share the message's sequence: Follow
// delivers them one by one, FollowBatches together.
const (
	batchHeader  = "Deskwatch-Batch"
	batchVersion = "1"
	// batchToken is the subject token of a batch: never an agent's (an agent's is base64url, "_",
	// or "=" and 64 hex digits).
	batchToken = "=batch"
	// batchMaxEvents and batchMaxBytes bound one batch (the bytes also to a quarter of the NATS
	// server's largest message); an event larger than batchMaxBytes is stored alone, as Append
	// stores one.
	batchMaxEvents = 256
	batchMaxBytes  = 256 << 10
	// batchLinger is the least time between two batches (unless the second is full): what an
	// event may wait for others, at most, on a busy hub.
	batchLinger = 5 * time.Millisecond
	// batchFlying is how many batches may be on their way at once (each waits for its
	// acknowledgement, longer while the cluster elects a leader).
	batchFlying = 4
	// addWait bounds one batch's publish, retries included (the hub's appendWait).
	addWait = 20 * time.Second
)

// adder holds the events added and not yet sent. Every caller of Add waits for its own event, so
// the queue holds at most one event per goroutine adding (the hub's: one per bridge connection).
type adder struct {
	mu      sync.Mutex
	queue   []*added
	flying  int
	sent    time.Time // when the last batch was sent
	last    int       // how many events it held
	waiting bool      // a timer will call sendBatches
}

// added is one event waiting in an adder, and then what became of it.
type added struct {
	ctx  context.Context // the caller's: an event whose caller gave up is not sent
	m    Msg
	size int // recordSize(m)
	seq  uint64
	err  error
	done chan struct{}
}

// add stores m in a batch with the events added meanwhile (Add).
func (l *Log) add(ctx context.Context, m Msg) (uint64, error) {
	if l.st.isClosed() {
		return 0, ErrClosed
	}
	size := recordSize(m)
	if size > l.batchBytes() {
		seq, _, err := l.appendMsg(ctx, m, "alone "+randomHex(12))
		return seq, err
	}
	a := &added{ctx: ctx, m: m, size: size, done: make(chan struct{})}
	b := &l.st.adds
	b.mu.Lock()
	b.queue = append(b.queue, a)
	b.mu.Unlock()
	l.sendBatches()
	select {
	case <-a.done:
		return a.seq, a.err
	case <-ctx.Done():
		return 0, fmt.Errorf("jetlog: append an event of %d bytes for agent %s: %w", len(m.Data), quoteShort(m.Agent), ctx.Err())
	}
}

// batchBytes is the most bytes of events one batch holds.
func (l *Log) batchBytes() int {
	return int(min(batchMaxBytes, max(l.nc.MaxPayload()/4, 1<<10)))
}

// sendBatches starts sending what waits, as far as batchLinger and batchFlying allow.
func (l *Log) sendBatches() {
	b := &l.st.adds
	b.mu.Lock()
	defer b.mu.Unlock()
	for b.flying < batchFlying && len(b.queue) > 0 {
		// One adder alone (a bridge sending fast, or sending again what was not acknowledged)
		// waits for each event before it adds the next: waiting for others would only slow it.
		alone := len(b.queue) == 1 && b.last <= 1
		if wait := batchLinger - time.Since(b.sent); wait > 0 && !alone && len(b.queue) < batchMaxEvents {
			if !b.waiting {
				b.waiting = true
				time.AfterFunc(wait, func() {
					b.mu.Lock()
					b.waiting = false
					b.mu.Unlock()
					l.sendBatches()
				})
			}
			return
		}
		var batch []*added
		batch, b.queue = takeBatch(b.queue, l.batchBytes())
		if len(batch) > 0 {
			b.flying++
			b.sent, b.last = time.Now(), len(batch)
			go l.sendBatch(batch)
		}
	}
}

// takeBatch takes the first events of queue that fit in one batch, leaving out those whose callers
// gave up, and returns them and the rest.
func takeBatch(queue []*added, maxBytes int) (batch, rest []*added) {
	size, i := 0, 0
	for ; i < len(queue) && len(batch) < batchMaxEvents; i++ {
		a := queue[i]
		if a.ctx.Err() != nil {
			continue
		}
		if len(batch) > 0 && size+a.size > maxBytes {
			break
		}
		size += a.size
		batch = append(batch, a)
	}
	if i == len(queue) {
		return batch, nil
	}
	return batch, queue[i:]
}

// sendBatch stores one batch and tells each of its events' callers.
func (l *Log) sendBatch(batch []*added) {
	ctx, cancel := context.WithTimeout(context.Background(), addWait)
	nm := &nats.Msg{Subject: SubjectPrefix + batchToken, Data: encodeBatch(batch),
		Header: nats.Header{batchHeader: []string{batchVersion}}}
	ack, err := l.publish(ctx, nm, true, []jetstream.PublishOpt{jetstream.WithMsgID("batch " + randomHex(12))})
	cancel()
	var seq uint64
	switch {
	case err == nil:
		seq = ack.Sequence
		l.st.batches.Add(1)
		l.st.batched.Add(uint64(len(batch)))
	case l.st.isClosed():
		err = ErrClosed
	default:
		err = fmt.Errorf("jetlog: append %d events (the first for agent %s): %w", len(batch), quoteShort(batch[0].m.Agent), err)
	}
	for _, a := range batch {
		a.seq, a.err = seq, err
		close(a.done)
	}
	b := &l.st.adds
	b.mu.Lock()
	b.flying--
	b.mu.Unlock()
	l.sendBatches()
}

// recordSize is how many bytes m takes in a batch.
func recordSize(m Msg) int {
	return 3*binary.MaxVarintLen32 + len(m.Agent) + len(m.Session) + len(m.Data)
}

// encodeBatch writes the events of a batch.
func encodeBatch(batch []*added) []byte {
	size := 0
	for _, a := range batch {
		size += a.size
	}
	out := make([]byte, 0, size)
	for _, a := range batch {
		out = appendField(out, a.m.Agent)
		out = appendField(out, a.m.Session)
		out = binary.AppendUvarint(out, uint64(len(a.m.Data)))
		out = append(out, a.m.Data...)
	}
	return out
}

func appendField(out []byte, s string) []byte {
	out = binary.AppendUvarint(out, uint64(len(s)))
	return append(out, s...)
}

// errBatch says why a batch's Data could not be read.
var errBatch = errors.New("not a batch of events")

// decodeBatch reads the events of a batch stored as message seq at t. Their Data share data.
func decodeBatch(data []byte, seq uint64, t time.Time) ([]Msg, error) {
	var out []Msg
	for len(data) > 0 {
		var f [3][]byte
		for i := range f {
			n, k := binary.Uvarint(data)
			if k <= 0 || n > uint64(len(data)-k) {
				return nil, fmt.Errorf("%w: event %d: a length that is not one or runs past the end", errBatch, len(out)+1)
			}
			end := k + int(n)
			f[i], data = data[k:end:end], data[end:]
		}
		out = append(out, Msg{Seq: seq, Time: t, Agent: string(f[0]), Session: string(f[1]), Data: f[2]})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: no events", errBatch)
	}
	return out, nil
}
