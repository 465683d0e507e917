package feed

import (
	"context"
	"crypto/tls"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/deskwatch/deskwatch/internal/positive"
	"github.com/deskwatch/deskwatch/model"
)

// WebSocket defaults, used when WSOptions leaves a field at zero.
const (
	DefaultHandshakeTimeout = 10 * time.Second
	DefaultPingInterval     = 15 * time.Second
	DefaultPongTimeout      = 10 * time.Second
	// wsWriteTimeout bounds writing one control frame (a ping or the closing handshake).
	wsWriteTimeout = 5 * time.Second
	// DefaultMessageTimeout bounds how long one message may take to arrive, whatever pongs come
	// meanwhile; a message still arriving then is rejected and the connection dropped.
	DefaultMessageTimeout = 30 * time.Second
	// OversizePrefix is how much of a rejected oversized message is kept, for the rejected log and a
	// recording; the rest is counted and discarded.
	OversizePrefix = 4 << 10
	// oversizeReadMin is the least of an oversized message read and discarded before the connection
	// is given up on (see oversizeReadMax).
	oversizeReadMin = 16 << 20
)

// oversizeReadMax is how much of an oversized message is read and discarded, so that the connection
// can go on, when the size limit is limit: 16 times the limit, at least 16 MiB. A message that goes on
// past that is rejected and its connection dropped: an endless message must end.
func oversizeReadMax(limit int) int64 { return max(oversizeReadMin, 16*int64(limit)) }

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
	// A larger one is rejected with a reason; the connection goes on.
	MaxMessage int
	// KeepOversize is how much of a rejected oversized message is kept in Message.Data, the rest
	// being read and discarded, up to oversizeReadMax (OversizePrefix when <= 0).
	KeepOversize int
	// MessageTimeout bounds the time one message may take to arrive, pongs or not
	// (DefaultMessageTimeout); one still arriving then is rejected and the connection dropped.
	MessageTimeout time.Duration
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
	// OnEvent, when set, is told from Run's goroutine about every connection that opens and every
	// attempt or connection that fails (batch mode reports them on standard error).
	OnEvent func(ConnEvent)
}

// ConnEvent is a change in a WebSocket subscription's connection.
type ConnEvent struct {
	// Conn is the connection's number (from 1) when one opened or ended; 0 when an attempt failed
	// before a connection opened.
	Conn int64
	// Connected is true when connection Conn has just opened.
	Connected bool
	// Err says why an attempt failed or a connection ended (nil when Connected).
	Err error
	// Retry is the wait before the next attempt (when Err is set).
	Retry time.Duration
	// URL is the hub the attempt or connection was with (secrets redacted); Next, when Err is set
	// and the source has several, the one the next attempt goes to.
	URL, Next string
}

// WebSocket is a live source subscribed to a WebSocket stream: one event per text message. It
// reconnects with backoff whenever the connection fails, and numbers connections from 1 and messages
// from 1 within each connection, so that a rejection can say where the message came from.
type WebSocket struct {
	targets []wsTarget // the hubs, tried in turn
	cur     int        // the index in targets of the one connected to or tried next
	dialURL string     // targets[cur]'s, set by Run's goroutine (under mu, for Status)
	name    string
	header  http.Header
	opts    WSOptions
	dialer  websocket.Dialer

	msgs, bytes atomic.Int64
	mu          sync.Mutex
	state       State
	since       time.Time
	downSince   time.Time // see Status.DownSince
	lastErr     string
	retryAt     time.Time
	retry       chan struct{} // RetryNow's word to the wait between attempts
}

// NewWebSocket returns a source subscribing to rawURL (ws:// or wss://), or to the first of several
// separated by commas (SplitStreamURLs): after a failed attempt or a lost connection, once the
// backoff has passed, it tries the next one in turn. User info in a URL is sent as basic
// authentication, since the WebSocket handshake cannot carry it in the URL; it is never shown.
// Errors in the URLs surface from Run.
func NewWebSocket(rawURL string, opts WSOptions) *WebSocket {
	opts.MaxMessage = positive.Or(opts.MaxMessage, model.DefaultMaxMessage)
	opts.KeepOversize = positive.Or(opts.KeepOversize, OversizePrefix)
	opts.MessageTimeout = positive.Or(opts.MessageTimeout, DefaultMessageTimeout)
	opts.HandshakeTimeout = positive.Or(opts.HandshakeTimeout, DefaultHandshakeTimeout)
	opts.PingInterval = positive.Or(opts.PingInterval, DefaultPingInterval)
	opts.PongTimeout = positive.Or(opts.PongTimeout, DefaultPongTimeout)
	if opts.Proxy == nil {
		opts.Proxy = http.ProxyFromEnvironment
	}
	if opts.Rand == nil {
		opts.Rand = rand.Float64
	}
	if opts.DialContext == nil {
		opts.DialContext = (&net.Dialer{}).DialContext
	}
	w := &WebSocket{opts: opts, state: StateConnecting, since: time.Now(), retry: make(chan struct{}, 1)}
	for _, raw := range SplitStreamURLs(rawURL) {
		w.targets = append(w.targets, newTarget(raw, opts.Header))
	}
	w.setTarget(0)
	w.dialer = websocket.Dialer{
		TLSClientConfig:  opts.TLS,
		HandshakeTimeout: opts.HandshakeTimeout,
		ReadBufferSize:   32 << 10,
		WriteBufferSize:  1 << 10, // only pings and the close frame are written
	}
	return w
}

// Run connects and reads until ctx is cancelled, reconnecting after every failure, to the next hub
// when there are several. It returns ctx.Err(), or an error at once when a URL itself is unusable.
func (w *WebSocket) Run(ctx context.Context, emit Emit) error {
	for _, t := range w.targets {
		if err := checkWSURL(t.dialURL); err != nil {
			w.setState(StateLost, err.Error(), time.Time{})
			return err
		}
	}
	var conns int64
	attempt := 0
	for {
		w.setState(StateConnecting, "", time.Time{})
		conn, err := w.dial(ctx)
		connN := int64(0)
		if err == nil {
			conns++
			connN = conns
			w.setState(StateConnected, "", time.Time{})
			w.report(ConnEvent{Conn: connN, Connected: true, URL: w.name})
			var got bool
			got, err = w.read(ctx, conn, connN, emit)
			if got {
				attempt = 0 // a connection that delivered something was healthy
			}
		}
		if ctx.Err() != nil {
			w.setState(StateLost, "stopped", time.Time{})
			return ctx.Err()
		}
		select {
		case <-w.retry: // a press from before this wait (the last one ended as it came)
		default:
		}
		wait := w.opts.Backoff.Delay(attempt, w.opts.Rand())
		attempt++
		w.setState(StateLost, err.Error(), time.Now().Add(wait))
		ev := ConnEvent{Conn: connN, Err: err, Retry: wait, URL: w.name}
		if len(w.targets) > 1 {
			w.setTarget((w.cur + 1) % len(w.targets))
			ev.Next = w.name
		}
		w.report(ev)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			w.setState(StateLost, "stopped", time.Time{})
			return ctx.Err()
		case <-t.C:
		case <-w.retry:
			t.Stop()
		}
	}
}

// RetryNow ends the wait before the next attempt to connect (a viewer's key), reporting whether
// one was waiting. The backoff goes on growing: a server still down is not asked faster than once
// a key press.
func (w *WebSocket) RetryNow() bool {
	w.mu.Lock()
	waiting := !w.retryAt.IsZero()
	w.mu.Unlock()
	if waiting {
		select {
		case w.retry <- struct{}{}:
		default:
		}
	}
	return waiting
}

func (w *WebSocket) report(ev ConnEvent) {
	if w.opts.OnEvent != nil {
		w.opts.OnEvent(ev)
	}
}

// setState records a state change. errText is the reason a connection was lost (kept to show
// while reconnecting); retryAt is when the next attempt starts (zero when none is waiting).
func (w *WebSocket) setState(state State, errText string, retryAt time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if state != w.state {
		w.state, w.since = state, time.Now()
	}
	switch state {
	case StateConnected:
		w.lastErr, w.downSince = "", time.Time{}
	case StateLost:
		w.lastErr = errText
		if w.downSince.IsZero() {
			w.downSince = w.since
		}
	}
	w.retryAt = retryAt
}

// Status reports the connection's state. While waiting to reconnect, Detail counts down to the next
// attempt and gives the reason the last one failed.
func (w *WebSocket) Status() Status {
	w.mu.Lock()
	defer w.mu.Unlock()
	st := Status{Name: w.name, State: w.state, Since: w.since, DownSince: w.downSince,
		Messages: w.msgs.Load(), Bytes: w.bytes.Load()}
	if len(w.targets) > 1 {
		st.Name += fmt.Sprintf(" (hub %d of %d)", w.cur+1, len(w.targets))
	}
	switch {
	case w.state == StateLost && !w.retryAt.IsZero():
		st.Detail = fmt.Sprintf("retrying in %s: %s", countdown(time.Until(w.retryAt)), w.lastErr)
	case w.state == StateConnecting && w.lastErr != "":
		st.Detail = "last attempt: " + w.lastErr
	case w.state == StateLost:
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
