package feed

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/gorilla/websocket"

	"github.com/deskwatch/deskwatch/model"
)

// dialFunc opens a TCP connection.
type dialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// dial performs the handshake, turning its failures into errors a user can act on. An http:// or
// https:// proxy (WSOptions.Proxy: by default HTTP_PROXY, HTTPS_PROXY and NO_PROXY) is tunnelled
// through with CONNECT here rather than by the WebSocket library, so that a proxy's refusal is
// reported as the proxy's; other proxy schemes (socks5) are left to the library.
func (w *WebSocket) dial(ctx context.Context) (*websocket.Conn, error) {
	proxy, err := w.proxyFor()
	if err != nil {
		return nil, &ProxyError{Proxy: "(from the environment)", Err: err}
	}
	d := w.dialer
	dial := w.opts.DialContext
	switch {
	case proxy == nil:
	case proxy.Scheme == "http" || proxy.Scheme == "https":
		dial = func(ctx context.Context, _, addr string) (net.Conn, error) {
			return connectVia(ctx, w.opts.DialContext, proxy, addr)
		}
	default:
		d.Proxy = http.ProxyURL(proxy)
	}
	// What the server sends during the handshake is bounded in bytes here, and in time by the
	// deadline the library sets on the connection for the whole handshake (HandshakeTimeout).
	var hc *handshakeConn
	d.NetDialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		hc = newHandshakeConn(c, strings.EqualFold(w.scheme(), "wss"))
		return hc, nil
	}
	// The TLS handshake's bytes do not count against the HTTP answer's.
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{TLSHandshakeDone: func(tls.ConnectionState, error) {
		if hc != nil {
			hc.startHTTP()
		}
	}})
	conn, resp, err := d.DialContext(ctx, w.dialURL, w.header)
	if err != nil {
		err = handshakeError(err, resp, w.opts.HandshakeTimeout, hc)
	} else if hc != nil {
		hc.lift()
	}
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	if err != nil {
		return nil, err
	}
	return conn, nil
}

// scheme is the stream URL's scheme ("ws" or "wss").
func (w *WebSocket) scheme() string {
	u, err := url.Parse(w.dialURL)
	if err != nil {
		return ""
	}
	return u.Scheme
}

// proxyFor asks WSOptions.Proxy which proxy, if any, serves the stream's URL, as an HTTP client
// would for the same host: ws:// as http://, wss:// as https://.
func (w *WebSocket) proxyFor() (*url.URL, error) {
	u, err := url.Parse(w.dialURL)
	if err != nil {
		return nil, err
	}
	hu := *u
	hu.Scheme = "http"
	if u.Scheme == "wss" {
		hu.Scheme = "https"
	}
	return w.opts.Proxy(&http.Request{Method: http.MethodGet, URL: &hu, Host: hu.Host, Header: http.Header{}})
}

// ProxyError is a failure to open a tunnel through a proxy to the stream's server.
type ProxyError struct {
	// Proxy is the proxy's URL without its password.
	Proxy string
	// StatusCode is the proxy's answer to CONNECT; 0 when it gave none.
	StatusCode int
	// Err is what went wrong.
	Err error
}

// Error says which proxy refused or failed, and how.
func (e *ProxyError) Error() string {
	switch e.StatusCode {
	case 0:
		return fmt.Sprintf("proxy %s: %v", e.Proxy, e.Err)
	case http.StatusProxyAuthRequired:
		return fmt.Sprintf("proxy %s refused the tunnel: %v (give the proxy's user and password in "+
			"the proxy URL, http://USER:PASSWORD@HOST:PORT)", e.Proxy, e.Err)
	}
	return fmt.Sprintf("proxy %s refused the tunnel: %v", e.Proxy, e.Err)
}

// Unwrap returns the underlying error.
func (e *ProxyError) Unwrap() error { return e.Err }

// connectVia opens a tunnel to addr through an HTTP proxy with CONNECT, sending the proxy URL's user
// info as Proxy-Authorization. It honours ctx's deadline (the handshake timeout) and cancellation.
func connectVia(ctx context.Context, dial dialFunc, proxy *url.URL, addr string) (net.Conn, error) {
	name := RedactURL(proxy.String())
	fail := func(code int, err error) (net.Conn, error) {
		return nil, &ProxyError{Proxy: name, StatusCode: code, Err: err}
	}
	hostPort := proxy.Host
	if proxy.Port() == "" {
		hostPort = net.JoinHostPort(proxy.Hostname(), map[string]string{"http": "80", "https": "443"}[proxy.Scheme])
	}
	conn, err := dial(ctx, "tcp", hostPort)
	if err != nil {
		return fail(0, err)
	}
	if proxy.Scheme == "https" {
		conn = tls.Client(conn, &tls.Config{ServerName: proxy.Hostname(), MinVersion: tls.VersionTLS12})
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) }) // unblock at once
	defer stop()
	req := &http.Request{Method: http.MethodConnect, URL: &url.URL{Opaque: addr}, Host: addr,
		Header: http.Header{}}
	if u := proxy.User; u != nil {
		pass, _ := u.Password()
		req.Header.Set("Proxy-Authorization",
			"Basic "+base64.StdEncoding.EncodeToString([]byte(u.Username()+":"+pass)))
	}
	if err := req.Write(conn); err != nil {
		conn.Close()
		return fail(0, err)
	}
	capped := newHandshakeConn(conn, false) // the proxy's answer is bounded as the server's is
	br := bufio.NewReader(capped)
	resp, err := http.ReadResponse(br, req)
	if err != nil {
		conn.Close()
		switch {
		case ctx.Err() != nil:
			err = ctx.Err()
		case capped.timedOut.Load():
			err = os.ErrDeadlineExceeded
		case capped.over.Load():
			return fail(0, fmt.Errorf("its answer to CONNECT has headers over %d KiB", HandshakeHeaderMax>>10))
		}
		return fail(0, fmt.Errorf("no answer to CONNECT: %w", err))
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		conn.Close()
		return fail(resp.StatusCode, errors.New("HTTP "+model.SanitizeCut(resp.Status, 200))) // the proxy's words
	}
	if !stop() {
		conn.Close()
		return fail(0, ctx.Err())
	}
	_ = conn.SetDeadline(time.Time{})
	if br.Buffered() > 0 {
		return &bufferedConn{Conn: conn, r: br}, nil
	}
	return conn, nil
}

// bufferedConn is a connection whose first bytes were read ahead into r.
type bufferedConn struct {
	net.Conn
	r *bufio.Reader
}

// Read reads what was read ahead first, then from the connection itself (r read through a cap).
func (c *bufferedConn) Read(p []byte) (int, error) {
	if c.r != nil && c.r.Buffered() > 0 {
		return c.r.Read(p) // only copies what is buffered
	}
	c.r = nil
	return c.Conn.Read(p)
}
