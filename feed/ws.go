package feed

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/deskwatch/deskwatch/model"
)

// WebSocket defaults, used when WSOptions leaves a field at zero.
const (
	DefaultHandshakeTimeout = 10 * time.Second
	DefaultPingInterval     = 15 * time.Second
	DefaultPongTimeout      = 10 * time.Second
	// wsWriteTimeout bounds writing one control frame (a ping or the closing handshake).
	wsWriteTimeout = 5 * time.Second
	// problemDataMax is how much of an oversized message a rejection keeps for display.
	problemDataMax = 1 << 10
)

// Backoff is the reconnect schedule: the first wait is about Initial, each failed attempt doubles
// it, up to Max. Each wait is jittered between half and all of its nominal length, so that many
// monitors cut off together do not reconnect in step.
type Backoff struct {
	// Initial is the first wait (500ms when zero); Max caps the waits (30s when zero).
	Initial, Max time.Duration
}

// Delay returns the wait before reconnect attempt n (0 for the first retry); r in [0,1) picks the
// jitter.
func (b Backoff) Delay(n int, r float64) time.Duration {
	lo, hi := b.Initial, b.Max
	if lo <= 0 {
		lo = 500 * time.Millisecond
	}
	if hi <= 0 {
		hi = 30 * time.Second
	}
	d := lo
	for i := 0; i < n && d < hi; i++ {
		d *= 2
	}
	d = min(d, hi)
	return d/2 + time.Duration(r*float64(d/2))
}

// WSOptions configures a WebSocket subscription. The zero value works for a plain ws:// server.
type WSOptions struct {
	// Header is sent with the handshake: Authorization, Origin and any --header.
	Header http.Header
	// TLS configures wss:// (a private CA, or skipping verification when asked explicitly).
	TLS *tls.Config
	// MaxMessage is the largest accepted message in bytes (model.DefaultMaxMessage when <= 0).
	// A larger one is rejected with a reason and the rest of it discarded; the connection goes on.
	MaxMessage int
	// Backoff is the reconnect schedule.
	Backoff Backoff
	// HandshakeTimeout bounds connecting, TLS and the HTTP upgrade (DefaultHandshakeTimeout).
	HandshakeTimeout time.Duration
	// PingInterval is how often a ping is sent (DefaultPingInterval); a connection that sends
	// nothing, not even a pong, for PingInterval+PongTimeout is dropped as dead.
	PingInterval, PongTimeout time.Duration
	// Proxy picks the proxy for a request (http.ProxyFromEnvironment when nil).
	Proxy func(*http.Request) (*url.URL, error)
	// DialContext opens the TCP connection (a net.Dialer when nil); tests use it to count dials.
	DialContext func(ctx context.Context, network, addr string) (net.Conn, error)
	// Rand returns numbers in [0,1) for the backoff jitter (math/rand/v2 when nil).
	Rand func() float64
}

// WebSocket is a live source subscribed to a WebSocket stream: one event per text message. It
// reconnects with backoff whenever the connection fails, and numbers connections from 1 and messages
// from 1 within each connection, so that a rejection can say where the message came from.
type WebSocket struct {
	dialURL string // what is dialled: the URL without user info
	name    string // what is shown: the URL with secrets redacted
	header  http.Header
	opts    WSOptions
	dialer  websocket.Dialer

	msgs, bytes atomic.Int64
	mu          sync.Mutex
	state       string
	since       time.Time
	lastErr     string
	retryAt     time.Time
}

// NewWebSocket returns a source subscribing to rawURL (ws:// or wss://). User info in the URL is
// sent as basic authentication, since the WebSocket handshake cannot carry it in the URL; it is
// never shown. Errors in the URL surface from Run.
func NewWebSocket(rawURL string, opts WSOptions) *WebSocket {
	if opts.MaxMessage <= 0 {
		opts.MaxMessage = model.DefaultMaxMessage
	}
	if opts.HandshakeTimeout <= 0 {
		opts.HandshakeTimeout = DefaultHandshakeTimeout
	}
	if opts.PingInterval <= 0 {
		opts.PingInterval = DefaultPingInterval
	}
	if opts.PongTimeout <= 0 {
		opts.PongTimeout = DefaultPongTimeout
	}
	if opts.Proxy == nil {
		opts.Proxy = http.ProxyFromEnvironment
	}
	if opts.Rand == nil {
		opts.Rand = rand.Float64
	}
	w := &WebSocket{dialURL: rawURL, name: RedactURL(rawURL), header: opts.Header.Clone(), opts: opts,
		state: "connecting", since: time.Now()}
	if w.header == nil {
		w.header = http.Header{}
	}
	if u, err := url.Parse(rawURL); err == nil && u.User != nil {
		if w.header.Get("Authorization") == "" {
			pass, _ := u.User.Password()
			req := http.Request{Header: http.Header{}}
			req.SetBasicAuth(u.User.Username(), pass)
			w.header.Set("Authorization", req.Header.Get("Authorization"))
		}
		u.User = nil
		w.dialURL = u.String()
	}
	w.dialer = websocket.Dialer{
		Proxy:            opts.Proxy,
		TLSClientConfig:  opts.TLS,
		HandshakeTimeout: opts.HandshakeTimeout,
		NetDialContext:   opts.DialContext,
		ReadBufferSize:   32 << 10,
		WriteBufferSize:  1 << 10, // only pings and the close frame are written
	}
	return w
}

// Run connects and reads until ctx is cancelled, reconnecting after every failure. It returns
// ctx.Err(), or an error at once when the URL itself is unusable.
func (w *WebSocket) Run(ctx context.Context, emit Emit) error {
	if err := checkWSURL(w.dialURL); err != nil {
		w.setState("lost", err.Error(), time.Time{})
		return err
	}
	var conns int64
	attempt := 0
	for {
		w.setState("connecting", "", time.Time{})
		conn, err := w.dial(ctx)
		if err == nil {
			conns++
			w.setState("connected", "", time.Time{})
			var got bool
			got, err = w.read(ctx, conn, conns, emit)
			if got {
				attempt = 0 // a connection that delivered something was healthy
			}
		}
		if ctx.Err() != nil {
			w.setState("lost", "stopped", time.Time{})
			return ctx.Err()
		}
		wait := w.opts.Backoff.Delay(attempt, w.opts.Rand())
		attempt++
		w.setState("lost", err.Error(), time.Now().Add(wait))
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			w.setState("lost", "stopped", time.Time{})
			return ctx.Err()
		case <-t.C:
		}
	}
}

// dial performs the handshake, turning its failures into errors a user can act on.
func (w *WebSocket) dial(ctx context.Context) (*websocket.Conn, error) {
	conn, resp, err := w.dialer.DialContext(ctx, w.dialURL, w.header)
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	if err != nil {
		return nil, handshakeError(err, resp, w.opts.HandshakeTimeout)
	}
	return conn, nil
}

// read delivers the connection's messages until it fails or ctx ends; got reports whether any
// message arrived. Pings go out from a second goroutine; every frame received, pongs included,
// pushes the read deadline back, so a silent peer is noticed within PingInterval+PongTimeout.
func (w *WebSocket) read(ctx context.Context, conn *websocket.Conn, connN int64, emit Emit) (got bool, err error) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	defer func() {
		close(done)
		conn.Close()
		wg.Wait()
	}()
	// Cancelling says goodbye and closes the connection, which unblocks the read below.
	stop := context.AfterFunc(ctx, func() {
		_ = conn.WriteControl(websocket.CloseMessage,
			websocket.FormatCloseMessage(websocket.CloseGoingAway, "monitor stopped"), time.Now().Add(250*time.Millisecond))
		conn.Close()
	})
	defer stop()

	idle := w.opts.PingInterval + w.opts.PongTimeout
	extend := func() { _ = conn.SetReadDeadline(time.Now().Add(idle)) }
	extend()
	conn.SetPongHandler(func(string) error { extend(); return nil })
	wg.Add(1)
	go func() {
		defer wg.Done()
		w.ping(conn, done)
	}()

	var msgN int64
	for {
		typ, r, err := conn.NextReader()
		if err != nil {
			return got, readError(ctx, err, idle)
		}
		extend()
		msgN++
		got = true
		m, n, err := w.readMessage(typ, r)
		w.msgs.Add(1)
		w.bytes.Add(n)
		if err != nil {
			return got, readError(ctx, err, idle)
		}
		m.Origin = model.Origin{Source: w.name, Conn: connN, Msg: msgN}
		m.Received = time.Now()
		emit(m)
	}
}

// readMessage reads one message up to the size limit. An oversized message or a binary frame is
// read to its end and discarded, and returned with a Problem, so that the connection goes on.
func (w *WebSocket) readMessage(typ int, r io.Reader) (Message, int64, error) {
	limit := int64(w.opts.MaxMessage)
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	n := int64(len(data))
	if err != nil {
		return Message{}, n, err
	}
	if typ == websocket.BinaryMessage || n > limit {
		rest, err := io.Copy(io.Discard, r)
		n += rest
		if err != nil {
			return Message{}, n, err
		}
	}
	switch {
	case typ == websocket.BinaryMessage:
		return Message{Problem: fmt.Sprintf("binary frame (%d bytes); events are text", n)}, n, nil
	case n > limit:
		return Message{Data: data[:min(len(data), problemDataMax):min(len(data), problemDataMax)],
			Problem: fmt.Sprintf("message too large (%d bytes; limit %d, --max-message)", n, limit)}, n, nil
	}
	return Message{Data: data}, n, nil
}

// ping sends a ping every PingInterval until done is closed.
func (w *WebSocket) ping(conn *websocket.Conn, done <-chan struct{}) {
	t := time.NewTicker(w.opts.PingInterval)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
			if err := conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(wsWriteTimeout)); err != nil {
				return // the read side sees the failure too and reconnects
			}
		}
	}
}

// setState records a state change. errText is the reason a connection was lost (kept to show
// while reconnecting); retryAt is when the next attempt starts (zero when none is waiting).
func (w *WebSocket) setState(state, errText string, retryAt time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if state != w.state {
		w.state, w.since = state, time.Now()
	}
	switch state {
	case "connected":
		w.lastErr = ""
	case "lost":
		w.lastErr = errText
	}
	w.retryAt = retryAt
}

// Status reports the connection's state. While waiting to reconnect, Detail counts down to the next
// attempt and gives the reason the last one failed.
func (w *WebSocket) Status() Status {
	w.mu.Lock()
	defer w.mu.Unlock()
	st := Status{Name: w.name, State: w.state, Since: w.since,
		Messages: w.msgs.Load(), Bytes: w.bytes.Load()}
	switch {
	case w.state == "lost" && !w.retryAt.IsZero():
		st.Detail = fmt.Sprintf("retrying in %s: %s", countdown(time.Until(w.retryAt)), w.lastErr)
	case w.state == "connecting" && w.lastErr != "":
		st.Detail = "last attempt: " + w.lastErr
	case w.state == "lost":
		st.Detail = w.lastErr
	}
	return st
}

// countdown rounds a wait for the status line: whole seconds, rounded up, from a second on.
func countdown(d time.Duration) time.Duration {
	if d >= time.Second {
		return (d + time.Second - 1).Truncate(time.Second)
	}
	return max(d, 0).Round(10 * time.Millisecond)
}

// Now returns the wall clock: the stream is live.
func (w *WebSocket) Now() time.Time { return time.Now() }
