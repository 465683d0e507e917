package sshserve

import (
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"charm.land/ssh"
	gossh "golang.org/x/crypto/ssh"
)

// What one client may make the server spend, past the session and output limits of Config. The
// SSH library keeps every env request of a session in a slice: without a cap, 100k of them would
// hold hundreds of megabytes.
const (
	// DefaultMaxConnections caps logged-in connections; one more is closed as soon as it has
	// logged in. Connections not yet logged in are capped apart (MaxPreAuth), so they cannot take
	// these places.
	DefaultMaxConnections = 128
	// maxChannels caps the session channels open at once on one connection.
	maxChannels = 4
	// maxEnvVars and maxEnvBytes cap a session's environment (names and values): more env requests
	// are refused.
	maxEnvVars  = 64
	maxEnvBytes = 16 << 10
	// maxRefused is how many refused requests a session may send before it is closed.
	maxRefused = 256
	// windowChangeGap is the least time between two window changes passed on: faster ones are
	// merged (the last size wins), so a flood of resizes costs at most 20 redraws a second.
	windowChangeGap = 50 * time.Millisecond
	// startTimeout closes a session channel that has not asked for its shell by then, and a
	// connection that has had no session channel for that long.
	startTimeout = 30 * time.Second
)

// connLimiter counts connections, those not yet logged in (pending, see preauth.go) and those
// logged in (open), and closes those over the caps or without a session.
type connLimiter struct {
	max   int           // logged-in connections
	start time.Duration // startTimeout, shorter in tests
	log   *slog.Logger
	pre   preAuthLimits
	rlog  refusalLog
	mu    sync.Mutex
	open  int
	// pending holds each source's connections not yet logged in, oldest first; npending counts them.
	pending  map[string][]*trackedConn
	npending int
	// freed is closed when a pending connection leaves (admitOrWait waits on it); waiting counts
	// the connections waiting for a place.
	freed   chan struct{}
	waiting int
}

type connKey struct{}

// The states of a trackedConn, guarded by its limiter's mu.
const (
	connPending = iota // counted in pending
	connOpen           // logged in, counted in open
	connGone           // counted nowhere: closed, displaced or refused
)

// trackedConn is one counted connection: its session channels and the timer that closes it
// when it has none.
type trackedConn struct {
	net.Conn
	l        *connLimiter
	source   string    // the remote address's IP (IPv6: its /64), for the per-source cap
	since    time.Time // when it was accepted
	state    int       // connPending, connOpen or connGone, under l.mu
	once     sync.Once
	mu       sync.Mutex
	channels int
	idle     *time.Timer
}

// accept is the library's connection callback: the connection is counted as not logged in, or
// closed (nil) when the caps on those are reached (admitPending).
func (l *connLimiter) accept(ctx ssh.Context, c net.Conn) net.Conn {
	tc := &trackedConn{Conn: c, l: l, source: sourceKey(c.RemoteAddr())} // since: set when admitted
	victim, why := l.admitOrWait(tc)
	if victim != nil {
		l.rlog.log(l.log, slog.LevelInfo, "closing a connection not logged in to make room", "remote", victim.RemoteAddr().String(),
			"waited", time.Since(victim.since).Round(time.Millisecond))
		_ = victim.Close()
	}
	if why != "" {
		l.rlog.log(l.log, slog.LevelWarn, "connection refused: "+why, "remote", c.RemoteAddr().String(),
			"max", l.pre.max, "max_per_source", l.pre.perSource)
		return nil
	}
	tc.mu.Lock()
	tc.idle = time.AfterFunc(l.start, tc.closeIfIdle)
	tc.mu.Unlock()
	ctx.SetValue(connKey{}, tc)
	return tc
}

// loggedIn moves a connection that has just logged in from pending to open, or closes it when
// --max-connections are open already.
func (l *connLimiter) loggedIn(tc *trackedConn) {
	l.mu.Lock()
	if tc.state != connPending { // displaced while it logged in: it is being closed
		l.mu.Unlock()
		return
	}
	l.removePending(tc)
	full := l.open >= l.max
	if !full {
		l.open++
		tc.state = connOpen
	}
	l.mu.Unlock()
	if full {
		l.rlog.log(l.log, slog.LevelWarn, "connection refused: too many connections", "remote", tc.RemoteAddr().String(),
			"max", l.max)
		_ = tc.Close()
	}
}

// count reports the logged-in connections.
func (l *connLimiter) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.open
}

// pendingCount reports the connections not yet logged in.
func (l *connLimiter) pendingCount() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.npending
}

func (c *trackedConn) Close() error {
	c.once.Do(func() {
		c.mu.Lock()
		if c.idle != nil {
			c.idle.Stop()
		}
		c.mu.Unlock()
		c.l.mu.Lock()
		switch c.state {
		case connPending:
			c.l.removePending(c)
		case connOpen:
			c.l.open--
		}
		c.state = connGone
		c.l.mu.Unlock()
	})
	return c.Conn.Close()
}

func (c *trackedConn) closeIfIdle() {
	c.mu.Lock()
	idle := c.channels == 0
	c.mu.Unlock()
	if idle {
		c.l.log.Info("closing a connection without a session", "remote", c.RemoteAddr().String(),
			"after", c.l.start)
		_ = c.Close()
	}
}

// openChannel counts a new session channel, or reports that the connection has too many.
func (c *trackedConn) openChannel() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.channels >= maxChannels {
		return false
	}
	c.channels++
	c.idle.Stop()
	return true
}

func (c *trackedConn) closeChannel() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.channels--
	if c.channels == 0 {
		c.idle.Reset(c.l.start)
	}
}

// sessionChannel is the library's "session" channel handler behind the caps: at most maxChannels
// per connection, and every request of the channel goes through a requestFilter.
func (s *Server) sessionChannel(srv *ssh.Server, conn *gossh.ServerConn, nc gossh.NewChannel, ctx ssh.Context) {
	if tc, ok := ctx.Value(connKey{}).(*trackedConn); ok {
		if !tc.openChannel() {
			s.log.Warn("session refused: too many sessions on one connection", "user", conn.User(),
				"remote", conn.RemoteAddr().String(), "max", maxChannels)
			_ = nc.Reject(gossh.ResourceShortage, fmt.Sprintf("at most %d sessions per connection", maxChannels))
			return
		}
		defer tc.closeChannel()
	}
	ssh.DefaultSessionHandler(srv, conn, &filteredChannel{NewChannel: nc, s: s, conn: conn}, ctx)
}

// filteredChannel hands the library the channel's requests through a requestFilter.
type filteredChannel struct {
	gossh.NewChannel
	s    *Server
	conn *gossh.ServerConn
}

func (f *filteredChannel) Accept() (gossh.Channel, <-chan *gossh.Request, error) {
	ch, reqs, err := f.NewChannel.Accept()
	if err != nil {
		return ch, reqs, err
	}
	out := make(chan *gossh.Request)
	rc := &runningChannel{Channel: ch, running: make(chan struct{})}
	rf := &requestFilter{conn: f.conn, out: out, running: rc.running, start: f.s.conns.start,
		log: f.s.log.With("user", f.conn.User(), "remote", f.conn.RemoteAddr().String())}
	go rf.run(reqs)
	return rc, out, nil
}

// runningChannel tells, by closing running, when the session's program first writes to the
// channel: the session has read its terminal size by then. The SSH library stores a window change
// into the size the session reads without a lock, so window changes wait for this.
type runningChannel struct {
	gossh.Channel
	once    sync.Once
	running chan struct{}
}

func (c *runningChannel) Write(p []byte) (int, error) {
	c.once.Do(func() { close(c.running) })
	return c.Channel.Write(p)
}
