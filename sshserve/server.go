// Package sshserve serves the monitor over SSH: one process holds one feed and one store, and any
// number of supervisors open it with their ordinary ssh client. Each session is its own Bubble Tea
// program (through wish's Bubble Tea middleware) with its own size, colour profile, theme, filter,
// sort and selection, all reading the same store. Sessions are read-only: keys move the viewer's
// own cursor and nothing a viewer types reaches the feed.
package sshserve

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/ssh"

	"github.com/deskwatch/deskwatch/internal/positive"
	"github.com/deskwatch/deskwatch/internal/serve"
	gossh "golang.org/x/crypto/ssh"
)

// Defaults for the zero values of Config's fields.
const (
	// DefaultAddr listens on loopback only: exposing the desk to a network is a deliberate choice
	// (--listen :2222).
	DefaultAddr = "127.0.0.1:2222"
	// DefaultMaxSessions is how many sessions run at once before new ones are turned away.
	DefaultMaxSessions = 64
	// DefaultMaxPending is how many bytes of output may wait for one client before it is
	// considered stalled and dropped. A session writes no frame while its last one still waits
	// (pace.go), so what waits is at most one frame and the goodbye: a full redraw of the largest
	// screen a session may have (512x256) is some tens of kilobytes. A client that has stopped
	// reading is dropped by the write timeout instead.
	DefaultMaxPending = 1 << 20
	// DefaultWriteTimeout is how long a client may accept none of its pending output before it is
	// considered stalled and dropped.
	DefaultWriteTimeout = 10 * time.Second
	// DefaultShutdownGrace is how long sessions get to say goodbye and close on shutdown.
	DefaultShutdownGrace = 5 * time.Second
)

// Viewer describes one SSH session to the code that builds its model.
type Viewer struct {
	User        string
	RemoteAddr  string
	Fingerprint string // SHA256 fingerprint of the key the viewer logged in with
	// Args is the command the client asked for, split like a shell would:
	// ssh -t host -- --theme light gives ["--theme", "light"].
	Args []string
	// Environ is what the client sent (TERM from the PTY request, anything its SendEnv passes).
	Environ []string
	// Width and Height are the terminal's size when the session opened.
	Width, Height int
}

// Getenv returns the value of key in the viewer's environment, or "".
func (v Viewer) Getenv(key string) string {
	val := ""
	for _, kv := range v.Environ {
		if k, rest, ok := strings.Cut(kv, "="); ok && k == key {
			val = rest // the last one wins, as in a shell
		}
	}
	return val
}

// Config configures a Server.
type Config struct {
	// Addr is the TCP address to listen on; "" is DefaultAddr, loopback only.
	Addr string
	// HostKeyPath is the server's private key. It is generated (ed25519, mode 0600) when missing
	// and reused afterwards; see DefaultHostKeyPath.
	HostKeyPath string
	// AuthorizedKeys is an OpenSSH authorized_keys file listing who may log in. It is re-read when
	// it changes and on ReloadKeys. Required unless AllowAnyKey.
	AuthorizedKeys string
	// AllowAnyKey lets any public key in: for a local demo only. Passwords are refused either way.
	AllowAnyKey bool
	// MaxSessions caps concurrent sessions; 0 is DefaultMaxSessions.
	MaxSessions int
	// IdleTimeout closes a session after this long without a key press or resize; 0 never does.
	IdleTimeout time.Duration
	// MaxPending bounds what the server holds for one client: a session whose output not yet
	// accepted by the client would pass this many bytes is dropped. 0 is DefaultMaxPending.
	MaxPending int
	// WriteTimeout drops a client that accepts none of its pending output for this long; 0 is
	// DefaultWriteTimeout.
	WriteTimeout time.Duration
	// MaxConnections caps logged-in connections (those not logged in yet are capped apart, see
	// preauth.go); 0 is DefaultMaxConnections.
	MaxConnections int
	// ShutdownGrace is how long sessions get to close on shutdown; 0 is DefaultShutdownGrace.
	ShutdownGrace time.Duration
	// Subscribe returns a channel signalled when the shared store changes and a function that ends
	// the subscription (feed.Notifier.Subscribe). Each session subscribes once and unsubscribes when
	// it ends.
	Subscribe func() (<-chan struct{}, func())
	// NewModel builds one session's model over the shared store. An error is shown to the viewer
	// and the session exits with status 1, or 2 for a BadUsage (e.g. an unknown --theme in the
	// command), or 0 after a Usage's text (--help).
	NewModel func(v Viewer, changes <-chan struct{}) (tea.Model, error)
	// CheckArgs, when set, reads the viewer's command without building a model, for a session
	// without a terminal: a Usage is answered (status 0), a BadUsage refused (status 2), before the
	// session is told it needs a terminal.
	CheckArgs func(v Viewer) error
	// ChangeMsg, when set, is the message that tells a model the store changed: the session
	// delivers it just before drawing a frame, at most once a frame, and NewModel gets a nil
	// channel. Unset, NewModel gets a channel signalled on every change.
	ChangeMsg func() tea.Msg
	// FrameInterval is the least time between two frames of one session; 0 is
	// DefaultFrameInterval. A busy server or a slow client makes it longer (see pace.go).
	FrameInterval time.Duration
	// startTimeout overrides startTimeout (tests only).
	startTimeout time.Duration
	// preAuth overrides the caps on connections not logged in and DefaultPreAuthTimeout (tests only).
	preAuth        preAuthLimits
	preAuthTimeout time.Duration
	// Log receives one line per connect and disconnect, refused keys and failures; never a
	// viewer's terminal. Nil discards.
	Log *slog.Logger
}

// Server is an SSH server that gives each session its own view of one shared store.
type Server struct {
	cfg   Config
	log   *slog.Logger
	srv   *ssh.Server
	keys  *authorizedKeys // nil with AllowAnyKey
	conns *connLimiter
	// HostKeyFingerprint is the SHA256 fingerprint of the host key, for users to check on first
	// connect.
	HostKeyFingerprint string

	mu           sync.Mutex
	sessions     map[*session]struct{}
	stopping     bool
	handlers     sync.WaitGroup
	panics       atomic.Int64 // sessions ended by an internal error
	lags         lagStats     // how far behind the store frames were
	frames       atomic.Int64 // frames drawn
	sharedFrames atomic.Int64 // of them, frames another session drew (share.go)
	interval     atomic.Int64 // the least time between two frames of a session now (busy.go)
	shared       frameShare   // the latest frame of each group of sessions that share theirs
}

// New checks cfg, loads or creates the host key and reads the authorized keys.
func New(cfg Config) (*Server, error) {
	if cfg.Subscribe == nil || cfg.NewModel == nil {
		return nil, errors.New("sshserve: Subscribe and NewModel are required")
	}
	if cfg.HostKeyPath == "" {
		return nil, errors.New("sshserve: no host key path")
	}
	if cfg.AuthorizedKeys == "" && !cfg.AllowAnyKey {
		return nil, errors.New("serving over SSH needs --authorized-keys FILE (or --allow-any-key for a local demo)")
	}
	if cfg.Addr == "" {
		cfg.Addr = DefaultAddr
	}
	cfg.MaxSessions = positive.Or(cfg.MaxSessions, DefaultMaxSessions)
	cfg.MaxConnections = positive.Or(cfg.MaxConnections, DefaultMaxConnections)
	cfg.MaxPending = positive.Or(cfg.MaxPending, DefaultMaxPending)
	cfg.WriteTimeout = positive.Or(cfg.WriteTimeout, DefaultWriteTimeout)
	cfg.ShutdownGrace = positive.Or(cfg.ShutdownGrace, DefaultShutdownGrace)
	cfg.FrameInterval = positive.Or(cfg.FrameInterval, DefaultFrameInterval)
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	s := &Server{cfg: cfg, log: cfg.Log, sessions: map[*session]struct{}{},
		conns: &connLimiter{max: cfg.MaxConnections, start: cmp.Or(cfg.startTimeout, startTimeout), log: cfg.Log,
			pre: preAuthLimits{max: cmp.Or(cfg.preAuth.max, MaxPreAuth),
				perSource: cmp.Or(cfg.preAuth.perSource, MaxPreAuthPerSource),
				grace:     cmp.Or(cfg.preAuth.grace, preAuthGrace), wait: cmp.Or(cfg.preAuth.wait, preAuthWait)}}}
	signer, created, err := loadHostKey(cfg.HostKeyPath)
	if err != nil {
		return nil, err
	}
	s.interval.Store(int64(cfg.FrameInterval))
	s.HostKeyFingerprint = gossh.FingerprintSHA256(signer.PublicKey())
	if created {
		s.log.Info("generated a new host key", "file", cfg.HostKeyPath, "fingerprint", s.HostKeyFingerprint)
	}
	if !cfg.AllowAnyKey {
		if s.keys, err = newAuthorizedKeys(cfg.AuthorizedKeys, s.log); err != nil {
			return nil, err
		}
	}
	s.srv = &ssh.Server{
		Addr:    cfg.Addr,
		Version: "deskwatch",
		// The key exchange and logging in, together.
		HandshakeTimeout:     cmp.Or(cfg.preAuthTimeout, DefaultPreAuthTimeout),
		ServerConfigCallback: s.conns.serverConfig,
		// Only public keys: with no password or keyboard-interactive handler those methods are
		// refused by the protocol layer itself.
		PublicKeyHandler:         s.authorize,
		Handler:                  s.handle,
		ConnectionFailedCallback: s.connectionFailed,
		ConnCallback:             s.conns.accept,
		// Only session channels, each behind the request caps (limits.go); no forwarding.
		ChannelHandlers: map[string]ssh.ChannelHandler{"session": s.sessionChannel},
	}
	// An emulated PTY: no OS pseudo-terminal per session; the program writes to the channel and
	// is sized from the PTY request and its window changes.
	if err := s.srv.SetOption(ssh.EmulatePty()); err != nil {
		return nil, fmt.Errorf("sshserve: %w", err)
	}
	s.srv.AddHostKey(signer)
	return s, nil
}

// authorize is the public key handler: the key must be listed (unless AllowAnyKey).
func (s *Server) authorize(ctx ssh.Context, key ssh.PublicKey) bool {
	if s.keys == nil {
		return true
	}
	ok, why := s.keys.Allowed(key, ctx.RemoteAddr())
	if !ok {
		s.log.Info("key refused", "user", ctx.User(), "remote", ctx.RemoteAddr().String(),
			"key", gossh.FingerprintSHA256(key), "why", why)
	}
	return ok
}

func (s *Server) connectionFailed(conn net.Conn, err error) {
	s.log.Info("connection refused", "remote", conn.RemoteAddr().String(), "err", err)
}

// ReloadKeys re-reads the authorized keys file now (on SIGUSR1); it is also re-read by itself when
// it changes. With AllowAnyKey it does nothing.
func (s *Server) ReloadKeys() error {
	if s.keys == nil {
		return nil
	}
	return s.keys.Reload()
}

// Panics reports how many sessions were ended by an internal error (a panic) so far.
func (s *Server) Panics() int64 { return s.panics.Load() }

// Sessions reports how many sessions are open.
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sessions)
}

// ListenAndServe listens on the configured address and serves until ctx ends, then shuts down
// gracefully: every session is told the server is stopping and closed. It returns nil after a
// shutdown.
func (s *Server) ListenAndServe(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	return s.Serve(ctx, ln)
}

// Serve serves on ln (which it closes) until ctx ends, like ListenAndServe: it stops accepting,
// asks every session to say goodbye and end, and waits up to the grace period for clients to
// disconnect before closing whatever is left.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	s.log.Info("listening", "addr", ln.Addr().String(), "host_key", s.HostKeyFingerprint,
		"max_sessions", s.cfg.MaxSessions, "max_connections", s.cfg.MaxConnections, "max_pending", s.cfg.MaxPending, "allow_any_key", s.cfg.AllowAnyKey)
	go s.paceFrames(ctx)
	err := serve.Run(ctx, ln, s.srv, serve.Options{Timeout: s.cfg.ShutdownGrace, Stop: s.stopSessions,
		Closed: func(err error) bool { return errors.Is(err, ssh.ErrServerClosed) }})
	switch {
	case errors.Is(err, serve.ErrCut):
		s.log.Warn("clients still connected after the grace period: closing them", "err", err)
		return nil
	case err != nil:
		return fmt.Errorf("ssh server: %w", err)
	}
	return nil
}

// stopSessions turns new sessions away, asks every session to say goodbye and end, and waits up to
// the grace period for them to.
func (s *Server) stopSessions() {
	s.mu.Lock()
	s.stopping = true
	open := make([]*session, 0, len(s.sessions))
	for v := range s.sessions {
		open = append(open, v)
	}
	s.mu.Unlock()
	s.log.Info("shutting down", "sessions", len(open))
	for _, v := range open {
		v.stop(endShutdown)
	}
	done := make(chan struct{})
	go func() { s.handlers.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(s.cfg.ShutdownGrace):
		s.log.Warn("sessions still ending after the grace period")
	}
}

// admit registers a new session, or says why it cannot run.
func (s *Server) admit(v *session) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.stopping:
		return errors.New("the server is shutting down")
	case len(s.sessions) >= s.cfg.MaxSessions:
		return fmt.Errorf("the server is full (%d sessions); try again later", s.cfg.MaxSessions)
	}
	s.sessions[v] = struct{}{}
	s.handlers.Add(1)
	return nil
}

func (s *Server) release(v *session) {
	s.mu.Lock()
	delete(s.sessions, v)
	s.mu.Unlock()
	s.handlers.Done()
}
