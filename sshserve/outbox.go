package sshserve

import (
	"errors"
	"fmt"
	"io"
	"sync"
	"time"
)

// pieceSize is the most the outbox hands the SSH channel at once, so the write timeout measures
// a client's progress, not how long a whole frame takes on a slow link.
const pieceSize = 32 << 10

// errOutboxClosed is returned by writes after Close.
var errOutboxClosed = errors.New("session output closed")

// outbox is a session's output. The program writes into it without waiting for the network, and
// one goroutine sends what is queued to the client. What the server holds for a client is bounded:
// a write that would make more than max bytes wait means the client is not reading, and the
// session is dropped (onStall) instead of the server holding more. A piece of output the client
// accepts nothing of for timeout is a stall too.
type outbox struct {
	w       io.Writer
	max     int
	timeout time.Duration
	stall   sync.Once
	onStall func(why string)

	mu      sync.Mutex
	wake    *sync.Cond // data queued, or the box closed or failed
	queue   []byte     // accepted, not yet taken by the sender
	spare   []byte     // the sender's last buffer, reused for the next queue
	sending int        // taken by the sender, not yet accepted by the client
	peak    int        // the most ever held (queue + sending)
	sent    int64      // bytes the client accepted
	closed  bool
	err     error // why writes fail: a stall or the channel's error
	done    chan struct{}
	drained func() // called once when nothing waits any more (notifyDrained)
}

// newOutbox starts the sender for w.
func newOutbox(w io.Writer, max int, timeout time.Duration, onStall func(why string)) *outbox {
	o := &outbox{w: w, max: max, timeout: timeout, onStall: onStall, done: make(chan struct{})}
	o.wake = sync.NewCond(&o.mu)
	go o.send()
	return o
}

// Write queues p. It fails when the client has stalled or the box is closed.
func (o *outbox) Write(p []byte) (int, error) {
	o.mu.Lock()
	if o.err != nil || o.closed {
		err := o.err
		o.mu.Unlock()
		if err == nil {
			err = errOutboxClosed
		}
		return 0, err
	}
	held := len(o.queue) + o.sending
	if held+len(p) > o.max {
		why := fmt.Sprintf("%d bytes of output already wait for the client and %d more would pass the limit of %d",
			held, len(p), o.max)
		o.err = errors.New("client stalled: " + why)
		err := o.err
		o.wake.Broadcast()
		o.mu.Unlock()
		o.fail(why)
		return 0, err
	}
	o.queue = append(o.queue, p...)
	o.peak = max(o.peak, held+len(p))
	o.wake.Broadcast()
	o.mu.Unlock()
	return len(p), nil
}

// fail reports the stall once.
func (o *outbox) fail(why string) { o.stall.Do(func() { o.onStall(why) }) }

// send is the sender goroutine: it takes the whole queue and writes it in pieces, each under a
// watchdog, until the box is closed and empty or a write fails.
func (o *outbox) send() {
	defer close(o.done)
	dog := time.AfterFunc(o.timeout, func() {
		o.fail(fmt.Sprintf("the client accepted no output for %s", o.timeout))
	})
	dog.Stop()
	for {
		o.mu.Lock()
		for len(o.queue) == 0 && !o.closed && o.err == nil {
			o.wake.Wait()
		}
		if o.err != nil || len(o.queue) == 0 {
			o.mu.Unlock()
			return
		}
		out := o.queue
		o.queue, o.spare = o.spare[:0], nil
		o.sending = len(out)
		o.mu.Unlock()
		for rest := out; len(rest) > 0; {
			n := min(len(rest), pieceSize)
			dog.Reset(o.timeout)
			_, err := o.w.Write(rest[:n])
			dog.Stop()
			o.mu.Lock()
			if err != nil {
				if o.err == nil {
					o.err = fmt.Errorf("write to the client: %w", err)
				}
				o.sending = 0
				o.mu.Unlock()
				return
			}
			o.sending -= n
			o.sent += int64(n)
			o.mu.Unlock()
			rest = rest[n:]
		}
		o.mu.Lock()
		o.spare = out[:0]
		var drained func()
		if len(o.queue) == 0 {
			drained, o.drained = o.drained, nil
		}
		o.mu.Unlock()
		if drained != nil {
			drained()
		}
	}
}

// waiting reports whether output is queued or being sent: the client has not taken all of it.
func (o *outbox) waiting() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.queue)+o.sending > 0
}

// notifyDrained calls f once the client has taken everything queued (at once if it has).
func (o *outbox) notifyDrained(f func()) {
	o.mu.Lock()
	if len(o.queue)+o.sending > 0 {
		o.drained = f
		o.mu.Unlock()
		return
	}
	o.mu.Unlock()
	f()
}

// Close stops taking writes and waits up to wait for what is queued to reach the client.
func (o *outbox) Close(wait time.Duration) {
	o.mu.Lock()
	o.closed = true
	o.wake.Broadcast()
	o.mu.Unlock()
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-o.done:
	case <-t.C:
	}
}

// stats reports the bytes the client accepted and the most the server ever held for it.
func (o *outbox) stats() (sent int64, peak int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.sent, o.peak
}
