// Package wsfan is the WebSocket fan-out every deskwatch server uses to send one stream to many
// clients (the hub's monitors, the simulator's subscribers), and the pieces of a WebSocket
// connection's upkeep that readers share with it (keepalive pings and idle deadlines, reading a
// message with a size limit and discarding the rest).
//
// A Subscriber is one client: a queue bounded in messages and in bytes, filled by the server under
// its own lock and drained by the client's writer goroutine, so that a slow client only ever fills
// its own queue and is dropped (with a close code and a reason) rather than slowing the others.
// A Fan is a stream's subscribers: it takes the snapshot a new client gets and registers it for
// the live messages under the server's lock, the one that orders its broadcasts, so the two
// neither overlap nor leave a gap; the client's writer sends the snapshot, then calls Drain. A
// Closer ends a connection once, with a close code.
package wsfan

import (
	"errors"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// Config bounds one subscriber.
type Config struct {
	// Queue is how many messages may wait for the client.
	Queue int
	// MaxPending is how many bytes may wait for the client; 0 is no bound but Queue.
	MaxPending int64
	// WriteWait bounds writing one message or ping: a client that takes longer is cut.
	WriteWait time.Duration
	// CloseWait bounds sending the close frame once the subscription stops, after which the
	// connection is closed (which also unblocks a writer stuck on a full socket).
	CloseWait time.Duration
}

// Subscriber is one client of a fan-out, carrying messages of type M.
type Subscriber[M any] struct {
	*Closer
	cfg     Config
	queue   chan queued[M]
	pending atomic.Int64 // bytes in queue
	batch   []byte       // frames gathered by WriteFrame, not written yet; nil when none

	// Keys, when set before the subscriber joins a Fan, are the routing keys of the messages it
	// receives (Fan.Broadcast's key); nil: every message; empty but not nil: none.
	Keys []string
}

type queued[M any] struct {
	m    M
	size int
}

// New returns a subscriber writing to conn.
func New[M any](conn *websocket.Conn, cfg Config) *Subscriber[M] {
	return &Subscriber[M]{Closer: NewCloser(conn, cfg.CloseWait), cfg: cfg, queue: make(chan queued[M], cfg.Queue)}
}

// Overflow says which bound a message pushed would have passed: the subscriber is too slow.
type Overflow struct {
	// Messages is the queue's length, when the queue was full.
	Messages int
	// Bytes is what would be waiting, when over Config.MaxPending (Messages is then 0).
	Bytes int64
}

// Push queues m, of size bytes. It returns nil, or the bound m would pass (m is then not queued,
// and the caller drops the subscriber with Stop).
func (s *Subscriber[M]) Push(m M, size int) *Overflow {
	if n := s.pending.Add(int64(size)); s.cfg.MaxPending > 0 && n > s.cfg.MaxPending {
		return &Overflow{Bytes: n}
	}
	select {
	case s.queue <- queued[M]{m, size}:
		return nil
	default:
		return &Overflow{Messages: cap(s.queue)}
	}
}

// errStopped is what a write returns once the subscription has stopped.
var errStopped = errors.New("stopped")

// WriteText writes one text message within WriteWait, unless the subscription has stopped.
func (s *Subscriber[M]) WriteText(data []byte) error {
	if err := s.beforeWrite(); err != nil {
		return err
	}
	return s.conn.WriteMessage(websocket.TextMessage, data)
}

func (s *Subscriber[M]) beforeWrite() error {
	select {
	case <-s.done:
		return errStopped
	default:
	}
	return s.conn.SetWriteDeadline(time.Now().Add(s.cfg.WriteWait))
}

// Drain hands queued messages to send, in order, and pings the client every ping (never when 0),
// until the subscription stops (it returns nil) or send or a ping fails (it returns the error).
// What send gathers with WriteFrame is written once the queue is empty (and before a ping).
// It is the subscriber's only writer of messages; call it from one goroutine.
func (s *Subscriber[M]) Drain(ping time.Duration, send func(M) error) error {
	var tick <-chan time.Time
	if ping > 0 {
		t := time.NewTicker(ping)
		defer t.Stop()
		tick = t.C
	}
	for {
		if err := s.Flush(); err != nil {
			return err
		}
		select {
		case <-s.done:
			return nil
		case q := <-s.queue:
			if err := s.drain(q, send); err != nil {
				return err
			}
		case <-tick:
			if err := s.conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(s.cfg.WriteWait)); err != nil {
				select {
				case <-s.done: // stopped as the tick came: the close frame went first
					return nil
				default:
					return err
				}
			}
		}
	}
}

// drain sends q and every message queued behind it, until the queue is empty.
func (s *Subscriber[M]) drain(q queued[M], send func(M) error) error {
	for {
		s.pending.Add(-int64(q.size))
		if err := send(q.m); err != nil {
			return err
		}
		select {
		case <-s.done:
			return nil
		case q = <-s.queue:
		default:
			return nil
		}
	}
}

// Read reads and discards what the client sends, which processes its pongs and close frames,
// until the connection fails, and returns why. Messages over limit bytes end it; a client silent
// (no message, no pong) for idle is taken for dead (never when idle is 0). Run it in its own
// goroutine; it does not stop the subscription.
func (s *Subscriber[M]) Read(limit int64, idle time.Duration) error {
	s.conn.SetReadLimit(limit)
	extend := func() {}
	if idle > 0 {
		extend = IdleDeadline(s.conn, idle)
	}
	for {
		if _, _, err := s.conn.NextReader(); err != nil {
			return err
		}
		extend()
	}
}
