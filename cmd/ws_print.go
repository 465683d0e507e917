package cmd

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/deskwatch/deskwatch/feed"
	"github.com/deskwatch/deskwatch/model"
)

// printConnectWait is how long --print of a WebSocket without --for waits for its first connection.
const printConnectWait = 30 * time.Second

// liveWatch follows a --print of a WebSocket: it reports on standard error each failed attempt and
// each lost connection (with the wait before the next), and a connection that opens after a failure;
// it stops the run on an error that retrying cannot mend, and when no connection opens in time.
type liveWatch struct {
	name   string
	stderr io.Writer
	cancel context.CancelFunc
	start  time.Time

	mu        sync.Mutex
	connected bool  // a connection has opened
	failed    bool  // a failure has been reported, so the next connection is too
	lastErr   error // the last failure
	fatal     error // what stopped the run
	timer     *time.Timer
}

// newLiveWatch watches the WebSocket named name; cancel stops the run. Without a --for, wait bounds
// the time to the first connection.
func newLiveWatch(name string, stderr io.Writer, cancel context.CancelFunc, wait time.Duration) *liveWatch {
	l := &liveWatch{name: name, stderr: stderr, cancel: cancel, start: time.Now()}
	if wait > 0 {
		l.timer = time.AfterFunc(wait, func() {
			l.mu.Lock()
			defer l.mu.Unlock()
			if !l.connected && l.fatal == nil {
				l.fatal = fmt.Errorf("no connection within %s (add --for to wait longer)", wait)
				l.cancel()
			}
		})
	}
	return l
}

// onEvent is the source's WSOptions.OnEvent.
func (l *liveWatch) onEvent(ev feed.ConnEvent) {
	l.mu.Lock()
	defer l.mu.Unlock()
	name, next := l.name, ""
	if ev.URL != "" {
		name = ev.URL
	}
	if ev.Next != "" {
		next = " with " + ev.Next
	}
	switch {
	case ev.Connected:
		if l.failed {
			fmt.Fprintf(l.stderr, "%s: connected (connection %d)\n", name, ev.Conn)
		}
		l.connected, l.failed = true, false
	case feed.Unrecoverable(ev.Err):
		l.lastErr, l.fatal = ev.Err, ev.Err
		l.cancel()
	default:
		l.lastErr, l.failed = ev.Err, true
		fmt.Fprintf(l.stderr, "%s: %s; retrying%s in %s\n", name, model.Sanitize(ev.Err.Error()), next,
			ev.Retry.Round(time.Millisecond))
	}
}

// result says how the run ended: printTable is false when no connection ever opened, since there is
// nothing to show; err is what stopped it (nil when it ran its course).
func (l *liveWatch) result() (printTable bool, err error) {
	if l.timer != nil {
		l.timer.Stop()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case l.connected && l.fatal != nil:
		return true, fmt.Errorf("%s: %w; stopped", l.name, l.fatal)
	case l.connected:
		return true, nil
	case l.fatal != nil && l.lastErr == l.fatal:
		return false, fmt.Errorf("%s: never connected: %w", l.name, l.fatal)
	case l.fatal != nil && l.lastErr != nil:
		return false, fmt.Errorf("%s: never connected: %w (last attempt: %v)", l.name, l.fatal, l.lastErr)
	case l.fatal != nil:
		return false, fmt.Errorf("%s: never connected: %w", l.name, l.fatal)
	case l.lastErr != nil:
		return false, fmt.Errorf("%s: never connected in %s (last attempt: %w)", l.name,
			time.Since(l.start).Round(100*time.Millisecond), l.lastErr)
	}
	return false, fmt.Errorf("%s: never connected in %s", l.name, time.Since(l.start).Round(100*time.Millisecond))
}

// reportLost writes a line for each agent whose seq numbers jumped, e.g. "12 events lost from a.jones".
func reportLost(w io.Writer, agents []*model.Agent) {
	for _, a := range agents {
		if a.Lost == 0 {
			continue
		}
		who := a.ID
		if who == "" {
			who = "the agent"
		}
		noun := "events"
		if a.Lost == 1 {
			noun = "event"
		}
		fmt.Fprintf(w, "%d %s lost from %s\n", a.Lost, noun, model.Sanitize(who))
	}
}
