package feed

import (
	"context"
	"time"

	"github.com/deskwatch/deskwatch/internal/broadcast"
)

// DefaultInterval is how often, at most, viewers are told that the store changed (30 times a second).
const DefaultInterval = time.Second / 30

// Notifier coalesces "the store changed" signals: however many events arrive, each subscriber is
// told at most once per interval, and a subscriber that has not yet taken the last signal is not
// sent another. A burst of a thousand events is one redraw.
type Notifier struct {
	dirty chan struct{}
	subs  broadcast.Set
}

// NewNotifier returns a notifier with no subscribers. Call Run to start delivering.
func NewNotifier() *Notifier {
	return &Notifier{dirty: make(chan struct{}, 1)}
}

// Changed marks the store as changed; it never blocks.
func (n *Notifier) Changed() {
	broadcast.Wake(n.dirty)
}

// Subscribe returns a channel that receives a signal after changes, and a function that ends the
// subscription.
func (n *Notifier) Subscribe() (<-chan struct{}, func()) { return n.subs.Subscribe() }

// Run delivers signals until ctx ends, waiting at least interval between two deliveries.
func (n *Notifier) Run(ctx context.Context, interval time.Duration) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-n.dirty:
		}
		n.subs.Signal()
		select {
		case <-ctx.Done():
			return
		case <-time.After(interval):
		}
	}
}
