package hub

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/internal/e2e"
)

// serveHub runs h.Serve on a loopback listener; stop cancels it and returns Serve's result.
func serveHub(t *testing.T, cfg Config) (addr string, stop func() error) {
	t.Helper()
	cfg.Log = &syncBuffer{}
	h := New(cfg)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.Serve(ctx, ln) }()
	stopped := false
	stop = func() error {
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(60 * time.Second):
			return errors.New("Serve did not return within 60s of its context ending")
		}
	}
	t.Cleanup(func() { _ = stop() })
	return ln.Addr().String(), stop
}

// TestIdleKeepAliveIsClosed: a keep-alive connection that sends nothing after its request is
// closed after the idle timeout.
func TestIdleKeepAliveIsClosed(t *testing.T) {
	t.Parallel()
	addr, _ := serveHub(t, Config{Server: ServerConfig{IdleTimeout: 200 * time.Millisecond}})
	e2e.WaitClosed(t, e2e.KeepAliveHealthz(t, addr), "idle keep-alive")
}

// TestSlowHeadersAreCut: a client that sends its headers a byte at a time (slowloris) is cut at
// the header timeout; oversized headers are refused.
func TestSlowHeadersAreCut(t *testing.T) {
	t.Parallel()
	addr, _ := serveHub(t, Config{Server: ServerConfig{HeaderTimeout: 300 * time.Millisecond, MaxHeaderBytes: 4096}})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	go func() {
		_, _ = io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: hub\r\n")
		for range 200 {
			if _, err := io.WriteString(c, "X"); err != nil {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	}()
	e2e.WaitClosed(t, c, "slow headers")

	req, _ := http.NewRequest("GET", "http://"+addr+"/healthz", nil)
	req.Header.Set("X-Big", strings.Repeat("x", 64<<10))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("64 KiB of headers: HTTP %d, want 431", resp.StatusCode)
	}
}
