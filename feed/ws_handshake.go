package feed

import (
	"errors"
	"net"
	"sync/atomic"
)

// Handshake bounds: what a server may send before the connection is a WebSocket.
const (
	// HandshakeHeaderMax is the most the server's answer to the upgrade (status line and headers) may
	// take, in bytes; a longer one fails the attempt.
	HandshakeHeaderMax = 64 << 10
	// handshakeTLSMax bounds the bytes a wss:// server sends in its TLS handshake (certificates).
	handshakeTLSMax = 1 << 20
)

// errHandshakeOverCap is what a capped handshake connection returns once its allowance is read.
var errHandshakeOverCap = errors.New("handshake answer too large")

// handshakeConn caps the bytes read from a connection during the handshake, so that a server
// answering with an endless header line costs HandshakeHeaderMax bytes and not the monitor's memory,
// and notes a read deadline passing, so that an answer cut short by the handshake timeout (a server
// dripping it a byte at a time) is reported as the timeout it is, not as the malformed answer the
// HTTP parser then sees. lift removes the cap once the connection is a WebSocket; from then on a
// read costs an atomic load.
type handshakeConn struct {
	net.Conn
	left     atomic.Int64 // bytes that may still be read
	inTLS    atomic.Bool  // the allowance is the TLS handshake's, not yet the HTTP answer's
	lifted   atomic.Bool
	over     atomic.Bool // a read found the allowance spent
	timedOut atomic.Bool // a read failed on the deadline
}

// newHandshakeConn caps c; tls says the TLS handshake comes first (its own allowance, then
// startHTTP gives the HTTP answer its own).
func newHandshakeConn(c net.Conn, tls bool) *handshakeConn {
	hc := &handshakeConn{Conn: c}
	hc.inTLS.Store(tls)
	if tls {
		hc.left.Store(handshakeTLSMax)
	} else {
		hc.left.Store(HandshakeHeaderMax)
	}
	return hc
}

// startHTTP gives the HTTP answer, which follows the TLS handshake, its allowance.
func (c *handshakeConn) startHTTP() {
	c.inTLS.Store(false)
	c.left.Store(HandshakeHeaderMax)
}

// lift removes the cap: the connection is a WebSocket now, whose messages are bounded by the reader.
func (c *handshakeConn) lift() { c.lifted.Store(true) }

// Read reads within what is left of the allowance; once it is spent, it fails.
func (c *handshakeConn) Read(p []byte) (int, error) {
	if c.lifted.Load() {
		return c.Conn.Read(p)
	}
	left := c.left.Load()
	if left <= 0 {
		c.over.Store(true)
		return 0, errHandshakeOverCap
	}
	if int64(len(p)) > left {
		p = p[:left]
	}
	n, err := c.Conn.Read(p)
	c.left.Add(-int64(n))
	var ne net.Error
	if err != nil && errors.As(err, &ne) && ne.Timeout() {
		c.timedOut.Store(true)
	}
	return n, err
}
