// Package logcap bounds how fast a log grows: a peer that can make the program log a line (a
// connection, a rejected message) must not be able to fill the disk by doing so in a loop.
package logcap

import (
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// Writer passes the lines written to it (one Write each, as log.Logger writes) on to w, at most
// perSecond a second on average and burst at once; the lines over that are left out and counted,
// and the next line let through is preceded by one that says how many were.
type Writer struct {
	w         io.Writer
	perSecond int
	lines     *rate.Limiter
	now       func() time.Time
	dropped   atomic.Int64 // every line left out, for /metrics

	mu      sync.Mutex
	pending int64 // lines left out since the last said
	since   time.Time
}

// New bounds w's lines to perSecond a second, burst at once.
func New(w io.Writer, perSecond, burst int) *Writer {
	return &Writer{w: w, perSecond: perSecond, lines: rate.NewLimiter(rate.Limit(perSecond), burst), now: time.Now}
}

// Write passes p on, or counts it as left out; it never fails for that.
func (l *Writer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if !l.lines.AllowN(now, 1) {
		if l.pending == 0 {
			l.since = now
		}
		l.pending++
		l.dropped.Add(1)
		return len(p), nil
	}
	if l.pending > 0 {
		fmt.Fprintf(l.w, "%s log: %d lines left out since %s (over %d a second); the counts in /metrics are whole\n",
			now.UTC().Format("2006/01/02 15:04:05"), l.pending, l.since.UTC().Format("15:04:05"), l.perSecond)
		l.pending = 0
	}
	return l.w.Write(p)
}

// Dropped is the number of lines left out so far.
func (l *Writer) Dropped() int64 { return l.dropped.Load() }
