package feed

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/deskwatch/deskwatch/internal/positive"
	"github.com/deskwatch/deskwatch/model"
)

// MaxGap is the longest stretch of event time a paced replay waits through between two events. A
// longer silence in the file (a night, a lunch break, a dropped bridge) is shortened to MaxGap and the
// replay clock jumps over the rest when the next event is emitted: at speed 1 a two-hour gap costs 5
// seconds, not two hours. The cap applies to event time, before the speed factor, so slow motion
// stays proportional (at speed 0.5 the longest wait is 10 s).
const MaxGap = 5 * time.Second

// BatchGCPercent is the garbage collector's pace (as GOGC) for a batch replay, a file applied as
// fast as it can be and then printed (--print): the collector runs a quarter as often as by default,
// for about a fifth less CPU at about twice the memory, still bounded by retention.
const BatchGCPercent = 400

const (
	replayBufSize = 64 << 10
	// snippetSize is how much of an oversized line is kept for the rejected log.
	snippetSize = 200
	utf8BOM     = "\xEF\xBB\xBF"
)

// ReplayOptions configure a Replay.
type ReplayOptions struct {
	// Speed is the pacing factor: 1 is real time by the events' ts, 10 ten times faster; 0 means no
	// waiting at all ("max").
	Speed float64
	// MaxMessage is the largest accepted line in bytes; 0 means model.DefaultMaxMessage.
	MaxMessage int
	// Workers is how many goroutines decode lines ahead of the one that emits them: 0 means
	// GOMAXPROCS, 1 reads and decodes in Run's own goroutine, one line at a time.
	Workers int
	// FirstLine is the number of the input's first line, for a replay that starts in the middle of
	// a file (at a Message.Offset): its origins then name the file's own lines, and a BOM is only
	// looked for when it is 1 (0 means 1).
	FirstLine int64
	// Offset is the offset in the file of the input's first byte, for a replay that starts in the
	// middle of a file: messages' Offset count from the file's start.
	Offset int64
	// Clock starts the replay clock at this event time, which a message with neither a ts nor a
	// receive time of its own is stamped with: the clock of the replay that stopped where this one
	// starts (Replay.Now), so that the stamps are the same as when the file is read from its start.
	Clock time.Time
}

// Replay is a Source that plays a JSON Lines event file (or standard input) back, paced by the
// events' ts, with pause and speed control. It also plays recordings made by Recorder, unwrapping
// their wrapper lines. It is safe for one goroutine to Run it while others read Status and Now and
// call TogglePause and SetSpeed.
type Replay struct {
	name  string
	in    io.Reader
	total int64
	max   int

	mu     sync.Mutex
	speed  float64
	paused bool
	state  State
	detail string
	wake   chan struct{} // closed (and replaced) when pause or speed change, to cut a wait short
	// The replay clock runs from evAt, the event time at wall time wallAt, at speed, never past limit
	// (the end of the current wait); it stands still while paused, at speed 0 and when done.
	evAt, wallAt, limit time.Time
	last                time.Time                         // pacing time of the last paced event, the base of the gap cap
	dec                 decoded                           // the current line's decoded event, handed to the pump (Run's own)
	decodeFn            func([]byte) (model.Event, error) // model.Decode (a test makes it panic)
	pos, msgs, bytes    int64
	line                int64        // the line of the last message emitted
	read                atomic.Int64 // bytes read from in (by the reader, which may run ahead)
	workers             int
	aheadMost           int64 // aheadHeld (a test sets less)
	lastBudget          *aheadBudget
	firstLine, offset   int64
	wall                func() time.Time // time.Now (a test makes it stand still)
}

// NewReplay returns a replay of r named name (a path, or "-" for standard input). size is r's length
// in bytes for the progress bar, 0 when unknown (a pipe).
func NewReplay(name string, r io.Reader, size int64, opts ReplayOptions) *Replay {
	maxMsg := positive.Or(opts.MaxMessage, model.DefaultMaxMessage)
	rp := &Replay{name: name, total: max(size, 0), max: maxMsg, speed: cleanSpeed(opts.Speed),
		state: StateReplaying, wake: make(chan struct{}), decodeFn: model.Decode,
		workers: positive.Or(opts.Workers, runtime.GOMAXPROCS(0)), wall: time.Now,
		firstLine: positive.Or(opts.FirstLine, 1), offset: max(opts.Offset, 0), evAt: opts.Clock}
	rp.in = &countingReader{r: r, total: &rp.read}
	return rp
}

func cleanSpeed(f float64) float64 {
	if !(f > 0) || math.IsInf(f, 0) {
		return 0
	}
	return f
}

// Run reads the input line by line and emits one message per non-blank line, waiting between events
// as their ts say (scaled by the speed, gaps capped at MaxGap) and while paused. It returns nil at the
// end of the input, ctx.Err() when cancelled, or a read error. With more than one worker it reads and
// decodes a bounded window of lines ahead in other goroutines (see runAhead) and emits exactly what
// the sequential loop would, in the same order; with one it reads in this goroutine, and a read
// blocked on a pipe returns before a cancelled Run does.
func (r *Replay) Run(ctx context.Context, emit Emit) error {
	lr := r.newLineReader()
	if r.workers > 1 {
		return r.runAhead(ctx, lr, emit)
	}
	done := ctx.Done()
	var pos int64
	for {
		select {
		case <-done:
			r.finish(pos, StateStopped, "")
			return ctx.Err()
		default:
		}
		ln, err := lr.next()
		if err != nil {
			return r.readEnd(err, lr.n+1, pos)
		}
		pos += ln.size
		msg, at, kind := r.message(ln, lr.n, &r.dec)
		if err := r.deliver(ctx, emit, msg, at, kind, pos); err != nil {
			return err
		}
	}
}

// deliver waits until one line's message may go (admit) and emits it; a blank line is passed over
// and a recording's end line only moves the clock. It returns ctx.Err() when cancelled while
// waiting, having finished the replay.
func (r *Replay) deliver(ctx context.Context, emit Emit, msg Message, at time.Time, kind lineKind, pos int64) error {
	if kind == lineBlank {
		return nil
	}
	m := &msg
	if kind == lineEnd {
		m = nil // the clock moves to the recording's end; nothing is emitted
	}
	if err := r.admit(ctx, m, at, pos); err != nil {
		r.finish(pos, StateStopped, "")
		return err
	}
	if m != nil {
		emit(msg)
	}
	return nil
}

// lineKind is what a line of input holds.
type lineKind int

const (
	lineMessage lineKind = iota // a message to emit
	lineBlank                   // nothing: counted as a line, not emitted
	lineEnd                     // a recording's end line: the time it ended, not emitted
)

// allowed is the size limit for a line starting with first: recorder wrapper lines may be larger
// than the message they carry (escaping, base64, oversized messages kept whole), and a recorded
// event carries its receive time besides.
func (r *Replay) allowed(first []byte) int {
	if looksWrapped(first) {
		return wrappedMax(r.max)
	}
	return r.max + recvPrefixLen(first)
}

// message turns one line into a message and its pacing time (zero when it has none), and says what
// the line holds. The event is decoded into dec, which the message then points to. It reads only
// what NewReplay set, so workers call it at once for different lines.
func (r *Replay) message(ln line, n int64, dec *decoded) (m Message, at time.Time, kind lineKind) {
	m = Message{Origin: model.Origin{Source: r.name, Line: n}, Partial: ln.partial, Offset: ln.offset}
	if ln.length > int64(r.allowed(ln.text)) {
		m.Data = bytes.Clone(ln.text[:min(len(ln.text), snippetSize)])
		m.Problem = fmt.Sprintf("line is %d bytes, larger than the limit of %d bytes (--max-message)",
			ln.length, r.max)
		return m, time.Time{}, lineMessage
	}
	if isBlank(ln.text) {
		return m, time.Time{}, lineBlank
	}
	if looksWrapped(ln.text) {
		at, end := unwrapRecorded(&m, ln.text, r.max)
		if end {
			return m, at, lineEnd
		}
		return m, at, lineMessage
	}
	m.Data = ln.text // valid until the next read, which waits for emit to return
	if ev, recv, ok := cutRecv(ln.text); ok {
		m.Data, m.Received, at = ev, recv, recv // paced by its receive time unless it has a ts
		if recv.IsZero() {
			m.Problem = recvProblem
		}
	}
	// The event is decoded here, once, for its ts, and handed to the pump with the message: cheaper
	// than peeking at the ts first and decoding after. A message Decode rejects is paced by what
	// PeekTS reads of it; one whose decoding panics is left to the pump to decode again, under its
	// guard.
	if r.decode(m.Data, dec) {
		m.decoded = dec
		if dec.err == nil {
			if ts := dec.ev.TS; !ts.IsZero() {
				at = ts
			}
			return m, at, lineMessage
		}
	}
	if ts := model.PeekTS(m.Data); !ts.IsZero() {
		at = ts
	}
	return m, at, lineMessage
}

// decode decodes data into dec and reports whether it did; it is false when decoding panicked (a
// bug), which the pump catches and reports, located, when it decodes the message itself.
func (r *Replay) decode(data []byte, dec *decoded) (ok bool) {
	defer func() {
		if recover() != nil {
			*dec, ok = decoded{}, false
		}
	}()
	dec.ev, dec.err = r.decodeFn(data)
	return true
}

func isBlank(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\r' {
			return false
		}
	}
	return true
}

// admit waits until m may be emitted (not paused, and its pacing time at reached by the replay
// clock), then moves the clock to at and counts m. It stamps m.Received with the replay clock when
// the line did not carry a receive time of its own. A nil m (a recording's end) only moves the
// clock.
func (r *Replay) admit(ctx context.Context, m *Message, at time.Time, pos int64) error {
	r.mu.Lock()
	for {
		if r.paused {
			wake := r.wake
			r.mu.Unlock()
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-wake:
			}
			r.mu.Lock()
			continue
		}
		if at.IsZero() || r.speed == 0 || r.last.IsZero() {
			break
		}
		now := r.wall()
		target := at
		if limit := r.last.Add(MaxGap); target.After(limit) {
			target = limit
		}
		cur := r.clock(now)
		if !cur.Before(target) {
			break
		}
		r.limit = target
		wait, wake := time.Duration(float64(target.Sub(cur))/r.speed), r.wake
		r.mu.Unlock()
		if err := sleep(ctx, wait, wake); err != nil {
			return err
		}
		r.mu.Lock()
	}
	defer r.mu.Unlock()
	var now time.Time
	if r.speed > 0 || r.evAt.IsZero() {
		now = r.wall()
	}
	if !at.IsZero() {
		r.evAt, r.wallAt, r.limit, r.last = at, now, time.Time{}, at
	}
	r.pos = pos
	if m == nil {
		return nil
	}
	if m.Received.IsZero() {
		if m.Received = r.clock(now); m.Received.IsZero() {
			m.Received = now // no event time yet: a file without ts runs on the wall clock
		}
	}
	r.msgs++
	r.bytes += int64(len(m.Data))
	r.line = m.Origin.Line
	return nil
}

// sleep waits for d, for wake (pause or speed changed) or for ctx, whichever comes first.
func sleep(ctx context.Context, d time.Duration, wake <-chan struct{}) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-wake:
	case <-t.C:
	}
	return nil
}

// clock is the replay clock at wall time now; r.mu must be held. It is zero before the first event
// time.
func (r *Replay) clock(now time.Time) time.Time {
	if r.evAt.IsZero() || r.paused || r.speed == 0 || r.state != StateReplaying {
		return r.evAt
	}
	t := r.evAt.Add(time.Duration(float64(now.Sub(r.wallAt)) * r.speed))
	if !r.limit.IsZero() && t.After(r.limit) {
		t = r.limit
	}
	return t
}

// finish records the end of Run; the clock stops at the last event time.
func (r *Replay) finish(pos int64, state State, detail string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pos, r.state, r.detail = pos, state, detail
	if left := r.read.Load() - pos; state == StateStopped && left > 0 {
		// Stopped (a signal, --for) with input read that was not applied: say so, so that a
		// stop never silently leaves out what was received (a pipe's partial line, say).
		r.detail = fmt.Sprintf("%d bytes received after line %d were not applied", left, r.line)
		if r.line == 0 {
			r.detail = fmt.Sprintf("%d bytes received were not applied", left)
		}
	}
	r.paused = false // a pause pressed as the input ended would otherwise show for ever
	if !r.last.IsZero() {
		r.evAt = r.last
	}
	r.limit = time.Time{}
}

// Status reports the replay's position, state and counts.
func (r *Replay) Status() Status {
	r.mu.Lock()
	defer r.mu.Unlock()
	st := Status{Name: r.name, State: r.state, Detail: r.detail, Pos: r.pos, Total: r.total,
		Speed: r.speed, Paused: r.paused, Messages: r.msgs, Bytes: r.bytes}
	if r.paused && r.state == StateReplaying {
		st.State = StatePaused
	}
	if st.Total > 0 && st.Pos > st.Total || st.Total == 0 && r.state == StateDone {
		st.Total = st.Pos // a growing file, or a pipe whose length is known at its end
	}
	if !r.evAt.IsZero() {
		st.EventTime = r.clock(r.wall())
	}
	return st
}

// Now is the replay clock: the event time reached, advancing smoothly (in real time times the speed)
// between events while running, standing still while paused or at speed 0, and the last event's time
// once the replay is done. Before any event time is known it is the wall clock.
func (r *Replay) Now() time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.wall()
	if t := r.clock(now); !t.IsZero() {
		return t
	}
	return now
}

// TogglePause pauses a running replay or resumes a paused one; a finished replay ignores it.
func (r *Replay) TogglePause() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.state != StateReplaying {
		return
	}
	r.reanchor()
	r.paused = !r.paused
	r.signal()
}

// SetSpeed sets the pacing factor (0, negative or not finite means no waiting); it takes effect at
// once, also in the middle of a wait.
func (r *Replay) SetSpeed(f float64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reanchor()
	r.speed = cleanSpeed(f)
	r.signal()
}

// reanchor freezes the clock's current reading as its new origin, before its rate changes.
func (r *Replay) reanchor() {
	now := r.wall()
	r.evAt, r.wallAt = r.clock(now), now
}

// signal wakes a waiting Run so that it recomputes its wait.
func (r *Replay) signal() {
	close(r.wake)
	r.wake = make(chan struct{})
}
