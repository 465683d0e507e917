package feed

import (
	"bytes"
	"context" //nolint:gosec // the WebSocket accept key is defined with SHA-1
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/internal/e2e"
)

// Hostile servers, written on raw sockets: what they send is not what a WebSocket library would.

// rawServer accepts connections on loopback and hands each to fn; its URL is ws://ADDR/.
func rawServer(t *testing.T, fn func(c net.Conn)) string {
	t.Helper()
	return "ws://" + e2e.ServeTCP(t, fn) + "/"
}

// rawTLSServer is rawServer over TLS (wss://ADDR/), with httptest's certificate; conf trusts it.
func rawTLSServer(t *testing.T, fn func(c net.Conn)) (url string, conf *tls.Config) {
	t.Helper()
	h := httptest.NewUnstartedServer(http.NotFoundHandler())
	h.StartTLS()
	h.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	serveRaw(t, tls.NewListener(ln, h.TLS), fn)
	pool := x509.NewCertPool()
	pool.AddCert(h.Certificate())
	return "wss://" + ln.Addr().String() + "/", &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
}

func serveRaw(t *testing.T, ln net.Listener, fn func(c net.Conn)) { e2e.Serve(t, ln, fn) }

// readUpgrade reads the client's upgrade request and returns its Sec-WebSocket-Accept answer.
func readUpgrade(c net.Conn) (string, bool) {
	_, accept, ok := e2e.ReadUpgrade(c)
	return accept, ok
}

// oneAttempt sets opts to report each connection error on the returned channel and to wait an hour
// before trying again.
func oneAttempt(opts *WSOptions) <-chan error {
	errs := make(chan error, 10)
	opts.OnEvent = func(ev ConnEvent) {
		if ev.Err != nil {
			errs <- ev.Err
		}
	}
	opts.Backoff = Backoff{Initial: time.Hour, Max: time.Hour}
	return errs
}

// dialOnce runs src until its first failed attempt and returns that attempt's error.
func dialOnce(t *testing.T, src func(opts WSOptions) *WebSocket, opts WSOptions) error {
	t.Helper()
	errs := oneAttempt(&opts)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = src(opts).Run(ctx, func(Message) {})
	}()
	defer func() { cancel(); <-done }()
	return e2e.Recv(t, errs, 30*time.Second, "failed attempt")
}

// TestHandshakeEndlessHeaderLineIsCapped: a server answering 101 (or a proxy answering CONNECT)
// with a header line that never ends costs the client HandshakeHeaderMax bytes, not its memory, and
// is reported as such.
func TestHandshakeEndlessHeaderLineIsCapped(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, answer, want string }{
		{"server", "HTTP/1.1 101 Switching Protocols", "the server's answer to the upgrade has response headers over 64 KiB"},
		{"wss server", "HTTP/1.1 101 Switching Protocols", "the server's answer to the upgrade has response headers over 64 KiB"},
		{"proxy", "HTTP/1.1 200 Connection established", "its answer to CONNECT has headers over 64 KiB"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var wrote atomic.Int64
			closed := make(chan struct{})
			serve := func(c net.Conn) {
				defer close(closed)
				if _, ok := readUpgrade(c); !ok {
					return
				}
				_, _ = c.Write([]byte(tc.answer + "\r\nX-Endless: "))
				chunk := []byte(strings.Repeat("a", 32<<10))
				for {
					_ = c.SetWriteDeadline(time.Now().Add(20 * time.Second))
					n, err := c.Write(chunk)
					wrote.Add(int64(n))
					if err != nil {
						return // the client closed, or stopped reading for 20s
					}
				}
			}
			opts := WSOptions{HandshakeTimeout: 20 * time.Second}
			var addr string
			if tc.name == "wss server" {
				addr, opts.TLS = rawTLSServer(t, serve)
			} else {
				addr = rawServer(t, serve)
			}
			target := addr
			if tc.name == "proxy" {
				proxy, _ := url.Parse("http://" + strings.TrimSuffix(strings.TrimPrefix(addr, "ws://"), "/"))
				opts.Proxy = http.ProxyURL(proxy)
				target = "ws://stream.invalid/"
			}
			err := dialOnce(t, func(o WSOptions) *WebSocket { return NewWebSocket(target, o) }, opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
			<-closed
			// What the client read is capped at 64 KiB; the rest is what the kernel's socket buffers
			// held when it closed (a few MB on loopback at most). Unbounded, it reads ~100 MB a second.
			if n := wrote.Load(); n > 32<<20 {
				t.Errorf("the server wrote %d bytes before the client closed; want the client to stop near 64 KiB", n)
			}
		})
	}
}

// TestHandshakeSlowDripIsATimeout: a server dripping its answer a byte at a time, slower than the
// handshake timeout allows, is reported as a timeout, not as a malformed answer.
func TestHandshakeSlowDripIsATimeout(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, answer string }{
		// Cut where a line read so far is not yet well formed, as the HTTP parser then says.
		{"in the status line", "HTTP/1"},
		{"in the headers", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnec"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			url := rawServer(t, func(c net.Conn) {
				if _, ok := readUpgrade(c); !ok {
					return
				}
				// The answer's beginning at once, then one byte every 300ms: never done in 1s.
				if _, err := c.Write([]byte(tc.answer)); err != nil {
					return
				}
				for {
					time.Sleep(300 * time.Millisecond)
					if _, err := c.Write([]byte{'a'}); err != nil {
						return
					}
				}
			})
			err := dialOnce(t, func(o WSOptions) *WebSocket { return NewWebSocket(url, o) },
				WSOptions{HandshakeTimeout: time.Second})
			if err == nil || !strings.Contains(err.Error(), "handshake timed out after 1s") {
				t.Errorf("error %v, want a handshake timeout", err)
			}
		})
	}
}

// wsFrame is a server's (unmasked) WebSocket frame.
func wsFrame(fin bool, op byte, payload []byte) []byte {
	b0 := op
	if fin {
		b0 |= 0x80
	}
	var f []byte
	switch n := len(payload); {
	case n < 126:
		f = []byte{b0, byte(n)}
	case n < 1<<16:
		f = []byte{b0, 126, byte(n >> 8), byte(n)}
	default:
		f = []byte{b0, 127, 0, 0, 0, 0, byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}
	}
	return append(f, payload...)
}

// endlessMessageServer upgrades each connection, then sends one text message that never ends: a
// first fragment and continuation fragments of size bytes forever, every pause, each followed by an
// unsolicited pong (which pushes a client's read deadline back). What the client sends is read
// and dropped.
func endlessMessageServer(t *testing.T, size int, pause time.Duration) string {
	return rawServer(t, func(c net.Conn) {
		accept, ok := readUpgrade(c)
		if !ok {
			return
		}
		go func() { _, _ = io.Copy(io.Discard, c) }()
		_, err := c.Write([]byte("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n" +
			"Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept + "\r\n\r\n"))
		chunk := bytes.Repeat([]byte("x"), size)
		for op := byte(1); err == nil; op = 0 { // text, then continuation frames
			_ = c.SetWriteDeadline(time.Now().Add(20 * time.Second))
			_, err = c.Write(append(wsFrame(false, op, chunk), wsFrame(true, 0xA, nil)...))
			time.Sleep(pause)
		}
	})
}

// runUntilRejected runs src until it emits a message, and returns it with the first connection
// error reported.
func runUntilRejected(t *testing.T, url string, opts WSOptions) (Message, error, Status) {
	t.Helper()
	errs := oneAttempt(&opts)
	src := NewWebSocket(url, opts)
	msgs, _ := run(t, src)
	select {
	case m := <-msgs:
		select {
		case err := <-errs:
			return m, err, src.Status()
		case <-time.After(20 * time.Second):
			t.Fatal("no connection error within 20s after the rejection")
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("no message within 30s; status %+v", src.Status())
	}
	return Message{}, nil, Status{}
}

// TestEndlessSlowMessageTimesOutWhateverThePongs: a message dripped in fragments forever, with
// pongs keeping the connection alive, is rejected after --message-timeout and its connection
// dropped; the status counts it.
func TestEndlessSlowMessageTimesOutWhateverThePongs(t *testing.T) {
	t.Parallel()
	url := endlessMessageServer(t, 100, 20*time.Millisecond)
	// The pongs push the idle deadline (1.5s) back again and again; the message's own (3s) holds.
	m, err, st := runUntilRejected(t, url, WSOptions{MessageTimeout: 3 * time.Second,
		PingInterval: 500 * time.Millisecond, PongTimeout: time.Second})
	if !strings.HasPrefix(m.Problem, "message still arriving after 3s (") ||
		!strings.HasSuffix(m.Problem, "bytes so far; --message-timeout); abandoned") {
		t.Errorf("problem %q, want a message timeout", m.Problem)
	}
	if m.Origin.Conn != 1 || m.Origin.Msg != 1 || m.Size <= 0 || len(m.Data) > OversizePrefix ||
		m.Size < int64(len(m.Data)) {
		t.Errorf("origin %v, %d bytes kept of %d; want conn 1 msg 1, at most %d kept", m.Origin, len(m.Data),
			m.Size, OversizePrefix)
	}
	if err == nil || err.Error() != "message 1 was still arriving after 3s (--message-timeout); dropped the connection" {
		t.Errorf("connection error %v", err)
	}
	if st.Messages < 1 || st.Bytes < m.Size {
		t.Errorf("status %+v: want the message and its bytes counted", st)
	}
}

// TestEndlessFastMessageEndsAtTheDiscardCap: a message streamed as fast as the server can is read
// and discarded only up to 16 MiB (16 times --max-message, at least 16 MiB), then rejected and its
// connection dropped, long before the message timeout.
func TestEndlessFastMessageEndsAtTheDiscardCap(t *testing.T) {
	t.Parallel()
	url := endlessMessageServer(t, 32<<10, 0)
	m, err, _ := runUntilRejected(t, url, WSOptions{MaxMessage: 1000, MessageTimeout: 5 * time.Minute})
	if !strings.HasPrefix(m.Problem, "message too large (over 16") ||
		!strings.HasSuffix(m.Problem, "bytes; limit 1000, --max-message); abandoned") {
		t.Errorf("problem %q, want too large and abandoned", m.Problem)
	}
	if m.Size <= oversizeReadMin || m.Size > oversizeReadMin+1 || len(m.Data) != OversizePrefix {
		t.Errorf("%d bytes kept of %d; want %d kept of just over %d", len(m.Data), m.Size, OversizePrefix, oversizeReadMin)
	}
	if err == nil || !strings.Contains(err.Error(), "message 1 went on past 16 MiB") {
		t.Errorf("connection error %v", err)
	}
}

// TestStopInAnOversizedMessageRejectsIt: a monitor stopped while it discards a message already over
// the limit rejects it, so that a --print cut short by --for still counts it.
func TestStopInAnOversizedMessageRejectsIt(t *testing.T) {
	t.Parallel()
	url := endlessMessageServer(t, 100, 20*time.Millisecond)
	src := NewWebSocket(url, WSOptions{MaxMessage: 50})
	msgs, stop := run(t, src)
	waitStatus(t, src, "200 bytes in", func(s Status) bool { return s.Bytes >= 200 })
	stop()
	select {
	case m := <-msgs:
		if !strings.HasPrefix(m.Problem, "message too large (") ||
			!strings.HasSuffix(m.Problem, " bytes and more before the connection ended; limit 50, --max-message)") ||
			m.Origin.Msg != 1 || max(int64(len(m.Data)), m.Size) < 200 || len(m.Data) > OversizePrefix {
			t.Errorf("rejected %q, %d bytes kept of %d, origin %v", m.Problem, len(m.Data), m.Size, m.Origin)
		}
	default:
		t.Error("the message being discarded when the monitor stopped was not rejected")
	}
}

// TestAbandonedMessageKeepsTheBackoff: a server that starts an endless message on every connection
// does not make the monitor reconnect at once each time: a connection whose only message was
// abandoned delivered nothing, so the waits between attempts keep doubling.
func TestAbandonedMessageKeepsTheBackoff(t *testing.T) {
	t.Parallel()
	url := endlessMessageServer(t, 100, 20*time.Millisecond)
	retries := make(chan time.Duration, 10)
	opts := WSOptions{MessageTimeout: 150 * time.Millisecond, Backoff: Backoff{Initial: 20 * time.Millisecond, Max: time.Minute},
		Rand: func() float64 { return 0.999 }, OnEvent: func(ev ConnEvent) {
			if ev.Err != nil {
				select {
				case retries <- ev.Retry:
				default:
				}
			}
		}}
	src := NewWebSocket(url, opts)
	run(t, src)
	for i := range 3 {
		select {
		case got := <-retries:
			if want := opts.Backoff.Delay(i, 0.999); got != want {
				t.Errorf("wait %d after an abandoned message: %v, want %v (the backoff goes on)", i, got, want)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("only %d reconnects in 30s", i)
		}
	}
}
