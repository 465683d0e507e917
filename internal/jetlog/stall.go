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
// past the last one it delivered before its watchdog takes it for stalled (within a quarter more):
// it stops the reader and the Follow returns ErrStalled (the hub's apply loop logs it and follows
// again from the next sequence). Time spent in the Follow's fn does not count, nor does waiting
// on a quiet stream.
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

// watch is a Follow's watchdog: every quarter of the stall period it looks at w. When one wait in
// Next has lasted three quarters of the stall period it asks the stream (then again once a stall
// period while the wait lasts, through a cache that Follows share) which messages it holds. Once
// the wait has lasted the stall period and an answer a quarter period old or older says the stream
// held messages past the last one delivered, it records the stall and calls stop: a message
// stored just as the stream was asked has had that quarter to reach the reader. It returns when
// ctx ends.
func (l *Log) watch(ctx context.Context, w *followWatch, stall time.Duration, stop func()) {
	tick := time.NewTicker(stall / 4)
	defer tick.Stop()
	var seen uint64            // the value of w.waits being timed
	var began, asked time.Time // when this watchdog first saw it, and when the answer was given
	var held uint64            // the stream's last sequence in that answer
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			n := w.waits.Load()
			if n%2 == 0 || n != seen {
				seen, began, asked = n, now, time.Time{}
				continue
			}
			waited := now.Sub(began)
			if waited < stall*3/4 {
				continue
			}
			if asked.IsZero() || now.Sub(asked) >= stall { // a quiet stream is asked again a period on
				if l.st.beforeAsk != nil {
					l.st.beforeAsk()
				}
				var ok bool
				if held, asked, ok = l.st.streamLast(ctx, stall/2); !ok {
					asked = now
				}
				continue
			}
			last := w.last.Load()
			if waited < stall || now.Sub(asked) < stall/4 || held <= last || w.waits.Load() != n {
				continue
			}
			err := fmt.Errorf("%w: no message for %s after seq %d while the stream holds up to seq %d",
				ErrStalled, waited.Round(100*time.Millisecond), last, held)
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

// streamLast returns the last sequence the stream holds (0 when it holds none) and when the stream
// said so, within maxAge; ok is false when the stream did not answer or ctx ended. A watchdog
// waits its turn only as long as its ctx lasts: while the stream does not answer, each ask takes
// requestTimeout, and a Follow that ends waits for its watchdog.
func (s *logState) streamLast(ctx context.Context, maxAge time.Duration) (uint64, time.Time, bool) {
	c := &s.lastSeq
	select {
	case c.turn <- struct{}{}:
	case <-ctx.Done():
		return 0, time.Time{}, false
	}
	defer func() { <-c.turn }()
	if !c.at.IsZero() && time.Since(c.at) < maxAge {
		return c.seq, c.at, true
	}
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	info, err := s.stream.Info(ctx)
	if err != nil {
		return 0, time.Time{}, false // no leader a moment, say: the reader may recover as a new one would
	}
	c.seq, c.at = info.State.LastSeq, time.Now()
	if info.State.Msgs == 0 {
		c.seq = 0
	}
	return c.seq, c.at, true
}
