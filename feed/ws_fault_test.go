package feed

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/deskwatch/deskwatch/internal/wstest"
)

// Faults on the way: a dropped connection, a refused token, TLS trouble, dead peers; and the keepalive
// and reconnect schedule that meet them.

func TestWebSocketAbruptDropAndUnauthorized(t *testing.T) {
	t.Run("abrupt drop", func(t *testing.T) {
		srv := wstest.Serve(t, false, func(n int64, c *websocket.Conn) {
			if n == 1 {
				c.NetConn().Close() // no close frame
				return
			}
			c.WriteMessage(websocket.TextMessage, []byte(`back`))
			wstest.Drain(c)
		})
		src := NewWebSocket(srv.WS, fast())
		msgs, _ := run(t, src)
		if m := next(t, msgs); string(m.Data) != "back" || m.Origin.Conn != 2 {
			t.Errorf("after drop %q %+v", m.Data, m.Origin)
		}
	})
	for _, tc := range []struct {
		code int
		want string
	}{
		{http.StatusUnauthorized, "unauthorized (HTTP 401 Unauthorized; check --token-file, --token-env or --header): bad token"},
		{http.StatusForbidden, "forbidden (HTTP 403 Forbidden; check the token's rights, --origin): bad token"},
	} {
		t.Run(fmt.Sprint(tc.code, " backs off"), func(t *testing.T) {
			var mu sync.Mutex
			var hits []time.Time
			srv := wstest.ServeHTTP(t, false, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				hits = append(hits, time.Now())
				mu.Unlock()
				http.Error(w, "bad token\nmore", tc.code)
			}))
			var last atomic.Value
			opts := WSOptions{Backoff: Backoff{Initial: 40 * time.Millisecond, Max: 10 * time.Second},
				Rand: func() float64 { return 0.999 }, OnEvent: func(ev ConnEvent) { last.Store(ev.Err) }}
			src := NewWebSocket(srv.WS, opts)
			_, stop := run(t, src)
			st := waitStatus(t, src, "lost", func(s Status) bool { return s.State == "lost" })
			if !strings.HasSuffix(st.Detail, tc.want) {
				t.Errorf("detail %q, want it to end %q", st.Detail, tc.want)
			}
			time.Sleep(600 * time.Millisecond)
			stop()
			if err, _ := last.Load().(error); !Unrecoverable(err) {
				t.Errorf("%v is not unrecoverable", err)
			}
			mu.Lock()
			defer mu.Unlock()
			// Waits of 40, 80, 160, 320ms: at most five attempts fit in 600ms, hammering would make
			// dozens. A loaded machine can only make the gaps longer, so only lower bounds are
			// checked: each gap is at least its backoff, which doubles.
			if len(hits) < 2 || len(hits) > 6 {
				t.Errorf("%d attempts in 600ms, want 2 to 6", len(hits))
			}
			for i := 1; i < len(hits); i++ {
				if want := opts.Backoff.Delay(i-1, 0.999); hits[i].Sub(hits[i-1]) < want {
					t.Errorf("wait %d (%v) shorter than its backoff %v", i, hits[i].Sub(hits[i-1]), want)
				}
			}
		})
	}
}

func TestWebSocketTLS(t *testing.T) {
	srv := wstest.Serve(t, true, func(_ int64, c *websocket.Conn) {
		c.WriteMessage(websocket.TextMessage, []byte(`secure`))
		wstest.Drain(c)
	})
	src := NewWebSocket(srv.WS, fast())
	run(t, src)
	st := waitStatus(t, src, "lost", func(s Status) bool { return s.State == "lost" })
	if !strings.Contains(st.Detail, "unknown authority") || !strings.Contains(st.Detail, "--ca-file") {
		t.Errorf("untrusted certificate detail %q", st.Detail)
	}

	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	opts := fast()
	opts.TLS = &tls.Config{RootCAs: pool}
	msgs, _ := run(t, NewWebSocket(srv.WS, opts))
	if m := next(t, msgs); string(m.Data) != "secure" {
		t.Errorf("over TLS got %q", m.Data)
	}

	plain := wstest.Serve(t, false, func(_ int64, c *websocket.Conn) { wstest.Drain(c) })
	src = NewWebSocket("wss"+strings.TrimPrefix(plain.WS, "ws"), fast())
	run(t, src)
	st = waitStatus(t, src, "lost", func(s Status) bool { return s.State == "lost" })
	if !strings.Contains(st.Detail, "did not answer in TLS") {
		t.Errorf("wss to a plain server: %q", st.Detail)
	}
}

func TestWebSocketDeadPeers(t *testing.T) {
	t.Run("handshake never answered", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				defer c.Close() // accepted, never answered
			}
		}()
		opts := fast()
		opts.HandshakeTimeout = 150 * time.Millisecond
		src := NewWebSocket("ws://"+ln.Addr().String()+"/", opts)
		_, stop := run(t, src)
		st := waitStatus(t, src, "lost", func(s Status) bool { return s.State == "lost" })
		if !strings.Contains(st.Detail, "handshake timed out after 150ms") {
			t.Errorf("detail %q", st.Detail)
		}
		waitStatus(t, src, "connecting again", func(s Status) bool { return s.State == "connecting" })
		if took := stop(); took > 500*time.Millisecond {
			t.Errorf("cancel during a hanging handshake took %v", took)
		}
	})
	t.Run("pings unanswered", func(t *testing.T) {
		srv := wstest.Serve(t, false, func(n int64, c *websocket.Conn) {
			c.WriteMessage(websocket.TextMessage, []byte(`hello`))
			if n == 1 {
				time.Sleep(2 * time.Second) // reads nothing, so pings go unanswered
			}
			wstest.Drain(c)
		})
		opts := fast()
		opts.PingInterval, opts.PongTimeout = 50*time.Millisecond, 100*time.Millisecond
		src := NewWebSocket(srv.WS, opts)
		msgs, _ := run(t, src)
		next(t, msgs)
		start := time.Now()
		if m := next(t, msgs); m.Origin.Conn != 2 {
			t.Errorf("second hello on %+v", m.Origin)
		}
		if took := time.Since(start); took > time.Second {
			t.Errorf("a silent peer took %v to notice", took)
		}
		// The healthy second connection answers pings and stays up well past the idle limit.
		time.Sleep(400 * time.Millisecond)
		if st := src.Status(); st.State != "connected" {
			t.Errorf("healthy connection dropped: %+v", st)
		}
	})
	t.Run("connection refused", func(t *testing.T) {
		ln, _ := net.Listen("tcp", "127.0.0.1:0")
		addr := ln.Addr().String()
		ln.Close()
		src := NewWebSocket("ws://"+addr+"/", fast())
		run(t, src)
		st := waitStatus(t, src, "lost", func(s Status) bool { return s.State == "lost" })
		if !strings.Contains(st.Detail, "connection refused") {
			t.Errorf("detail %q", st.Detail)
		}
	})
}

// Keepalive and reconnect schedule: a quiet but healthy peer is kept, a silent one dropped within the
// bound, and the backoff starts again after a connection that worked.

// TestKeepaliveKeepsAQuietConnection: the server sends nothing at all but answers every ping. For five
// times the idle limit the connection must stay up: only pongs push the read deadline back, so
// without pings, or with a pong handler that does not extend the deadline, it would be dropped.
func TestKeepaliveKeepsAQuietConnection(t *testing.T) {
	t.Parallel()
	srv := wstest.Serve(t, false, func(_ int64, c *websocket.Conn) { wstest.Drain(c) }) // answers pings
	opts := fast()
	// Pings every 100ms, and a second of grace for each pong: a loaded machine can hold a pong up
	// for a few hundred milliseconds, but not for ten pings in a row.
	opts.PingInterval, opts.PongTimeout = 100*time.Millisecond, time.Second
	idle := opts.PingInterval + opts.PongTimeout
	src := NewWebSocket(srv.WS, opts)
	run(t, src)
	waitStatus(t, src, "connected", func(s Status) bool { return s.State == "connected" })
	for end := time.Now().Add(5 * idle); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		if st := src.Status(); st.State != "connected" {
			t.Fatalf("a quiet connection that answers pings was dropped: %+v", st)
		}
	}
	if n := srv.Conns(); n != 1 {
		t.Errorf("%d connections over %v, want 1", n, 5*idle)
	}
}

// TestKeepaliveDropsASilentPeer: the server stops reading, so pings go unanswered while TCP stays up.
// The drop must be noticed after the idle limit (PingInterval+PongTimeout), with a generous margin
// for a loaded machine, and reported as such.
func TestKeepaliveDropsASilentPeer(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	srv := wstest.Serve(t, false, func(n int64, c *websocket.Conn) {
		c.WriteMessage(websocket.TextMessage, []byte(`hello`))
		if n == 1 {
			<-release // neither reads nor answers pings
		}
		wstest.Drain(c)
	})
	opts := fast()
	opts.PingInterval, opts.PongTimeout = 100*time.Millisecond, 300*time.Millisecond
	idle := opts.PingInterval + opts.PongTimeout
	var lost atomic.Value
	opts.OnEvent = func(ev ConnEvent) {
		if ev.Err != nil {
			lost.CompareAndSwap(nil, ev.Err.Error())
		}
	}
	src := NewWebSocket(srv.WS, opts)
	msgs, _ := run(t, src)
	next(t, msgs)
	start := time.Now()
	waitStatus(t, src, "lost", func(s Status) bool { return s.State != "connected" })
	took := time.Since(start)
	if took < idle-50*time.Millisecond || took > idle+2*time.Second {
		t.Errorf("a silent peer was noticed after %v; want about %v", took, idle)
	}
	if reason, _ := lost.Load().(string); !strings.Contains(reason, "no data and no pong for 400ms") {
		t.Errorf("reason %q", reason)
	}
	if m := next(t, msgs); m.Origin.Conn != 2 {
		t.Errorf("after the drop: %+v, want connection 2", m.Origin)
	}
}

// TestBackoffStartsAgainAfterAHealthyConnection follows the waits the source chooses: they grow while
// attempts fail and while connections deliver nothing, and start again from the first after a
// connection that delivered a message.
func TestBackoffStartsAgainAfterAHealthyConnection(t *testing.T) {
	var hits atomic.Int64
	srv := wstest.ServeHTTP(t, false, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch n := hits.Add(1); n {
		case 1, 2, 5:
			http.Error(w, "busy", http.StatusServiceUnavailable)
		case 3, 4:
			c, err := wstest.Upgrade(w, r)
			if err != nil {
				return
			}
			if n == 4 {
				c.WriteMessage(websocket.TextMessage, []byte(`{"type":"ON_LOGOUT","params":[]}`))
			}
			c.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseServiceRestart, ""))
			c.Close()
		default:
			c, err := wstest.Upgrade(w, r)
			if err == nil {
				wstest.Drain(c)
			}
		}
	}))
	defer srv.Close()
	var mu sync.Mutex
	var waits []time.Duration
	opts := WSOptions{Backoff: Backoff{Initial: 20 * time.Millisecond, Max: 10 * time.Second},
		Rand: func() float64 { return 0.5 },
		OnEvent: func(ev ConnEvent) {
			if ev.Err != nil {
				mu.Lock()
				waits = append(waits, ev.Retry)
				mu.Unlock()
			}
		}}
	src := NewWebSocket(srv.WS, opts)
	run(t, src)
	waitStatus(t, src, "the sixth attempt connected", func(s Status) bool {
		return s.State == "connected" && hits.Load() >= 6
	})
	mu.Lock()
	defer mu.Unlock()
	b := opts.Backoff
	// 503, 503, an empty connection, a connection with a message, 503.
	want := []time.Duration{b.Delay(0, 0.5), b.Delay(1, 0.5), b.Delay(2, 0.5), b.Delay(0, 0.5), b.Delay(1, 0.5)}
	if len(waits) != len(want) {
		t.Fatalf("waits %v, want %v", waits, want)
	}
	for i := range want {
		if waits[i] != want[i] {
			t.Errorf("waits %v, want %v", waits, want)
			break
		}
	}
}

// TestRunReportsConnections: OnEvent hears of each connection that opens, numbered, and of each
// failure with its wait.
func TestRunReportsConnections(t *testing.T) {
	srv := wstest.Serve(t, false, func(n int64, c *websocket.Conn) {
		if n == 1 {
			c.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseGoingAway, "bye"))
			return
		}
		wstest.Drain(c)
	})
	events := make(chan ConnEvent, 10)
	opts := fast()
	opts.OnEvent = func(ev ConnEvent) { events <- ev }
	_, stop := run(t, NewWebSocket(srv.WS, opts))
	var got []ConnEvent
	for len(got) < 3 {
		select {
		case ev := <-events:
			got = append(got, ev)
		case <-time.After(5 * time.Second):
			t.Fatalf("events %+v", got)
		}
	}
	stop()
	if !got[0].Connected || got[0].Conn != 1 || got[1].Conn != 1 || got[1].Err == nil ||
		!strings.Contains(got[1].Err.Error(), "1001 going away): bye") || got[1].Retry <= 0 ||
		!got[2].Connected || got[2].Conn != 2 {
		t.Errorf("events %+v", got)
	}
	select {
	case ev := <-events:
		t.Errorf("stopping reported %+v", ev)
	default:
	}
}
