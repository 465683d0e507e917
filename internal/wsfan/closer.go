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

	once   sync.Once
	done   chan struct{}
	closed chan struct{}
	code   int
	reason string
}

// NewCloser returns the closer of conn; wait bounds sending the close frame.
func NewCloser(conn *websocket.Conn, wait time.Duration) *Closer {
	return &Closer{conn: conn, wait: wait, done: make(chan struct{}), closed: make(chan struct{})}
}

// Stop ends the connection; the first call wins. With a code other than 0 a close frame with the
// code and reason is sent (within the closer's wait); the connection is then closed. Stop does
// not wait for either.
func (c *Closer) Stop(code int, reason string) {
	c.once.Do(func() {
		c.code, c.reason = code, reason
		close(c.done)
		go func() {
			defer close(c.closed)
			if code != 0 {
				_ = c.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason),
					time.Now().Add(c.wait))
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
