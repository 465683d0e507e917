package hub

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/deskwatch/deskwatch/internal/jetlog"
)

// logHub is a hub on a real log (the embedded NATS server with JetStream).
type logHub struct {
	*testHub
	l        *jetlog.Log
	ownsLog  bool // crash closes l
	restored Restored
	stopped  bool
}

// openLog opens a log in dir for the test's duration.
func openLog(t *testing.T, dir string) *jetlog.Log {
	t.Helper()
	return openLogConfig(t, jetlog.Config{Dir: dir})
}

// openLogConfig is openLog with the whole jetlog.Config.
func openLogConfig(t *testing.T, cfg jetlog.Config) *jetlog.Log {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	l, err := jetlog.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// tempLog opens a log in a directory of its own, closed when the test ends.
func tempLog(t *testing.T) *jetlog.Log {
	t.Helper()
	l := openLog(t, t.TempDir())
	t.Cleanup(func() { _ = l.Close() })
	return l
}

// startLogHub opens the log in dir and starts a hub on it (Start restores the floor), on a
// loopback HTTP server, until the test ends or crash is called.
func startLogHub(t *testing.T, dir string, cfg Config) *logHub {
	t.Helper()
	lh := startHubOnLog(t, openLog(t, dir), cfg)
	lh.ownsLog = true
	return lh
}

// startHubOnLog starts a hub on l, which it shares with other hubs (as hubs in a cluster share one
// stream); the caller closes l after the hubs.
func startHubOnLog(t *testing.T, l *jetlog.Log, cfg Config) *logHub {
	t.Helper()
	return startHubOnLogWith(t, l, cfg, nil)
}

// startHubOnLogWith is startHubOnLog with change, when not nil, applied to the hub before it starts.
func startHubOnLogWith(t *testing.T, l *jetlog.Log, cfg Config, change func(*Hub)) *logHub {
	t.Helper()
	logs := &syncBuffer{}
	cfg.Log = logs
	h, r, err := startOn(l, cfg, change)
	if err != nil {
		t.Fatal(err)
	}
	lh := &logHub{testHub: &testHub{Hub: h, srv: httptest.NewServer(h.Handler()), log: logs}, l: l, restored: r}
	t.Cleanup(lh.crash)
	return lh
}

// unstartedHubOnLog makes a hub on l with cfg, served but not started (as the hub command serves
// while Start rebuilds the floor): the test calls Start. The hub and its server close when the test
// ends (before l, when l's cleanup was registered first).
func unstartedHubOnLog(t *testing.T, l *jetlog.Log, cfg Config) *testHub {
	t.Helper()
	logs := &syncBuffer{}
	cfg.Log, cfg.EventLog = logs, l
	h := New(cfg)
	th := &testHub{Hub: h, srv: httptest.NewServer(h.Handler()), log: logs}
	t.Cleanup(func() { h.Close(); th.srv.Close() })
	return th
}

// startOn makes a hub on l with cfg, applies change to it when not nil and starts it (within 30s),
// returning what Start restored and its error. The caller closes the hub.
func startOn(l *jetlog.Log, cfg Config, change func(*Hub)) (*Hub, Restored, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cfg.EventLog = l
	h := New(cfg)
	if change != nil {
		change(h)
	}
	r, err := h.Start(ctx)
	return h, r, err
}

// crash stops the hub as kill -9 would for what is kept: no last checkpoint, the log closed as is.
func (lh *logHub) crash() {
	if lh.stopped {
		return
	}
	lh.stopped = true
	lh.mu.Lock()
	cancel := lh.lg.cancel
	lh.lg.cancel = nil // Close saves no checkpoint now
	lh.mu.Unlock()
	cancel()
	<-lh.lg.done
	lh.lg.ckRunning.Wait() // a checkpoint being saved is saved (or not) before the crash
	lh.srv.CloseClientConnections()
	lh.srv.Close()
	if lh.ownsLog {
		_ = lh.l.Close()
	}
	lh.Close()
}

// waitApplied waits until the hub's apply loop has applied the log up to seq.
func (lh *logHub) waitApplied(t *testing.T, seq uint64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		lh.mu.Lock()
		got := lh.lg.seq
		lh.mu.Unlock()
		if got >= seq {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("applied up to seq %d, want %d", got, seq)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// watchedLogHub starts a hub on a log of its own, with a monitor that has read its snapshot and
// waits for what follows.
func watchedLogHub(t *testing.T) (*jetlog.Log, *logHub, *websocket.Conn) {
	t.Helper()
	l := tempLog(t)
	th := startHubOnLog(t, l, Config{})
	_, live := snapshotOf(t, th.testHub, "/stream")
	return l, th, live
}

// addToLog adds events to l as a hub's bridge of agent and session would have them stored.
func addToLog(t *testing.T, l *jetlog.Log, agent, session string, events ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, e := range events {
		if _, err := l.Add(ctx, jetlog.Msg{Agent: agent, Session: session, Data: []byte(e)}); err != nil {
			t.Fatal(err)
		}
	}
}

// snapshotOf connects a monitor to path and returns the messages before DESKWATCH_RESYNC_END;
// the connection stays open for what follows.
func snapshotOf(t *testing.T, th *testHub, path string) ([]string, *websocket.Conn) {
	t.Helper()
	c := th.dial(t, path, nil)
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	var out []string
	for {
		_, data, err := c.ReadMessage()
		if err != nil {
			t.Fatalf("%s: after %q: %v", path, out, err)
		}
		if strings.HasPrefix(string(data), resyncEnd) {
			return out, c
		}
		out = append(out, string(data))
	}
}

// checkpointed returns the sequence of the last checkpoint the hub saved.
func (lh *logHub) checkpointed() uint64 {
	return lh.lg.ckSeq.Load()
}

// waitCheckpointed waits until the hub has saved a checkpoint at seq or after, and returns its seq.
func (lh *logHub) waitCheckpointed(t *testing.T, seq uint64) uint64 {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for lh.checkpointed() < seq {
		if time.Now().After(deadline) {
			t.Fatalf("no checkpoint at seq %d or after within 10s (last at seq %d)", seq, lh.checkpointed())
		}
		time.Sleep(10 * time.Millisecond)
	}
	return lh.checkpointed()
}
