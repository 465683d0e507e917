package hub

import (
	"crypto/sha256"
	"sync"
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

// bridgeRates are the allowances of the tokens bound to agents, each shared by the token's bridge
// connections: a connection of its own, with a whole allowance at once, for each reconnect let a
// bridge that reconnected every megabyte send 150 MiB a second. They are kept for as long as the
// hub runs, one a token the token files held (tokens are few, and a token's allowance forgotten
// would be whole again at its next connection).
type bridgeRates struct {
	mu sync.Mutex
	m  map[[sha256.Size]byte]*rate.Limiter
}

// bridgeRate is the allowance a bridge connection with token (g its scope) spends: a token bound to
// agents shares one, MaxBridgeBytes a second for each of its agents; any other connection has its
// own, MaxBridgeBytes a second (its holder may publish for any agent: the operator's own, or a hub
// without ingest tokens). Each has bridgeBurstSeconds of it, at least one --max-message, at once.
func (h *Hub) bridgeRate(token string, g *grant) *rate.Limiter {
	per := h.cfg.Limits.MaxBridgeBytes
	if g != nil && g.agents != nil {
		per *= int64(max(len(g.agents), 1))
	}
	limit, burst := rate.Limit(per), int(max(per*bridgeBurstSeconds, int64(h.cfg.MaxMessage)))
	if g == nil || g.agents == nil {
		return rate.NewLimiter(limit, burst)
	}
	key := tokenDigest(token)
	r := &h.bridgeRates
	r.mu.Lock()
	defer r.mu.Unlock()
	l := r.m[key]
	if l == nil {
		if r.m == nil {
			r.m = make(map[[sha256.Size]byte]*rate.Limiter)
		}
		l = rate.NewLimiter(limit, burst)
		r.m[key] = l
	}
	l.SetLimit(limit) // the token's agents may have changed since (a reload)
	l.SetBurst(burst)
	return l
}

// throttle spends n bytes of the bridge's allowance, once its message was handled and every budget
// it held (the read budget, the decode budget) given back: when the bridge sends faster than its
// allowance, the hub waits before it reads on, so that the bridge's WebSocket holds back what it
// sends after (nothing is lost: the bridge's own buffer grows). One bridge filled the log's
// --history-size with its own events in seconds, pushing every other agent's history out. The
// wait after a message is at most the message's bytes at the rate; the first one is logged, and
// each is counted.
func (h *Hub) throttle(b *bridgeConn, n int64) {
	if n <= 0 {
		return
	}
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
