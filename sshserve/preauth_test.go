package sshserve

import (
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/internal/e2e"
)

// flood opens n TCP connections from the loopback address src that send only the SSH banner and
// then hold, as the attacker's preauth.py does. They are closed when the test ends.
func (h *harness) flood(t *testing.T, src string, n int) {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: wait}
	for range n {
		c, err := d.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", h.port))
		if err != nil {
			t.Fatalf("dial from %s: %v", src, err)
		}
		t.Cleanup(func() { c.Close() })
		_, _ = c.Write([]byte("SSH-2.0-flood\r\n")) // a refused connection may be closed already
	}
}

// The attacker's lock-out (E): connections that send only a banner and hold, from one source and
// then from ten, past every cap. Those not logged in are capped apart from MaxConnections (here 2,
// which the flood alone would fill under the old rule), at MaxPreAuthPerSource from one source and
// MaxPreAuth in all, and the real OpenSSH client still logs in and gets its session.
func TestPreAuthFloodLocksNobodyOut(t *testing.T) {
	e2e.Require(t, "ssh", "tmux")
	t.Parallel()
	h := start(t, Config{MaxConnections: 2, preAuthTimeout: time.Minute}, false)
	h.flood(t, "127.0.0.2", 20)
	waitFor(t, wait, "one source's cap", func() bool { return h.srv.conns.pendingCount() == MaxPreAuthPerSource })
	for i := range 10 {
		h.flood(t, fmt.Sprintf("127.0.0.%d", 3+i), MaxPreAuthPerSource)
	}
	waitFor(t, wait, "the total cap", func() bool { return h.srv.conns.pendingCount() == MaxPreAuth })
	if n := h.srv.conns.count(); n != 0 {
		t.Fatalf("%d connections that never logged in counted against MaxConnections", n)
	}
	// Once the flood's connections are older than the grace, a new one displaces one of them.
	time.Sleep(preAuthGrace + 500*time.Millisecond)
	a := e2e.Start(t, 80, 24, []string{"HOME=" + h.dir}, h.sshLine(h.key, []string{"-tt"}))
	a.WaitFor(wait, "value=0")
	h.set(1)
	a.WaitFor(wait, "value=1")
	if n := h.srv.conns.count(); n != 1 {
		t.Errorf("%d connections logged in, want 1", n)
	}
	if n := h.srv.conns.pendingCount(); n > MaxPreAuth {
		t.Errorf("%d connections not logged in, more than the cap %d", n, MaxPreAuth)
	}
	// The flood's extra connections wait for a place rather than being refused at once; what
	// the caps do shows in the counts above and in the displacements.
	want := "closing a connection not logged in to make room"
	waitFor(t, wait, want, func() bool { return strings.Contains(h.logs.String(), want) })
}

// Within the grace, a new connection over a cap is refused rather than displacing a connection
// that may be a client in the middle of logging in.
func TestPreAuthGraceRefuses(t *testing.T) {
	t.Parallel()
	h := start(t, Config{preAuthTimeout: time.Minute, preAuth: preAuthLimits{max: 3, perSource: 2, grace: time.Hour,
		wait: time.Nanosecond}}, false)
	h.flood(t, "127.0.0.2", 2)
	h.flood(t, "127.0.0.3", 2)
	waitFor(t, wait, "the total cap", func() bool { return h.srv.conns.pendingCount() == 3 })
	// Refused, a connection is closed before the server says its banner.
	c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", h.port))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(wait))
	if b, err := io.ReadAll(c); err != nil || len(b) > 0 {
		t.Errorf("a connection past the caps got %q, %v; want it closed at once", b, err)
	}
	if n := h.srv.conns.pendingCount(); n != 3 {
		t.Errorf("%d connections not logged in, want 3", n)
	}
	waitFor(t, wait, "the refusal logged", func() bool {
		return strings.Contains(h.logs.String(), "connection refused: too many connections not logged in")
	})
}

func TestSourceKey(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"10.0.0.7:51234": "10.0.0.7", "[2001:db8:1:2:3:4:5:6]:22": "2001:db8:1:2::/64",
		"[::ffff:10.0.0.7]:22": "10.0.0.7"} {
		a, err := net.ResolveTCPAddr("tcp", in)
		if err != nil {
			t.Fatal(err)
		}
		if got := sourceKey(a); got != want {
			t.Errorf("sourceKey(%s) = %s, want %s", in, got, want)
		}
	}
}

// A flood of refusals writes one line a second, not one a connection.
func TestRefusalLogRateLimited(t *testing.T) {
	t.Parallel()
	var buf syncBuffer
	l := slog.New(slog.NewTextHandler(&buf, nil))
	var r refusalLog
	for range 1000 {
		r.log(l, slog.LevelWarn, "connection refused: too many connections not logged in")
	}
	r.log(l, slog.LevelInfo, "closing a connection not logged in to make room")
	if n := strings.Count(buf.String(), "\n"); n != 2 {
		t.Errorf("%d lines for 1001 refusals of two kinds, want 2:\n%s", n, buf.String())
	}
}

// A burst of real viewers from one address (a bastion, a NAT), more than the per-source cap of
// connections not logged in, all get in: over the cap a connection waits for a place instead of
// being refused.
func TestPreAuthBurstFromOneSourceWaits(t *testing.T) {
	t.Parallel()
	e2e.Require(t, "ssh")
	h := start(t, Config{preAuth: preAuthLimits{max: 3, perSource: 2}}, false)
	const viewers = 8
	var wg sync.WaitGroup
	failed := make(chan string, viewers)
	for range viewers {
		wg.Go(func() {
			// Without a terminal the server answers a logged-in viewer with msgNoPTY and status 1;
			// a refused connection ends ssh with 255.
			if out, code := h.runSSH(t, h.key, []string{"-T"}); code != 1 || strings.TrimSpace(out) != msgNoPTY {
				failed <- fmt.Sprintf("exit %d: %s", code, out)
			}
		})
	}
	wg.Wait()
	close(failed)
	for f := range failed {
		t.Errorf("a viewer of the burst was refused: %s", f)
	}
}
