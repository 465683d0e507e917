package wsfan

import (
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// Closer ends one connection once, whoever asks first: the server shutting down, a revoked
// token, a slow or silent peer. Every deskwatch server closes its WebSocket connections through
// one.
type Closer struct {
	conn *websocket.Conn
	wait time.Duration

	once    sync.Once
	done    chan struct{}
	closed  chan struct{}
	writing chan struct{} // held through a write past gorilla (writeRaw), and by the close frame
	code    int
	reason  string
}

// NewCloser returns the closer of conn; wait bounds sending the close frame.
func NewCloser(conn *websocket.Conn, wait time.Duration) *Closer {
	return &Closer{conn: conn, wait: wait, done: make(chan struct{}), closed: make(chan struct{}),
		writing: make(chan struct{}, 1)}
}

// beginWrite takes the connection for one write past gorilla's back, unless the connection is
// stopped; endWrite gives it back. Stop's close frame waits for such a write under way (within the
// closer's wait), and none begins after it: no frame follows the close frame (RFC 6455 5.5.1).
// Gorilla orders its own writes (messages, pings) and refuses them once the close frame is sent.
func (c *Closer) beginWrite() bool {
	select {
	case c.writing <- struct{}{}:
	case <-c.done:
		return false
	}
	select {
	case <-c.done:
		<-c.writing
		return false
	default:
		return true
	}
}

func (c *Closer) endWrite() { <-c.writing }

// Stop ends the connection; the first call wins. With a code other than 0 a close frame with the
// code and reason is sent (within the closer's wait, after a write under way past gorilla); the
// connection is then closed. Stop does not wait for either.
func (c *Closer) Stop(code int, reason string) {
	c.once.Do(func() {
		c.code, c.reason = code, reason
		close(c.done)
		go func() {
			defer close(c.closed)
			if code != 0 {
				deadline := time.Now().Add(c.wait)
				t := time.NewTimer(c.wait)
				select {
				case c.writing <- struct{}{}: // kept: no write begins once done is closed
					msg := websocket.FormatCloseMessage(code, reason)
					_ = c.conn.WriteControl(websocket.CloseMessage, msg, deadline)
				case <-t.C: // a write stuck on a full socket: closing the connection ends it
				}
				t.Stop()
			}
			_ = c.conn.Close()
		}()
	})
}

// Closed is closed once a stopped connection's close frame was sent (or its wait passed) and the
// connection closed: a server that exits before then cuts the frame.
func (c *Closer) Closed() <-chan struct{} { return c.closed }

// Done is closed when the connection is stopped.
func (c *Closer) Done() <-chan struct{} { return c.done }

// Reason returns the close code and reason the connection was stopped with; call it once Done is
// closed.
func (c *Closer) Reason() (int, string) { return c.code, c.reason }
