package wsfan

import (
	"errors"
	"net"
	"time"

	"github.com/gorilla/websocket"

	"github.com/deskwatch/deskwatch/internal/periodic"
)

// Ping sends conn a ping every interval, each within wait, until done is closed or a ping fails;
// run it in a goroutine of its own. Together with a read deadline that each pong pushes back
// (IdleDeadline), it notices a peer that is gone.
func Ping(conn *websocket.Conn, interval, wait time.Duration, done <-chan struct{}) {
	periodic.Every(done, interval, func(now time.Time) bool {
		// On a failure the reader sees it too.
		return conn.WriteControl(websocket.PingMessage, nil, now.Add(wait)) == nil
	})
}

// IdleDeadline gives conn's reads idle from now, and again at every pong; the reader calls the
// function returned after each message to push the deadline back. It sets conn's pong handler.
func IdleDeadline(conn *websocket.Conn, idle time.Duration) (extend func()) {
	return NewDeadline(conn, idle, 0).Idle
}

// Deadline keeps a connection's read deadline: idle after the last message or pong, and while a
// message is arriving at most perMessage after its first frame, which no pong pushes back (a peer
// that answers pings while it drips an endless message in fragments is not idle, but it is stuck).
// Its methods and conn's pong handler, which it sets, run on the connection's reader goroutine.
type Deadline struct {
	conn             *websocket.Conn
	idle, perMessage time.Duration
	by               time.Time // when the message arriving must be whole; zero between messages
	bound            bool      // the deadline set is by, not the idle one
}

// NewDeadline sets conn's read deadline idle from now and its pong handler to push it back.
// perMessage 0: no bound on one message's time.
func NewDeadline(conn *websocket.Conn, idle, perMessage time.Duration) *Deadline {
	d := &Deadline{conn: conn, idle: idle, perMessage: perMessage}
	conn.SetPongHandler(func(string) error { d.extend(); return nil })
	d.Idle()
	return d
}

func (d *Deadline) extend() {
	dl := time.Now().Add(d.idle)
	d.bound = !d.by.IsZero() && d.by.Before(dl)
	if d.bound {
		dl = d.by
	}
	_ = d.conn.SetReadDeadline(dl)
}

// Idle is called between messages (after one is read whole): the deadline is idle from now.
func (d *Deadline) Idle() {
	d.by = time.Time{}
	d.extend()
}

// Arriving is called when a message's first frame has come (NextReader returned): the message
// must be whole within perMessage.
func (d *Deadline) Arriving() {
	if d.perMessage > 0 {
		d.by = time.Now().Add(d.perMessage)
	}
	d.extend()
}

// MessageTimedOut reports whether err, from reading a message, is its perMessage running out
// (rather than the peer going idle).
func (d *Deadline) MessageTimedOut(err error) bool { return d.bound && IsTimeout(err) }

// IsTimeout reports whether err is a deadline's (a net.Error that timed out).
func IsTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
