package e2e

import (
	"bufio"
	"crypto/sha1" //nolint:gosec // the WebSocket handshake is defined with SHA-1
	"encoding/base64"
	"errors"
	"io"
	"net"
	"net/http"
	"testing"
	"time"
)

// Listen returns a TCP listener on a free loopback port, closed when the test ends.
func Listen(t testing.TB) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

// Serve accepts connections on ln until it is closed (at the latest when the test ends), handing
// each to fn on a goroutine of its own and closing it when fn returns.
func Serve(t testing.TB, ln net.Listener, fn func(c net.Conn)) {
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				fn(c)
			}()
		}
	}()
}

// ServeTCP is Serve on a new loopback listener; it returns the listener's address (host:port).
func ServeTCP(t testing.TB, fn func(c net.Conn)) string {
	t.Helper()
	ln := Listen(t)
	Serve(t, ln, fn)
	return ln.Addr().String()
}

// ReadUpgrade reads a client's WebSocket upgrade request from c and returns it with the
// Sec-WebSocket-Accept answer to it; ok is false if no request could be read.
func ReadUpgrade(c net.Conn) (req *http.Request, accept string, ok bool) {
	req, err := http.ReadRequest(bufio.NewReader(c))
	if err != nil {
		return nil, "", false
	}
	h := sha1.Sum([]byte(req.Header.Get("Sec-WebSocket-Key") + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")) //nolint:gosec
	return req, base64.StdEncoding.EncodeToString(h[:]), true
}

// KeepAliveHealthz sends one keep-alive GET /healthz on a new connection to addr and fails the
// test unless it is answered 200; it returns the connection, idle since, closed when the test ends.
func KeepAliveHealthz(t testing.TB, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: hub\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz: %v %v", resp, err)
	}
	return c
}

// WaitClosed fails the test unless the server closes c within (a generous) ten seconds; what
// names the connection in the failure.
func WaitClosed(t testing.TB, c net.Conn, what string) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, err := io.Copy(io.Discard, c)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("%s: the server kept the connection open", what)
	}
}

// FreeAddr returns a loopback address (127.0.0.1:PORT) whose port was free a moment ago, for a
// server that must be told its address before it starts (a cluster's routes name each other).
func FreeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
