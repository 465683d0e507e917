package travel

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/deskwatch/deskwatch/feed"
	"github.com/deskwatch/deskwatch/internal/nanos"
	"github.com/deskwatch/deskwatch/model"
)

// File is the history of a replay file, read by its own reader (independent of the replay that
// paces the view): indexed in the background on first load, through a replay at speed 0 into its
// own pump and store, it keeps every message's event time (16 bytes a message: its own and the
// latest so far, for Find), and a checkpoint every K messages with where its message is in the
// file. A seek restores the nearest checkpoint and reads the file on from there through a pump, so
// the store it gives is the one a --speed max replay of the file has at that message.
type File struct {
	path string
	opts Options
	size int64
	file os.FileInfo // the file indexed: a seek reads it again, never another put in its place
	// firstSum is the fingerprint of the file's first message (0 until indexed): a seek from the
	// start, before any checkpoint, finds it again or the file was changed.
	firstSum atomic.Uint64

	done   atomic.Int64 // bytes indexed
	full   atomic.Bool  // the index reached opts.MaxBytes and stopped
	cancel context.CancelFunc
	ended  chan struct{}
	err    error // why the index ended early; read once ended is closed

	mu    sync.RWMutex
	times []int64 // event time of message i+1, unix ns
	maxes []int64 // the latest event time of messages 1..i+1
	snaps snaps
}

// NewFile opens path and starts indexing it in the background. Close stops it.
func NewFile(path string, opts Options) (*File, error) {
	opts = opts.withDefaults()
	if opts.Name == "" {
		opts.Name = path
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("history of %s: %w", path, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("history of %s: %w", path, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	h := &File{path: path, opts: opts, size: fi.Size(), file: fi, cancel: cancel, ended: make(chan struct{}),
		snaps: newSnaps(opts)}
	h.snaps.add(snap{res: resume{line: 1}})
	go func() {
		defer close(h.ended)
		defer f.Close()
		h.err = h.index(ctx, f)
		if h.full.Load() {
			h.mu.RLock()
			n := len(h.times)
			h.mu.RUnlock()
			h.err = &IndexFullError{Messages: int64(n), Limit: opts.MaxBytes}
		}
	}()
	return h, nil
}

// index reads the whole file once, recording every message's event time and a checkpoint every K.
func (h *File) index(ctx context.Context, f io.Reader) error {
	st := model.NewStore(h.opts.Store...)
	p := feed.NewPump(st, nil)
	r := feed.NewReplay(h.opts.Name, f, h.size, feed.ReplayOptions{MaxMessage: h.opts.MaxMessage})
	var latest int64
	p.After(func(m feed.Message, at time.Time) {
		if h.full.Load() {
			return
		}
		if int64(len(h.times)+1)*indexBytes > h.opts.MaxBytes {
			h.full.Store(true)
			h.cancel()
			return
		}
		if p.Handled() == 1 {
			h.firstSum.Store(sumOf(m.Data))
		}
		k := nanos.Of(at)
		latest = max(latest, k)
		pos := Position{N: p.Handled(), At: at}
		h.mu.Lock()
		h.times = append(h.times, k)
		h.maxes = append(h.maxes, latest)
		due := h.snaps.due(pos)
		h.mu.Unlock()
		h.done.Store(m.Offset)
		if !due {
			return
		}
		cp := st.Checkpoint()
		sn := snap{pos: pos, cp: cp, conn: p.Conn(), bytes: cp.Bytes(),
			res: resume{off: m.Offset, line: m.Origin.Line, clock: r.Status().EventTime, sum: sumOf(m.Data)}}
		h.mu.Lock()
		h.snaps.add(sn)
		h.mu.Unlock()
	})
	err := r.Run(ctx, p.Handle)
	if err == nil {
		h.done.Store(r.Status().Pos)
	}
	return err
}

// indexBytes is what the index keeps of each message: its event time and the latest so far.
const indexBytes = 16

// IndexFullError says the index stopped at Messages, its 16 bytes a message at Limit (MaxBytes,
// three quarters of --history-size): a file of many small messages cannot make the index hold
// more memory than the history may. The messages after it cannot be traveled to.
type IndexFullError struct {
	Messages int64
	Limit    int64
}

func (e *IndexFullError) Error() string {
	return fmt.Sprintf("the seek history holds the first %d messages: its index (16 bytes a message) reached "+
		"%d MiB, three quarters of --history-size", e.Messages, e.Limit>>20)
}

// IndexError is why the index stopped before the file's end (an *IndexFullError, a read error), nil
// while it reads or once it has read the file (or was closed).
func (h *File) IndexError() error {
	if !h.Indexed() || errors.Is(h.err, context.Canceled) {
		return nil
	}
	return h.err
}

// Progress is how far the index has read: bytes done of total (total is the file's size when it
// was opened; done reaches it when the index is complete).
func (h *File) Progress() (done, total int64) {
	return h.done.Load(), max(h.size, h.done.Load())
}

// Indexed reports whether the index has read the whole file (or stopped, see Wait).
func (h *File) Indexed() bool {
	select {
	case <-h.ended:
		return true
	default:
		return false
	}
}

// Wait waits for the index to end and returns why it ended early (nil when it read the file).
func (h *File) Wait(ctx context.Context) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-h.ended:
		return h.err
	}
}

// Close stops the index and waits for it to end.
func (h *File) Close() error {
	h.cancel()
	<-h.ended
	if errors.Is(h.err, context.Canceled) {
		return nil
	}
	return h.err
}

// Bounds are position 0 and the last message indexed so far.
func (h *File) Bounds() (first, last Position) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.bounds()
}

func (h *File) bounds() (first, last Position) {
	if n := len(h.times); n > 0 {
		last = Position{N: int64(n), At: fromNanos(h.times[n-1])}
	}
	return Position{}, last
}

// Position is the position after message n with its event time.
func (h *File) Position(n int64) (Position, error) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	first, last := h.bounds()
	return positionIn(n, first, last, func(n int64) int64 { return h.times[n-1] })
}

// Find is the position at event time t: the messages before the first whose event time (or an
// earlier one's) is after t.
func (h *File) Find(t time.Time) Position {
	h.mu.RLock()
	defer h.mu.RUnlock()
	i := searchMax(len(h.maxes), func(i int) int64 { return h.maxes[i] }, nanos.Of(t))
	if i == 0 {
		return Position{}
	}
	return Position{N: int64(i), At: fromNanos(h.times[i-1])}
}

// Seek returns a cursor at position n (indexed already).
func (h *File) Seek(ctx context.Context, n int64) (*Cursor, error) { return seek(ctx, h, n) }

func (h *File) from(n int64) (snap, int64, []model.Option, error) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	if first, last := h.bounds(); n < first.N || n > last.N {
		return snap{}, 0, nil, outside(n, first, last)
	}
	sn, _ := h.snaps.at(n)
	return sn, h.snaps.every, h.opts.Store, nil
}

// errReached ends a replay that has applied its last message.
var errReached = errors.New("travel: reached")

// errChanged and errReplaced say the file was written over, or replaced, since it was indexed: its
// positions no longer hold the messages the index and the checkpoints describe.
var (
	errChanged  = errors.New("the file changed since it was indexed; open it again to travel in it")
	errReplaced = errors.New("the file was replaced since it was indexed; open it again to travel in it")
)

// play reads the file on from the message at c.Pos (already applied, so skipped) and applies the
// messages up to position n.
func (h *File) play(ctx context.Context, c *Cursor, n int64) error {
	if c.Pos.N >= n {
		return nil
	}
	f, err := os.Open(h.path)
	if err != nil {
		return fmt.Errorf("history of %s: %w", h.path, err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && !os.SameFile(fi, h.file) {
		return fmt.Errorf("history of %s: %w", h.path, errReplaced)
	}
	if _, err := f.Seek(c.res.off, io.SeekStart); err != nil {
		return fmt.Errorf("history of %s: %w", h.path, err)
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	r := feed.NewReplay(h.opts.Name, f, 0, feed.ReplayOptions{MaxMessage: h.opts.MaxMessage, Workers: 1,
		FirstLine: c.res.line, Offset: c.res.off, Clock: c.res.clock})
	// The first message read must be the one indexed there: the message at c.Pos (applied, so
	// skipped), or from the start the file's first.
	skip, want := c.Pos.N > 0, c.res.sum
	if c.Pos.N == 0 {
		want = h.firstSum.Load()
	}
	err = r.Run(ctx, func(m feed.Message) {
		if want != 0 && sumOf(m.Data) != want {
			cancel(errChanged)
			return
		}
		want = 0
		if skip {
			skip = false
			return
		}
		c.p.Handle(m)
		c.res.off, c.res.line, c.res.sum = m.Offset, m.Origin.Line, 0
		c.applied(func() time.Time { return r.Status().EventTime })
		if c.Pos.N >= n {
			c.res.sum = sumOf(m.Data) // where the next play begins
			cancel(errReached)
		}
	})
	c.res.clock = r.Status().EventTime
	switch {
	case context.Cause(ctx) == errChanged:
		return fmt.Errorf("history of %s: message %d at line %d is not what it was: %w", h.path, c.Pos.N, c.res.line, errChanged)
	case c.Pos.N >= n:
		return nil
	case err == nil:
		return fmt.Errorf("history of %s: the file ended at message %d before %d (was it changed?)",
			h.path, c.Pos.N, n)
	}
	return err
}

// Checkpoints reports how many checkpoints the history keeps, their bytes (Checkpoint.Bytes) and
// the current interval K.
func (h *File) Checkpoints() (count int, bytes, every int64) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.snaps.list), h.snaps.bytes, h.snaps.every
}
