package travel

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/deskwatch/deskwatch/feed"
	"github.com/deskwatch/deskwatch/internal/nanos"
	"github.com/deskwatch/deskwatch/model"
)

// recOverhead is what one kept message costs besides its bytes (the record, its share of the ring).
const recOverhead = 200

// chunkSize is the size of the blocks messages' bytes are copied into: one allocation per block,
// not per message. A block is freed once the ring forgets all of its messages.
const chunkSize = 1 << 20

// Live is the history of a live feed: every message its pump handles, kept within an age of event
// time and a size (Options.MaxAge, MaxBytes), and a checkpoint of the store every K messages (and
// every EveryTime of event time). A seek reaches back to the oldest checkpoint whose following
// messages are all still kept. The pump's goroutine records; any number of viewers seek at once.
type Live struct {
	opts Options
	pump *feed.Pump // the feed's, whose store the checkpoints copy

	mu    sync.RWMutex
	recs  deque // messages base+1 .. base+recs.len()
	base  int64
	bytes int64
	snaps snaps
	chunk []byte // the free end of the current block
	max   int64  // the latest event time so far (unix ns)
}

// rec is one kept message, its bytes in a block shared with its neighbours (never changed).
type rec struct {
	data         []byte
	origin       model.Origin
	recv         time.Time
	problem      string
	partial, bin bool
	size         int64
	at, max      int64 // the message's event time and the latest so far, unix ns
}

// NewLive starts recording the history of p's feed: call it before p handles its first message
// (position 0 is then the empty store made with opts.Store); attached later, the history begins at
// a checkpoint of the store then.
func NewLive(p *feed.Pump, opts Options) *Live {
	opts = opts.withDefaults()
	l := &Live{opts: opts, pump: p, snaps: newSnaps(opts)}
	l.base = p.Handled()
	start := snap{pos: Position{N: l.base}, conn: p.Conn()}
	if l.base > 0 {
		start.cp = p.Store().Checkpoint()
	}
	l.addSnap(start)
	p.After(l.record)
	return l
}

// record keeps m, just handled by the pump (its position is the pump's count), and takes a
// checkpoint when one is due. It runs in the pump's goroutine.
func (l *Live) record(m feed.Message, at time.Time) {
	n := l.pump.Handled()
	r := rec{data: l.copyData(m.Data), origin: m.Origin, recv: m.Received, problem: m.Problem,
		partial: m.Partial, bin: m.Binary, size: m.Size, at: nanos.Of(at)}
	l.mu.Lock()
	l.max = max(l.max, r.at)
	r.max = l.max
	l.recs.push(r)
	l.bytes += int64(len(r.data)) + recOverhead
	pos := Position{N: n, At: at}
	due := l.snaps.due(pos)
	l.forget()
	l.mu.Unlock()
	if due {
		cp := l.pump.Store().Checkpoint()
		l.addSnap(snap{pos: pos, cp: cp, conn: l.pump.Conn(), bytes: cp.Bytes()})
	}
}

func (l *Live) addSnap(sn snap) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.snaps.add(sn)
}

// copyData copies b into the current block (a new one when it is full).
func (l *Live) copyData(b []byte) []byte {
	if len(b) > chunkSize/4 {
		return append([]byte(nil), b...)
	}
	if len(b) > cap(l.chunk)-len(l.chunk) {
		l.chunk = make([]byte, 0, chunkSize)
	}
	start := len(l.chunk)
	l.chunk = append(l.chunk, b...)
	return l.chunk[start:len(l.chunk):len(l.chunk)]
}

// forget drops the oldest messages past the age or size bound, and the checkpoints before them;
// l.mu is held.
func (l *Live) forget() {
	oldest := l.max - int64(l.opts.MaxAge)
	i := 0
	for i < l.recs.len()-1 && (l.bytes > l.opts.MaxBytes || l.recs.at(i).max < oldest) {
		l.bytes -= int64(len(l.recs.at(i).data)) + recOverhead
		i++
	}
	if i == 0 {
		return
	}
	l.recs.drop(i)
	l.base += int64(i)
	l.snaps.dropBefore(l.base)
}

// Bounds are the oldest checkpoint's position and the last message's.
func (l *Live) Bounds() (first, last Position) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.bounds()
}

func (l *Live) bounds() (first, last Position) {
	last = Position{N: l.base}
	if n := l.recs.len(); n > 0 {
		last = Position{N: l.base + int64(n), At: fromNanos(l.recs.at(n - 1).at)}
	}
	if len(l.snaps.list) == 0 {
		return last, last
	}
	return l.snaps.list[0].pos, last
}

// Position is the position after message n with its event time.
func (l *Live) Position(n int64) (Position, error) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	first, last := l.bounds()
	return positionIn(n, first, last, func(n int64) int64 { return l.recs.at(int(n - l.base - 1)).at })
}

// Find is the position at event time t, within the bounds.
func (l *Live) Find(t time.Time) Position {
	l.mu.RLock()
	defer l.mu.RUnlock()
	first, last := l.bounds()
	k := nanos.Of(t)
	i := searchMax(l.recs.len(), func(i int) int64 { return l.recs.at(i).max }, k)
	n := l.base + int64(i)
	switch {
	case n <= first.N:
		return first
	case n >= last.N:
		return last
	}
	return Position{N: n, At: fromNanos(l.recs.at(i - 1).at)}
}

// Seek returns a cursor at position n.
func (l *Live) Seek(ctx context.Context, n int64) (*Cursor, error) { return seek(ctx, l, n) }

func (l *Live) from(n int64) (snap, int64, []model.Option, error) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	first, last := l.bounds()
	sn, ok := l.snaps.at(n)
	if n < first.N || n > last.N || !ok {
		return snap{}, 0, nil, outside(n, first, last)
	}
	return sn, l.snaps.every, l.opts.Store, nil
}

// play applies the kept messages after c.Pos up to n, copying a batch at a time out of the ring
// (the bytes are never changed, so they are shared) so that the pump never waits for a viewer.
func (l *Live) play(ctx context.Context, c *Cursor, n int64) error {
	var batch [256]rec
	for c.Pos.N < n {
		if err := ctx.Err(); err != nil {
			return err
		}
		l.mu.RLock()
		from := c.Pos.N - l.base // index of the next message
		if from < 0 {
			first, last := l.bounds()
			l.mu.RUnlock()
			return fmt.Errorf("%w: its messages after %d were forgotten (%s)", ErrOutside, c.Pos.N,
				span(first, last))
		}
		k := l.recs.copyOut(batch[:min(int64(len(batch)), n-c.Pos.N)], int(from))
		l.mu.RUnlock()
		if k == 0 {
			return fmt.Errorf("%w: position %d is not there yet", ErrOutside, n)
		}
		for i := range k {
			c.p.Handle(batch[i].message())
			c.applied(nil)
		}
		clear(batch[:k])
	}
	return nil
}

// message is the kept message as the pump first handled it.
func (r *rec) message() feed.Message {
	return feed.Message{Data: r.data, Origin: r.origin, Received: r.recv, Problem: r.problem,
		Partial: r.partial, Binary: r.bin, Size: r.size}
}

// Checkpoints reports how many checkpoints the history keeps and their bytes (Checkpoint.Bytes).
func (l *Live) Checkpoints() (count int, bytes int64) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return len(l.snaps.list), l.snaps.bytes
}

// Bytes is the memory the kept messages take (their bytes and bookkeeping), the MaxBytes bound's.
func (l *Live) Bytes() int64 {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.bytes
}
