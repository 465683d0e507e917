package hub

import (
	"time"

	"golang.org/x/time/rate"
)

// DefaultMaxBridgeBytes is the bytes a second the hub reads from one bridge connection, on average
// (Limits.MaxBridgeBytes). An agent's desktop sends a few KB a second at its busiest; one bridge
// may publish for --max-agents-per-bridge agents.
const DefaultMaxBridgeBytes = 1 << 20

// bridgeBurstSeconds is how many seconds of MaxBridgeBytes a bridge may send at once: a desktop's
// snapshot after a reconnect, or the events it kept while the hub was away.
const bridgeBurstSeconds = 16

// newBridgeRate is the allowance of one bridge connection: MaxBridgeBytes a second, and
// bridgeBurstSeconds of it (at least one --max-message) at once.
func (h *Hub) newBridgeRate() *rate.Limiter {
	per := h.cfg.Limits.MaxBridgeBytes
	return rate.NewLimiter(rate.Limit(per), int(max(per*bridgeBurstSeconds, int64(h.cfg.MaxMessage))))
}

// throttle spends n bytes of the bridge's allowance, once its message was read: when the bridge
// sends faster than MaxBridgeBytes, the hub waits before it reads on, so that the bridge's
// WebSocket holds back what it sends after (nothing is lost: the bridge's own buffer grows). One
// bridge filled the log's --history-size with its own events in seconds, pushing every other
// agent's history out. The wait after a message is at most the message's bytes at the rate; the
// first one is logged, and each is counted.
func (h *Hub) throttle(b *bridgeConn, n int64) {
	now := time.Now()
	r := b.rate.ReserveN(now, int(min(n, int64(b.rate.Burst()))))
	d := r.DelayFrom(now)
	if d <= 0 {
		return
	}
	h.m.throttled.Inc()
	if !b.throttled {
		b.throttled = true
		h.log.Printf("ingest conn %d from %s: sending over %d bytes a second (--max-bridge-bytes); read at that rate",
			b.id, b.remote, h.cfg.Limits.MaxBridgeBytes)
	}
	select {
	case <-time.After(d):
	case <-b.closer.Done():
	}
}
