package sshserve

import (
	"log/slog"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// requestFilter stands between a session channel's requests and the SSH library: it passes on
// what a monitor session needs (a few env variables, one pty-req, one shell or exec, window
// changes at a bounded rate) and refuses the rest; a session that keeps sending refused requests,
// or asks for no shell within startTimeout, is closed.
type requestFilter struct {
	conn    gossh.Conn
	out     chan<- *gossh.Request
	running <-chan struct{} // closed when the session's program runs (see runningChannel)
	log     *slog.Logger
	start   time.Duration // startTimeout, shorter in tests

	envVars, envBytes int
	pty, started      bool
	runs              bool // running was closed: window changes may reach the session
	refused           int
	closed            bool

	pendingWin *gossh.Request // a window change held back by the rate or until the shell starts
	lastWin    time.Time
	winTimer   *time.Timer
}

// run filters in until it closes (the channel ended), then closes out.
func (f *requestFilter) run(in <-chan *gossh.Request) {
	defer close(f.out)
	start := time.NewTimer(f.start)
	defer start.Stop()
	f.winTimer = time.NewTimer(time.Hour)
	f.winTimer.Stop()
	defer f.winTimer.Stop()
	for !f.closed {
		select {
		case req, ok := <-in:
			if !ok {
				return
			}
			f.handle(req)
		case <-f.running:
			f.running, f.runs = nil, true
			f.flushWindow()
		case <-f.winTimer.C:
			f.flushWindow()
		case <-start.C:
			if !f.started {
				f.close("no shell requested", "after", f.start)
			}
		}
	}
	// Closed by us: drain what the library still delivers so it is not blocked.
	for req := range in {
		f.refuse(req)
	}
}

func (f *requestFilter) handle(req *gossh.Request) {
	switch req.Type {
	case "env":
		f.env(req)
	case "pty-req":
		if f.pty || f.started {
			f.refuse(req)
			return
		}
		f.pty = true
		f.out <- req
	case "shell", "exec":
		if f.started {
			f.refuse(req)
			return
		}
		f.started = true
		f.out <- req
	case "window-change":
		f.window(req)
	case "keepalive@openssh.com":
		f.reply(req, false) // any answer shows we are alive; not counted, however long the session
	default: // subsystem, signal, break, agent forwarding, x11, anything else: not for a monitor
		f.refuse(req)
	}
}

// env passes on up to maxEnvVars variables of at most maxEnvBytes in all, before the shell.
func (f *requestFilter) env(req *gossh.Request) {
	var kv struct{ Key, Value string }
	if err := gossh.Unmarshal(req.Payload, &kv); err != nil || f.started {
		f.refuse(req)
		return
	}
	size := len(kv.Key) + len(kv.Value) + 1
	if f.envVars >= maxEnvVars || f.envBytes+size > maxEnvBytes {
		f.refuse(req)
		return
	}
	f.envVars++
	f.envBytes += size
	f.out <- req
}

// window passes on a window change, or holds it (the newest replacing an older one) until the
// session runs and windowChangeGap has passed since the last one.
func (f *requestFilter) window(req *gossh.Request) {
	if f.pendingWin != nil {
		f.reply(f.pendingWin, false) // superseded
	}
	f.pendingWin = req
	if !f.runs {
		return
	}
	if wait := windowChangeGap - time.Since(f.lastWin); wait > 0 {
		f.winTimer.Reset(wait)
		return
	}
	f.flushWindow()
}

func (f *requestFilter) flushWindow() {
	if f.pendingWin == nil || !f.runs {
		return
	}
	req := f.pendingWin
	f.pendingWin = nil
	f.lastWin = time.Now()
	f.out <- req
}

// refuse answers no and counts; past maxRefused the session is closed.
func (f *requestFilter) refuse(req *gossh.Request) {
	f.reply(req, false)
	if f.closed {
		return
	}
	f.refused++
	if f.refused > maxRefused {
		f.close("too many refused requests", "refused", f.refused, "last", req.Type,
			"env_vars", f.envVars, "env_bytes", f.envBytes)
	}
}

func (f *requestFilter) reply(req *gossh.Request, ok bool) {
	if req.WantReply {
		_ = req.Reply(ok, nil)
	}
}

// close ends the client's connection (only an abusive or broken client gets here) and logs why.
func (f *requestFilter) close(why string, attrs ...any) {
	f.closed = true
	f.log.Warn("closing a session and its connection: "+why, attrs...)
	_ = f.conn.Close()
}
