package hub

import (
	"fmt"
	"math"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Every monitor that joins is written a snapshot of the floor (megabytes for thousands of agents,
// or a history read from the log), so one that reconnects in a loop would make the hub write that
// as fast as it reconnects. Joins are bounded per monitor token (per source address on a hub
// without stream tokens): Limits.MaxMonitorJoins a second, joinBurstSeconds times that at once, so
// that every monitor of a shared token reconnecting after a restart gets in.
const (
	DefaultMaxMonitorJoins = 10
	joinBurstSeconds       = 30
	// maxJoinKeys bounds the tokens and addresses remembered; a key whose allowance is whole again
	// is forgotten to make room, and while none is, further keys are not limited (the connection
	// cap still is).
	maxJoinKeys = 4096
)

// joinLimiter is the allowance of monitor joins per key.
type joinLimiter struct {
	mu    sync.Mutex
	rate  rate.Limit
	burst int
	keys  map[string]*rate.Limiter
}

func newJoinLimiter(perSecond int) *joinLimiter {
	perSecond = min(perSecond, math.MaxInt32) // thirty times it is still an int
	return &joinLimiter{rate: rate.Limit(perSecond), burst: perSecond * joinBurstSeconds,
		keys: make(map[string]*rate.Limiter)}
}

// allow takes one join for key at now, or says how long until one is allowed.
func (j *joinLimiter) allow(key string, now time.Time) (bool, time.Duration) {
	j.mu.Lock()
	defer j.mu.Unlock()
	l, ok := j.keys[key]
	if !ok {
		if len(j.keys) >= maxJoinKeys {
			for k, old := range j.keys {
				if old.TokensAt(now) >= float64(j.burst) {
					delete(j.keys, k)
				}
			}
		}
		if len(j.keys) >= maxJoinKeys {
			return true, 0
		}
		l = rate.NewLimiter(j.rate, j.burst)
		j.keys[key] = l
	}
	r := l.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// admitJoin takes one join of the monitor with token (or, without stream tokens, of its address),
// refusing it with HTTP 429 and a Retry-After when its allowance is spent.
func (h *Hub) admitJoin(w http.ResponseWriter, r *http.Request, token string) bool {
	key, whose := h.monitorKey(r, token)
	ok, wait := h.joins.allow(key, time.Now())
	if ok {
		return true
	}
	secs := int(math.Ceil(wait.Seconds()))
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	n := h.cfg.Limits.MaxMonitorJoins
	h.refuse(w, r, "stream", "rate", http.StatusTooManyRequests, "too many connections: try again later",
		fmt.Sprintf("over %d monitor connections a second (%d at once) for %s (--max-monitor-joins); may retry in %ds",
			n, n*joinBurstSeconds, whose, secs))
	return false
}

// monitorKey is whose a monitor's connection is, for the bounds of each: its stream token (as a
// digest), or its address on a hub without stream tokens; whose says which, for a refusal.
func (h *Hub) monitorKey(r *http.Request, token string) (key, whose string) {
	if h.cfg.StreamTokens != nil {
		sum := tokenDigest(token)
		return "t" + string(sum[:]), "its token"
	}
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return "a" + host, "its address"
	}
	return "a" + r.RemoteAddr, "its address"
}
