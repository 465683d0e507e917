package sshserve

import (
	"context"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"time"

	"charm.land/ssh"
	gossh "golang.org/x/crypto/ssh"
)

// The caps on connections that have not logged in yet, apart from --max-connections (which counts
// only logged-in ones), so that a flood of connections that only send a banner, or nothing, cannot
// hold the places real viewers need (as OpenSSH's MaxStartups and PerSourceMaxStartups).
const (
	// DefaultPreAuthTimeout is how long a connection has for the key exchange and logging in.
	DefaultPreAuthTimeout = 10 * time.Second
	// MaxPreAuth caps the connections not logged in, from all sources together.
	MaxPreAuth = 32
	// MaxPreAuthPerSource caps those from one source: one IPv4 address, or one IPv6 /64.
	MaxPreAuthPerSource = 8
	// preAuthGrace is how long a connection not logged in is safe from being displaced by a newer
	// one: long enough for a client to log in over a slow link.
	preAuthGrace = 2 * time.Second
	// preAuthWait is how long a new connection over a cap waits for a place (a handshake ending)
	// before it is refused, so that a burst of real viewers from one address (a bastion, a NAT)
	// queues instead of being turned away; at most maxPreAuthWaiting wait at once.
	preAuthWait       = 5 * time.Second
	maxPreAuthWaiting = 64
)

// preAuthLimits are the caps of connections not logged in (tests make them smaller).
type preAuthLimits struct {
	max, perSource int
	grace, wait    time.Duration
}

// admitOrWait is admitPending, waiting up to l.pre.wait for a place while the caps are reached
// and nothing can be displaced (at most maxPreAuthWaiting connections wait at once).
func (l *connLimiter) admitOrWait(tc *trackedConn) (victim *trackedConn, why string) {
	deadline := time.Now().Add(l.pre.wait)
	l.mu.Lock()
	defer l.mu.Unlock()
	for {
		tc.since = time.Now()
		victim, why = l.admitPending(tc)
		if why == "" || l.waiting >= maxPreAuthWaiting || !time.Now().Before(deadline) {
			return victim, why
		}
		if l.freed == nil {
			l.freed = make(chan struct{})
		}
		freed := l.freed
		l.waiting++
		l.mu.Unlock()
		t := time.NewTimer(time.Until(deadline))
		select {
		case <-freed:
		case <-t.C:
		}
		t.Stop()
		l.mu.Lock()
		l.waiting--
	}
}

// admitPending counts tc as not logged in, with l.mu held. Over a cap, the oldest pending
// connection of the same source (over the per-source cap) or of the source with the most (over
// the total cap) is displaced, returned as victim for the caller to close, if it has waited
// preAuthGrace; otherwise tc is refused, and why says which cap. So a client that holds
// connections open without logging in keeps at most MaxPreAuthPerSource of them, and a real
// client's connection is only displaced by a burst of newer ones.
func (l *connLimiter) admitPending(tc *trackedConn) (victim *trackedConn, why string) {
	if l.pending == nil {
		l.pending = map[string][]*trackedConn{}
	}
	switch {
	case len(l.pending[tc.source]) >= l.pre.perSource:
		victim, why = l.pending[tc.source][0], "too many connections not logged in from one source"
	case l.npending >= l.pre.max:
		why = "too many connections not logged in"
		for _, list := range l.pending {
			if victim == nil || len(list) > len(l.pending[victim.source]) ||
				(len(list) == len(l.pending[victim.source]) && list[0].since.Before(victim.since)) {
				victim = list[0]
			}
		}
	}
	if victim != nil {
		if time.Since(victim.since) < l.pre.grace {
			return nil, why
		}
		l.removePending(victim)
		victim.state = connGone
	}
	l.pending[tc.source] = append(l.pending[tc.source], tc)
	l.npending++
	tc.state = connPending
	return victim, ""
}

// removePending takes a pending connection off its source's list, with l.mu held.
func (l *connLimiter) removePending(tc *trackedConn) {
	list := l.pending[tc.source]
	for i, c := range list {
		if c == tc {
			list = append(list[:i:i], list[i+1:]...)
			l.npending--
			break
		}
	}
	if len(list) == 0 {
		delete(l.pending, tc.source)
	} else {
		l.pending[tc.source] = list
	}
	if l.freed != nil { // a place is free: wake the connections waiting for one
		close(l.freed)
		l.freed = nil
	}
}

// sourceKey is what the per-source cap counts by: the IP address, or an IPv6 address's /64.
func sourceKey(a net.Addr) string {
	ap, err := netip.ParseAddrPort(a.String())
	if err != nil {
		return a.String()
	}
	ip := ap.Addr().Unmap()
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return p.String()
	}
	return ip.String()
}

// serverConfig gives the library a per-connection SSH configuration that tells the limiter when the
// connection has logged in, so that it counts against --max-connections from then on.
func (l *connLimiter) serverConfig(ctx ssh.Context) *gossh.ServerConfig {
	tc, _ := ctx.Value(connKey{}).(*trackedConn)
	return &gossh.ServerConfig{AuthLogCallback: func(_ gossh.ConnMetadata, _ string, err error) {
		if err == nil && tc != nil {
			l.loggedIn(tc)
		}
	}}
}

// refusalLog writes the lines about refused and displaced connections at most once a second each,
// with how many like it were left out since the last one, so that a flood of connections cannot
// flood the log.
type refusalLog struct {
	mu         sync.Mutex
	last       map[string]time.Time
	suppressed map[string]int
}

func (r *refusalLog) log(l *slog.Logger, level slog.Level, msg string, attrs ...any) {
	r.mu.Lock()
	if r.last == nil {
		r.last, r.suppressed = map[string]time.Time{}, map[string]int{}
	}
	now := time.Now()
	if now.Sub(r.last[msg]) < time.Second {
		r.suppressed[msg]++
		r.mu.Unlock()
		return
	}
	n := r.suppressed[msg]
	r.last[msg], r.suppressed[msg] = now, 0
	r.mu.Unlock()
	if n > 0 {
		attrs = append(attrs, "more_not_logged", n)
	}
	l.Log(context.Background(), level, msg, attrs...)
}
