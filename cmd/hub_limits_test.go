package cmd_test

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/deskwatch/deskwatch/internal/e2e"
)

// TestHubCommandLimits runs the real binary with small limits: a connection past
// --max-connections gets HTTP 503, an idle keep-alive connection is closed after --idle-timeout,
// and SIGTERM with monitors that never read stops the hub within --shutdown-timeout, give or take.
func TestHubCommandLimits(t *testing.T) {
	t.Parallel()
	h, addr := startHubCmd(t, "--max-connections", "2", "--idle-timeout", "300ms", "--shutdown-timeout", "2s")
	for range 2 {
		c, _, err := websocket.DefaultDialer.Dial("ws://"+addr+"/stream", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close() // never reads
	}
	_, resp, err := websocket.DefaultDialer.Dial("ws://"+addr+"/stream", nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("a third connection: %v %v, want HTTP 503", resp, err)
	}

	raw, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := io.WriteString(raw, "GET /healthz HTTP/1.1\r\nHost: hub\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	if r, err := http.ReadResponse(bufio.NewReader(raw), nil); err != nil || r.StatusCode != http.StatusOK {
		t.Fatalf("healthz: %v %v", r, err)
	}
	_ = raw.SetReadDeadline(time.Now().Add(10 * time.Second))
	var ne net.Error
	if _, err := io.Copy(io.Discard, raw); errors.As(err, &ne) && ne.Timeout() {
		t.Fatal("an idle keep-alive connection was not closed")
	}

	h.Stop(syscall.SIGTERM, 20*time.Second)
	for _, want := range []string{"refused: 2 connections open, the limit (--max-connections)", "hub stopped"} {
		if !strings.Contains(h.Output(), want) {
			t.Errorf("hub output lacks %q:\n%s", want, h.Output())
		}
	}
}

// TestHubCommandRefusesNonPositiveLimits: a limit of zero is a mistake, not "no limit".
func TestHubCommandRefusesNonPositiveLimits(t *testing.T) {
	t.Parallel()
	_, stderr, code := e2e.Run(t, nil, "hub", "--listen", "127.0.0.1:0", "--max-parties", "0")
	if code == 0 || !strings.Contains(stderr, "--max-parties must be positive") {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
}

// TestHubCommandBoundsGoneAfter: --gone-after is kept from 1s to 24h.
func TestHubCommandBoundsGoneAfter(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"0s", "500ms", "25h0m0s"} {
		_, stderr, code := e2e.Run(t, nil, "hub", "--listen", "127.0.0.1:0", "--gone-after", v)
		if code == 0 || !strings.Contains(stderr, "--gone-after "+v+": want from 1s to 24h0m0s") {
			t.Errorf("--gone-after %s: exit %d, stderr:\n%s", v, code, stderr)
		}
	}
}
