package feed

import (
	"bufio"
	"context"
	"crypto/sha1" //nolint:gosec // the WebSocket accept key is defined with SHA-1
	"encoding/base64"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// Hostile servers, written on raw sockets: what they send is not what a WebSocket library would.

// rawServer accepts connections on loopback and hands each to fn; its URL is ws://ADDR/.
func rawServer(t *testing.T, fn func(c net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
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
	return "ws://" + ln.Addr().String() + "/"
}

// readUpgrade reads the client's upgrade request and returns its Sec-WebSocket-Accept answer.
func readUpgrade(c net.Conn) (string, bool) {
	req, err := http.ReadRequest(bufio.NewReader(c))
	if err != nil {
		return "", false
	}
	h := sha1.Sum([]byte(req.Header.Get("Sec-WebSocket-Key") + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")) //nolint:gosec
	return base64.StdEncoding.EncodeToString(h[:]), true
}

// dialOnce runs src until its first failed attempt and returns that attempt's error.
func dialOnce(t *testing.T, src func(opts WSOptions) *WebSocket, opts WSOptions) error {
	t.Helper()
	errs := make(chan error, 10)
	opts.OnEvent = func(ev ConnEvent) {
		if ev.Err != nil {
			errs <- ev.Err
		}
	}
	opts.Backoff = Backoff{Initial: time.Hour, Max: time.Hour}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = src(opts).Run(ctx, func(Message) {})
	}()
	defer func() { cancel(); <-done }()
	select {
	case err := <-errs:
		return err
	case <-time.After(30 * time.Second):
		t.Fatal("no failed attempt within 30s")
		return nil
	}
}

// TestHandshakeEndlessHeaderLineIsCapped: a server answering 101 with a header line that never ends
// costs the client HandshakeHeaderMax bytes, not its memory, and is reported as such.
func TestHandshakeEndlessHeaderLineIsCapped(t *testing.T) {
	t.Parallel()
	var wrote atomic.Int64
	closed := make(chan struct{})
	url := rawServer(t, func(c net.Conn) {
		defer close(closed)
		if _, ok := readUpgrade(c); !ok {
			return
		}
		_, _ = c.Write([]byte("HTTP/1.1 101 Switching Protocols\r\nX-Endless: "))
		chunk := []byte(strings.Repeat("a", 32<<10))
		for {
			_ = c.SetWriteDeadline(time.Now().Add(20 * time.Second))
			n, err := c.Write(chunk)
			wrote.Add(int64(n))
			if err != nil {
				return // the client closed, or stopped reading for 20s
			}
		}
	})
	err := dialOnce(t, func(o WSOptions) *WebSocket { return NewWebSocket(url, o) },
		WSOptions{HandshakeTimeout: 20 * time.Second})
	if err == nil || !strings.Contains(err.Error(), "response headers over 64 KiB") {
		t.Errorf("error %v, want response headers over 64 KiB", err)
	}
	<-closed
	// What the client read is capped at 64 KiB; the rest is what the kernel's socket buffers held
	// when it closed (a few MB on loopback at most). Unbounded, it reads ~100 MB a second.
	if n := wrote.Load(); n > 32<<20 {
		t.Errorf("the server wrote %d bytes before the client closed; want the client to stop near 64 KiB", n)
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
