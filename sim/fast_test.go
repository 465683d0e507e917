package sim

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/feed"
	"github.com/deskwatch/deskwatch/model"
)

// viewerFeed is what deskwatch builds for a live source: a WebSocket source feeding a pump, a store
// and a notifier, at the notifier's real interval.
type viewerFeed struct {
	src    *feed.WebSocket
	store  *model.Store
	notify *feed.Notifier
}

func newViewerFeed(t *testing.T, url string) *viewerFeed {
	t.Helper()
	v := &viewerFeed{src: feed.NewWebSocket(url, feed.WSOptions{}), store: model.NewStore(), notify: feed.NewNotifier()}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{}, 2)
	go func() { v.notify.Run(ctx, feed.DefaultInterval); done <- struct{}{} }()
	go func() { v.src.Run(ctx, feed.NewPump(v.store, v.notify).Handle); done <- struct{}{} }()
	t.Cleanup(func() { cancel(); <-done; <-done })
	return v
}

// viewer takes every change signal, spending work on each as a frame would, and counts them.
func (v *viewerFeed) viewer(t *testing.T, work time.Duration) *atomic.Int64 {
	ch, unsubscribe := v.notify.Subscribe()
	var n atomic.Int64
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-ctx.Done():
				return
			case <-ch:
				n.Add(1)
				time.Sleep(work)
			}
		}
	}()
	t.Cleanup(func() { cancel(); <-done; unsubscribe() })
	return &n
}

const fastEvents = 20000

// TestFastStreamIsCoalesced: the simulator at 20,000 events/s over loopback. The viewer is told of
// changes at most once per notifier interval (a redraw each), not once per event.
func TestFastStreamIsCoalesced(t *testing.T) {
	ts := newTestSim(t, Config{Seed: 4, Agents: 20, Rate: fastEvents, Events: fastEvents, Queue: 1 << 16})
	v := newViewerFeed(t, ts.url)
	signals := v.viewer(t, 0)
	waitFor(t, "the subscriber", func() bool { return ts.Stats().Subscribers == 1 })
	start := time.Now()
	ts.start()
	waitFor(t, "every event applied", func() bool { return v.store.Snapshot().Stats.Events >= fastEvents })
	elapsed := time.Since(start)
	got, events := signals.Load(), v.store.Snapshot().Stats.Events
	if limit := int64(elapsed/feed.DefaultInterval) + 2; got > limit {
		t.Errorf("%d change signals in %v, more than one per %v (%d)", got, elapsed, feed.DefaultInterval, limit)
	}
	if got == 0 || got*50 > events {
		t.Errorf("%d change signals for %d events: want one per burst, not one per event", got, events)
	}
	t.Logf("%d events in %v, %d signals", events, elapsed.Round(time.Millisecond), got)
}

// TestSlowViewerNeverStallsTheReader: one viewer spends half a second on each frame and another never
// takes its signal. The reader goes on all the same: every event arrives in seconds (a reader that
// waited for the viewers would need hours, or for ever), on the first connection.
func TestSlowViewerNeverStallsTheReader(t *testing.T) {
	ts := newTestSim(t, Config{Seed: 6, Agents: 20, Rate: fastEvents, Events: fastEvents, Queue: 1 << 16})
	v := newViewerFeed(t, ts.url)
	slow := v.viewer(t, 500*time.Millisecond)
	_, unsubscribe := v.notify.Subscribe() // never read
	defer unsubscribe()
	waitFor(t, "the subscriber", func() bool { return ts.Stats().Subscribers == 1 })
	start := time.Now()
	ts.start()
	waitFor(t, "every event applied", func() bool { return v.store.Snapshot().Stats.Events >= fastEvents })
	elapsed := time.Since(start)
	if st := ts.Stats(); st.Slow != 0 || st.Connections != 1 {
		t.Errorf("server %+v: the reader fell behind", st)
	}
	// The slow viewer takes a signal at most every half second of the stream (a loaded machine
	// stretches the stream, not the ratio); one per event would be thousands.
	if n, limit := slow.Load(), int64(elapsed/(500*time.Millisecond))+3; n > limit {
		t.Errorf("the slow viewer took %d signals during a %v stream, more than %d", n, elapsed, limit)
	}
}
