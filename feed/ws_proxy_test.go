package feed

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/deskwatch/deskwatch/internal/e2e"
	"github.com/deskwatch/deskwatch/internal/wstest"
)

// connectProxy is a small HTTP CONNECT proxy on loopback. Whatever host a client asks for, it tunnels
// to target, so tests can use names nobody resolves. With auth set it wants that Proxy-Authorization.
type connectProxy struct {
	ln     net.Listener
	target string
	auth   string

	mu       sync.Mutex
	connects []string // the hosts asked for
	tunnels  atomic.Int64
}

func newConnectProxy(t *testing.T, target, auth string) *connectProxy {
	t.Helper()
	p := &connectProxy{ln: e2e.Listen(t), target: target, auth: auth}
	e2e.Serve(t, p.ln, p.serve)
	return p
}

func (p *connectProxy) url(userinfo string) *url.URL {
	u := &url.URL{Scheme: "http", Host: p.ln.Addr().String()}
	if user, pass, ok := strings.Cut(userinfo, ":"); ok {
		u.User = url.UserPassword(user, pass)
	}
	return u
}

func (p *connectProxy) serve(c net.Conn) {
	defer c.Close()
	req, err := http.ReadRequest(bufio.NewReader(c))
	if err != nil || req.Method != http.MethodConnect {
		io.WriteString(c, "HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
		return
	}
	p.mu.Lock()
	p.connects = append(p.connects, req.Host)
	p.mu.Unlock()
	if p.auth != "" && req.Header.Get("Proxy-Authorization") != p.auth {
		io.WriteString(c, "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic\r\n"+
			"Content-Length: 0\r\n\r\n")
		return
	}
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		io.WriteString(c, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
		return
	}
	defer up.Close()
	p.tunnels.Add(1)
	io.WriteString(c, "HTTP/1.1 200 Connection established\r\n\r\n")
	done := make(chan struct{}, 2)
	go func() { io.Copy(up, c); done <- struct{}{} }()
	go func() { io.Copy(c, up); done <- struct{}{} }()
	<-done
}

func (p *connectProxy) asked() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.connects...)
}

func TestWebSocketThroughProxy(t *testing.T) {
	srv := wstest.Serve(t, false, func(_ int64, c *websocket.Conn) {
		c.WriteMessage(websocket.TextMessage, []byte(`{"via":"proxy"}`))
		wstest.Drain(c)
	})
	target := strings.TrimPrefix(srv.WS, "ws://")
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte("ann:s3cret"))

	t.Run("tunnel with credentials", func(t *testing.T) {
		p := newConnectProxy(t, target, auth)
		opts := fast()
		opts.Proxy = http.ProxyURL(p.url("ann:s3cret"))
		msgs, _ := run(t, NewWebSocket("ws://desk.invalid/stream", opts)) // only the proxy resolves it
		if m := next(t, msgs); string(m.Data) != `{"via":"proxy"}` {
			t.Errorf("through the proxy: %q", m.Data)
		}
		if got := p.asked(); len(got) != 1 || got[0] != "desk.invalid:80" {
			t.Errorf("the proxy was asked for %v, want desk.invalid:80", got)
		}
	})
	t.Run("407 is the proxy's", func(t *testing.T) {
		p := newConnectProxy(t, target, auth)
		var last atomic.Value
		opts := fast()
		opts.Proxy = http.ProxyURL(p.url(""))
		opts.OnEvent = func(ev ConnEvent) { last.Store(ev) }
		src := NewWebSocket("ws://desk.invalid/stream", opts)
		run(t, src)
		st := waitStatus(t, src, "lost", func(s Status) bool { return s.State == "lost" })
		want := "proxy http://" + p.ln.Addr().String() + " refused the tunnel: HTTP 407 Proxy Authentication Required"
		if !strings.Contains(st.Detail, want) || !strings.Contains(st.Detail, "USER:PASSWORD") {
			t.Errorf("detail %q, want %q and a hint", st.Detail, want)
		}
		ev, _ := last.Load().(ConnEvent)
		var pe *ProxyError
		if !errors.As(ev.Err, &pe) || pe.StatusCode != 407 || !Unrecoverable(ev.Err) {
			t.Errorf("error %#v: want an unrecoverable *ProxyError with 407", ev.Err)
		}
		if p.tunnels.Load() != 0 {
			t.Error("a tunnel opened without credentials")
		}
	})
	t.Run("proxy not running", func(t *testing.T) {
		ln, _ := net.Listen("tcp", "127.0.0.1:0")
		addr := ln.Addr().String()
		ln.Close()
		opts := fast()
		opts.Proxy = http.ProxyURL(&url.URL{Scheme: "http", Host: addr, User: url.UserPassword("ann", "pw")})
		src := NewWebSocket("ws://desk.invalid/stream", opts)
		run(t, src)
		st := waitStatus(t, src, "lost", func(s Status) bool { return s.State == "lost" })
		if !strings.Contains(st.Detail, "proxy http://ann@"+addr+": connection refused (is the proxy running?") ||
			strings.Contains(st.Detail, "pw") {
			t.Errorf("detail %q", st.Detail)
		}
	})
}

// TestWebSocketWSSThroughProxy: TLS to the server goes inside the proxy's tunnel.
func TestWebSocketWSSThroughProxy(t *testing.T) {
	tsrv := wstest.Serve(t, true, func(_ int64, c *websocket.Conn) {
		c.WriteMessage(websocket.TextMessage, []byte(`{"via":"tls"}`))
		wstest.Drain(c)
	})
	p := newConnectProxy(t, strings.TrimPrefix(tsrv.WS, "wss://"), "")
	pool := x509.NewCertPool()
	pool.AddCert(tsrv.Certificate())
	opts := fast()
	opts.TLS = &tls.Config{RootCAs: pool}
	opts.Proxy = http.ProxyURL(p.url(""))
	// The test certificate names example.com; only the proxy knows where that is.
	msgs, _ := run(t, NewWebSocket("wss://example.com/stream", opts))
	if m := next(t, msgs); string(m.Data) != `{"via":"tls"}` {
		t.Errorf("over TLS through the proxy: %q", m.Data)
	}
	if got := p.asked(); len(got) != 1 || got[0] != "example.com:443" {
		t.Errorf("the proxy was asked for %v", got)
	}
}

func TestUnrecoverable(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{&RefusedError{StatusCode: 401}, true},
		{&RefusedError{StatusCode: 404}, true},
		{&RefusedError{StatusCode: 429}, false},
		{&RefusedError{StatusCode: 503}, false},
		{&ProxyError{StatusCode: 407}, true},
		{&ProxyError{StatusCode: 502}, false},
		{&ProxyError{Err: errors.New("connection refused")}, false},
		{errors.Join(errors.New("TLS"), x509.UnknownAuthorityError{}), true},
		{errors.New("the connection dropped without a close frame"), false},
		{nil, false},
	} {
		if got := Unrecoverable(tc.err); got != tc.want {
			t.Errorf("Unrecoverable(%v) = %v", tc.err, got)
		}
	}
}
