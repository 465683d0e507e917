package jetlog

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// followStall is how long a Follow may wait for its next message while the stream holds messages
// past the last one it delivered before its watchdog takes it for stalled: it stops the reader and
// the Follow returns ErrStalled (the hub's apply loop logs it and follows again from the next
// sequence). Time spent in the Follow's fn does not count, nor does waiting on a quiet stream.
const followStall = 10 * time.Second

// ErrStalled ends a Follow whose reader delivered nothing for followStall while the stream held
// messages it had not delivered (the error says which). Following again from the next sequence
// resumes it.
var ErrStalled = errors.New("jetlog: follow stalled")

// msgIter is the part of jetstream.MessagesContext a Follow uses (tests wrap it to stall it).
type msgIter interface {
	Next(...jetstream.NextOpt) (jetstream.Msg, error)
	Stop()
}

// followWatch is what a Follow's loop tells its watchdog: two atomic operations per message,
// no clock, no lock.
type followWatch struct {
	waits   atomic.Uint64 // incremented as each wait in Next begins and ends: odd while waiting
	last    atomic.Uint64 // the last sequence Next delivered (from-1 before the first)
	stalled atomic.Pointer[error]
}

// wait marks the start of a wait in Next, delivered its end with the message of stream sequence
// seq (0: unknown).
func (w *followWatch) wait() { w.waits.Add(1) }

func (w *followWatch) delivered(seq uint64) {
	w.waits.Add(1)
	if seq != 0 {
		w.last.Store(seq)
	}
}

// err is the stall that stopped the Follow's reader, or nil.
func (w *followWatch) err() error {
	if p := w.stalled.Load(); p != nil {
		return *p
	}
	return nil
}

// watch is a Follow's watchdog: every quarter of the stall period it looks at w, and when one
// wait in Next has lasted the stall period it asks the stream (at most once a stall period per
// wait, and through a cache that Follows share) whether it holds messages past the last one
// delivered; if so it records the stall and calls stop. It returns when ctx ends.
func (l *Log) watch(ctx context.Context, w *followWatch, stall time.Duration, stop func()) {
	tick := time.NewTicker(stall / 4)
	defer tick.Stop()
	var seen uint64            // the value of w.waits being timed
	var began, since time.Time // when this watchdog first saw it, and last asked the stream
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			n := w.waits.Load()
			if n%2 == 0 || n != seen {
				seen, began, since = n, now, now
				continue
			}
			if now.Sub(since) < stall {
				continue
			}
			since = now // a quiet stream is asked again only after another stall period
			l.st.stallChecks.Add(1)
			last := w.last.Load()
			held, ok := l.st.streamLast(ctx, stall/2)
			if !ok || held <= last || w.waits.Load() != n {
				continue
			}
			err := fmt.Errorf("%w: no message for %s after seq %d while the stream holds up to seq %d",
				ErrStalled, now.Sub(began).Round(100*time.Millisecond), last, held)
			w.stalled.Store(&err)
			l.st.followStalls.Add(1)
			stop()
			return
		}
	}
}

// lastSeqCache is the stream's last sequence as a Follow's watchdog last asked it, shared by the
// Follows of a Log so that many waiting on a quiet stream do not each ask it.
type lastSeqCache struct {
	turn chan struct{} // holds a token while one watchdog reads or asks (a lock its ctx can leave)
	seq  uint64        // 0 when the stream held no message
	at   time.Time
}

// streamLast returns the last sequence the stream holds (0 when it holds none), as asked within
// maxAge; ok is false when the stream did not answer or ctx ended. A watchdog waits its turn only
// as long as its ctx lasts: while the stream does not answer, each ask takes requestTimeout, and a
// Follow that ends waits for its watchdog.
func (s *logState) streamLast(ctx context.Context, maxAge time.Duration) (uint64, bool) {
	c := &s.lastSeq
	select {
	case c.turn <- struct{}{}:
	case <-ctx.Done():
		return 0, false
	}
	defer func() { <-c.turn }()
	if !c.at.IsZero() && time.Since(c.at) < maxAge {
		return c.seq, true
	}
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	info, err := s.stream.Info(ctx)
	if err != nil {
		return 0, false // no leader a moment, say: the reader is as likely to recover as a new one
	}
	c.seq, c.at = info.State.LastSeq, time.Now()
	if info.State.Msgs == 0 {
		c.seq = 0
	}
	return c.seq, true
}
