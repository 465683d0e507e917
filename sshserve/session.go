package sshserve

import (
	"fmt"
	"io"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/ssh"
	"charm.land/wish/v2/bubbletea"
	gossh "golang.org/x/crypto/ssh"

	"github.com/deskwatch/deskwatch/internal/guard"
)

// Messages a viewer may read on the way out. One line each, on the session's terminal.
const (
	msgNoPTY    = "deskwatch needs a terminal: use ssh -t (or -tt when ssh's own input is not a terminal)"
	msgShutdown = "deskwatch: the server is shutting down. Goodbye."
	msgPanic    = "deskwatch: internal error, session ended."
)

// A session's frame is capped at this size whatever the client claims, so one client cannot make
// the server hold an enormous screen.
const (
	maxWidth  = 512
	maxHeight = 256
)

// endReason says why a session ended; the first reason recorded wins.
type endReason int32

const (
	endNone     endReason = iota
	endQuit               // the viewer pressed the quit key
	endShutdown           // the server is stopping
	endIdle               // no key press or resize within the idle timeout
	endGone               // the client closed its side (its terminal or ssh ended)
	endStalled            // the client stopped reading and was dropped
	endNoModel            // the model could not be built (e.g. a bad argument)
	endPanic              // the session's program panicked (a bug); the server goes on
)

func (r endReason) String() string {
	return [...]string{"running", "quit", "shutdown", "idle", "client closed", "stalled", "could not start",
		"internal error"}[r]
}

// session is one viewer: its program, why it ended, and its timers. Everything else a viewer owns
// (cursor, filter, sort, theme) lives in its model.
type session struct {
	srv    *Server
	sess   ssh.Session
	viewer Viewer
	start  time.Time

	prog      atomic.Pointer[tea.Program]
	reason    atomic.Int32
	lastInput atomic.Int64 // unix nanoseconds of the last key press or resize
	out       *outbox      // the program's output; nil until the program is made
	paced     *pacedModel  // draws the program's frames; nil until the program is made
	// changedAt is when the first store change not yet shown reached the session (unix
	// nanoseconds), 0 when the frame shows them all.
	changedAt atomic.Int64
	// lastChange is when the latest store change reached the session (unix nanoseconds).
	lastChange atomic.Int64

	// done is closed when the program has ended; it closes the model's change channel.
	done chan struct{}

	mu          sync.Mutex
	idle        *time.Timer
	ended       bool
	unsubscribe func()
	modelErr    error
}

// handle is the server's session handler. A panic anywhere in the session (a bug) ends only this
// session: it is logged with its stack, the viewer is told, and the server and every other session
// go on.
func (s *Server) handle(sess ssh.Session) {
	var v *session
	defer func() {
		if r := recover(); r != nil {
			s.sessionPanicked(v, sess, r, debug.Stack())
		}
	}()
	v = newSession(s, sess)
	_ = sess.Exit(v.run())
}

// sessionPanicked ends a session whose handler panicked.
func (s *Server) sessionPanicked(v *session, sess ssh.Session, r any, stack []byte) {
	s.logPanic([]any{"user", sess.User(), "remote", sess.RemoteAddr().String()}, r, stack)
	if v != nil {
		v.reason.CompareAndSwap(int32(endNone), int32(endPanic))
		v.cleanup()
		if v.out != nil {
			if v.paced != nil {
				_, _ = v.out.Write(v.paced.restore())
			}
			v.out.Close(s.cfg.WriteTimeout)
		}
	}
	line := []byte("\r\n" + msgPanic + "\r\n")
	dog := time.AfterFunc(s.cfg.WriteTimeout, func() {
		if c, ok := sess.Context().Value(ssh.ContextKeyConn).(io.Closer); ok {
			_ = c.Close()
		}
	})
	defer dog.Stop()
	_, _ = sess.Stderr().Write(line)
	_ = sess.Exit(1)
}

func newSession(s *Server, sess ssh.Session) *session {
	v := &session{srv: s, sess: sess, start: time.Now(), done: make(chan struct{})}
	pty, _, _ := sess.Pty()
	env := sess.Environ()
	if pty.Term != "" {
		env = append(env, "TERM="+pty.Term)
	}
	v.viewer = Viewer{User: sess.User(), RemoteAddr: sess.RemoteAddr().String(), Args: sess.Command(),
		Environ: env, Width: pty.Window.Width, Height: pty.Window.Height}
	if k := sess.PublicKey(); k != nil {
		v.viewer.Fingerprint = gossh.FingerprintSHA256(k)
	}
	return v
}

// run serves the session and returns its exit status.
func (v *session) run() int {
	log := v.srv.log.With("user", v.viewer.User, "remote", v.viewer.RemoteAddr, "key", v.viewer.Fingerprint)
	if _, _, ok := v.sess.Pty(); !ok {
		if check := v.srv.cfg.CheckArgs; check != nil { // --help needs no terminal, and a wrong command says so
			if status, ok := v.answerArgs(log, check(v.viewer)); ok {
				return status
			}
		}
		log.Info("session refused", "reason", "no terminal")
		v.sayErr(msgNoPTY)
		return 1
	}
	if err := v.srv.admit(v); err != nil {
		log.Info("session refused", "reason", err)
		v.sayErr("deskwatch: " + err.Error())
		return 1
	}
	defer v.srv.release(v)
	log.Info("connect", "term", v.viewer.Getenv("TERM"),
		"size", fmt.Sprintf("%dx%d", v.viewer.Width, v.viewer.Height), "args", v.viewer.Args)
	// wish's middleware runs the program, forwards window changes and quits the program when the
	// connection goes.
	bubbletea.MiddlewareWithProgramHandler(v.newProgram)(func(ssh.Session) {})(v.sess)
	// Nothing else stopped the program: either the connection went (the middleware quits the
	// program when the session's context ends) or the model quit on the viewer's key.
	if v.sess.Context().Err() != nil {
		v.reason.CompareAndSwap(int32(endNone), int32(endGone))
	}
	v.reason.CompareAndSwap(int32(endNone), int32(endQuit))
	v.cleanup()
	if v.paced != nil && v.out != nil {
		// The program has ended: no frame follows. Put the client's terminal back.
		_, _ = v.out.Write(v.paced.restore())
	}
	reason := endReason(v.reason.Load())
	switch reason {
	case endShutdown:
		v.say(msgShutdown)
	case endIdle:
		v.say(fmt.Sprintf("deskwatch: closed after %s without input.", v.srv.cfg.IdleTimeout))
	case endPanic:
		v.say(msgPanic)
	}
	attrs := []any{"reason", reason, "duration", time.Since(v.start).Round(time.Millisecond)}
	if v.out != nil {
		v.out.Close(v.srv.cfg.WriteTimeout)
		sent, peak := v.out.stats()
		attrs = append(attrs, "sent_bytes", sent, "pending_peak", peak)
	}
	log.Info("disconnect", attrs...)
	switch reason {
	case endNoModel:
		status, _ := v.answerArgs(log, v.modelErr)
		return status
	case endPanic:
		return 1
	}
	return 0
}

// newProgram is wish's program handler: it subscribes to the store's changes and builds the
// session's model and program. A nil program (the model could not be built) skips the middleware.
func (v *session) newProgram(sess ssh.Session) *tea.Program {
	changes, unsubscribe := v.srv.cfg.Subscribe()
	v.mu.Lock()
	v.unsubscribe = unsubscribe
	v.mu.Unlock()
	var modelChanges <-chan struct{}
	if v.srv.cfg.ChangeMsg == nil {
		modelChanges = relay(changes, v.done, v.noteChange)
	}
	model, err := v.srv.cfg.NewModel(v.viewer, modelChanges)
	if err != nil {
		v.modelErr = err
		v.stop(endNoModel)
		return nil
	}
	// A panic in the model's Init, Update, View or commands ends this session only.
	model = guard.Model(model, guard.NewCatcher(v.modelPanicked))
	w, h := clampSize(v.viewer.Width, v.viewer.Height)
	v.out = newOutbox(sess, v.srv.cfg.MaxPending, v.srv.cfg.WriteTimeout, v.dropStalled)
	v.paced = newPacedModel(model, v, w, h)
	// MakeOptions gives the colour profile from the client's TERM, COLORTERM and NO_COLOR (which
	// wins over the others) and the environment; the options after it wrap input and output and
	// replace its filter.
	opts := append(bubbletea.MakeOptions(sess),
		tea.WithInput(activityReader{r: sess, v: v}),
		tea.WithOutput(v.out),
		// No size of the program's own: it would send it from a goroutine of its own, which can
		// deliver it after a window change the client sent early (held until the session runs,
		// limits.go), leaving the session at the stale first size. The model gets the first size
		// in the paced model's Init, then the client's, in the order sent; an empty one is dropped
		// (filter).
		tea.WithWindowSize(0, 0),
		tea.WithFilter(v.filter),
		// The server's SIGINT/SIGTERM belong to the server, which says goodbye to every session.
		tea.WithoutSignalHandler(),
		// The session draws its own frames (pace.go, screen.go); what the program still writes
		// itself (the bell) goes out within a quarter of a second.
		tea.WithoutRenderer(),
		tea.WithFPS(4),
	)
	p := tea.NewProgram(v.paced, opts...)
	v.prog.Store(p)
	if v.srv.cfg.ChangeMsg != nil {
		go v.watchChanges(changes)
	}
	if v.reason.Load() != int32(endNone) {
		go p.Quit() // stopped while being built
	}
	v.touch()
	v.armIdle()
	return p
}

// logPanic counts a panic that ended a session and logs it, after who the session was (key-value
// pairs), with its value and stack.
func (s *Server) logPanic(who []any, value any, stack []byte) {
	s.panics.Add(1)
	s.log.Error("session ended by an internal error (a bug): please report it with this stack",
		append(who, "panic", value, "stack", string(stack))...)
}

// modelPanicked logs a panic of the session's model and ends the session.
func (v *session) modelPanicked(p *guard.Panic) {
	v.srv.logPanic([]any{"user", v.viewer.User, "remote", v.viewer.RemoteAddr, "key", v.viewer.Fingerprint,
		"where", p.Where}, p.Value, p.Stack)
	v.stop(endPanic)
}

// filter adjusts messages before the model sees them.
func (v *session) filter(_ tea.Model, msg tea.Msg) tea.Msg {
	switch m := msg.(type) {
	case tea.WindowSizeMsg:
		if m.Width == 0 && m.Height == 0 {
			return nil // the ended session's window-change channel, closed
		}
		v.touch()
		m.Width, m.Height = clampSize(m.Width, m.Height)
		return m
	case tea.SuspendMsg:
		return tea.ResumeMsg{} // ctrl+z must not stop the server process
	}
	return msg
}

// stop asks the session to end for reason r; only the first reason counts.
func (v *session) stop(r endReason) {
	if !v.reason.CompareAndSwap(int32(endNone), int32(r)) {
		return
	}
	if p := v.prog.Load(); p != nil {
		go p.Quit() // Quit blocks until the program takes it; never hold up the caller
	}
}

// cleanup ends the subscription and the idle timer once the program is done.
func (v *session) cleanup() {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.ended {
		return
	}
	v.ended = true
	close(v.done)
	if v.idle != nil {
		v.idle.Stop()
	}
	if v.unsubscribe != nil {
		v.unsubscribe()
	}
}

func (v *session) touch() { v.lastInput.Store(time.Now().UnixNano()) }

// armIdle starts the idle timer when an idle timeout is set.
func (v *session) armIdle() {
	d := v.srv.cfg.IdleTimeout
	if d <= 0 {
		return
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if !v.ended {
		v.idle = time.AfterFunc(d, v.checkIdle)
	}
}

// checkIdle ends the session if the viewer has been idle for the whole timeout, and otherwise
// re-arms for the time left.
func (v *session) checkIdle() {
	d := v.srv.cfg.IdleTimeout
	since := time.Since(time.Unix(0, v.lastInput.Load()))
	if since >= d {
		v.stop(endIdle)
		return
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if !v.ended {
		v.idle = time.AfterFunc(d-since, v.checkIdle)
	}
}

// dropStalled closes the connection of a client that has stopped reading: its pending output
// reached the limit, or it accepted nothing for the write timeout. Closing the connection, not
// just the channel, is what unblocks a write stuck on a full TCP buffer; the server's memory for
// this client stops at what is already queued.
func (v *session) dropStalled(why string) {
	v.srv.log.Warn("dropping a stalled client", "user", v.viewer.User, "remote", v.viewer.RemoteAddr,
		"key", v.viewer.Fingerprint, "why", why)
	v.stop(endStalled)
	if c, ok := v.sess.Context().Value(ssh.ContextKeyConn).(io.Closer); ok {
		_ = c.Close()
	}
}

// clampSize caps a terminal's size, and gives a client that sent none (ssh -tt without a local
// terminal sends 0x0) the classic 80x24.
func clampSize(w, h int) (int, int) {
	if w <= 0 {
		w = 80
	}
	if h <= 0 {
		h = 24
	}
	return min(w, maxWidth), min(h, maxHeight)
}

// activityReader is the program's input: it notes the time of each read for the idle timeout and
// ends the session when the client closes its side.
type activityReader struct {
	r io.Reader
	v *session
}

func (a activityReader) Read(p []byte) (int, error) {
	n, err := a.r.Read(p)
	if n > 0 {
		a.v.touch()
	}
	if err != nil {
		a.v.stop(endGone)
	}
	return n, err
}
