package feed

import (
	"bytes"
	"context"
	"time"
)

// The read-ahead window of a replay with several workers: a batch holds up to aheadLines lines, and
// is closed at aheadBytes of text (so it may hold one line more, at most the size limit), and at
// most aheadPerWorker batches per worker are read, decoding or waiting to be emitted at once. With
// two cores that is 8 batches: at most 2 MiB of lines plus 8 lines at the size limit; their decoded
// events are bounded apart (aheadHeld).
const (
	aheadLines     = 256
	aheadBytes     = 256 << 10
	aheadPerWorker = 4
)

// aheadBatch is a run of consecutive lines, copied out of the read buffer into text, then decoded
// by a worker, then emitted in order by Run. Batches are reused: none is allocated per line.
type aheadBatch struct {
	text  []byte
	lines []aheadLine
	// err is the read error that ended the input after these lines (io.EOF at its end), at line
	// errLine; fault is a panic of the reader's, raised again by Run after these lines.
	err     error
	errLine int64
	fault   any
	ready   chan struct{} // receives once the batch is decoded
	// seq numbers the batches in input order; held is what its decoded lines hold (aheadBudget).
	seq  uint64
	held int64
}

// aheadLine is one line of a batch: where its text is, what the line reader said of it, and what
// message turned it into.
type aheadLine struct {
	start, end   int
	n            int64
	size, length int64
	offset       int64
	partial      bool

	msg   Message
	at    time.Time
	kind  lineKind
	dec   decoded
	fault any // a panic while turning the line into a message, raised again by Run at this line
}

// runAhead is Run with r.workers goroutines decoding a bounded window of batches ahead of this one,
// which alone admits and emits them, in input order: the messages, their origins, pacing times and
// decoded events are exactly those of the sequential loop, so the store and every report are too.
// A decoding panic leaves the message undecoded for the pump, as in the sequential loop; any other
// panic on the way is raised again here, at its line. When ctx is cancelled it returns at once; a
// read blocked on a pipe then ends on its own, and nothing more is read.
func (r *Replay) runAhead(ctx context.Context, lr *lineReader, emit Emit) error {
	window := aheadPerWorker * r.workers
	free := make(chan *aheadBatch, window)
	for range window {
		free <- &aheadBatch{ready: make(chan struct{}, 1)}
	}
	work, order := make(chan *aheadBatch, window), make(chan *aheadBatch, window)
	stop := make(chan struct{})
	defer close(stop)
	budget := r.aheadBudget()
	defer budget.stop()
	go readAhead(lr, free, work, order, stop)
	for range r.workers {
		go r.decodeAhead(work, budget)
	}
	done := ctx.Done()
	var pos int64
	for {
		var b *aheadBatch
		select {
		case <-done:
			r.finish(pos, StateStopped, "")
			return ctx.Err()
		case b = <-order:
		}
		select {
		case <-done:
			r.finish(pos, StateStopped, "")
			return ctx.Err()
		case <-b.ready:
		}
		for i := range b.lines {
			l := &b.lines[i]
			select {
			case <-done:
				r.finish(pos, StateStopped, "")
				return ctx.Err()
			default:
			}
			if l.fault != nil {
				panic(l.fault)
			}
			pos += l.size
			if err := r.deliver(ctx, emit, l.msg, l.at, l.kind, pos); err != nil {
				return err
			}
		}
		if b.fault != nil {
			panic(b.fault)
		}
		if b.err != nil {
			return r.readEnd(b.err, b.errLine, pos)
		}
		budget.emitted(b.seq, b.held)
		free <- b
	}
}

// readAhead fills free batches with lines and hands each to the workers and, in input order, to
// Run, until the input ends or stop is closed.
func readAhead(lr *lineReader, free <-chan *aheadBatch, work, order chan<- *aheadBatch, stop <-chan struct{}) {
	defer close(work)
	for seq := uint64(0); ; seq++ {
		var b *aheadBatch
		select {
		case <-stop:
			return
		case b = <-free:
		}
		b.seq, b.held = seq, 0
		last := b.fill(lr)
		work <- b // neither send blocks: there are only window batches
		order <- b
		if last {
			return
		}
	}
}

// fill reads lines into b until it is full, the input ends (it returns true) or the next line is
// not in the read buffer yet: a pipe's lines are then emitted before the reader waits for more.
func (b *aheadBatch) fill(lr *lineReader) (last bool) {
	if cap(b.text) > 4*aheadBytes {
		b.text = nil // do not keep a huge line's room for the rest of the file
	}
	b.text, b.lines, b.err, b.fault = b.text[:0], b.lines[:0], nil, nil
	defer func() {
		if v := recover(); v != nil {
			b.fault, last = v, true
		}
	}()
	for {
		ln, err := lr.next()
		if err != nil {
			b.err, b.errLine = err, lr.n+1
			return true
		}
		start := len(b.text)
		b.text = append(b.text, ln.text...)
		b.lines = append(b.lines, aheadLine{start: start, end: len(b.text), n: lr.n, size: ln.size,
			length: ln.length, offset: ln.offset, partial: ln.partial})
		if len(b.lines) == aheadLines || len(b.text) >= aheadBytes || !lineBuffered(lr) {
			return false
		}
	}
}

// lineBuffered reports whether a whole next line is already in the read buffer.
func lineBuffered(lr *lineReader) bool {
	next, _ := lr.br.Peek(lr.br.Buffered())
	return bytes.IndexByte(next, '\n') >= 0
}

// decodeAhead turns the lines of each batch from work into messages, within the budget of what the
// decoded lines ahead may hold, then marks the batch ready.
func (r *Replay) decodeAhead(work <-chan *aheadBatch, budget *aheadBudget) {
	for b := range work {
		for i := range b.lines {
			l := &b.lines[i]
			budget.wait(b.seq, l.end-l.start > aheadBigLine)
			r.decodeLine(b, l)
			n := l.dec.ev.HeldBytes()
			b.held += n
			budget.add(n)
		}
		b.ready <- struct{}{}
	}
}

func (r *Replay) decodeLine(b *aheadBatch, l *aheadLine) {
	l.msg, l.at, l.kind, l.dec, l.fault = Message{}, time.Time{}, lineBlank, decoded{}, nil
	defer func() {
		if v := recover(); v != nil {
			l.fault = v
		}
	}()
	ln := line{text: b.text[l.start:l.end:l.end], size: l.size, length: l.length, partial: l.partial,
		offset: l.offset}
	l.msg, l.at, l.kind = r.message(ln, l.n, &l.dec)
}
