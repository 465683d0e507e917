package sshserve

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/deskwatch/deskwatch/model"
)

// What the server says to a viewer's terminal, outside the program: every line sanitized, and
// the usage errors a viewer's command gets.

// say writes one line for the viewer after the program's last output, sanitized: it may quote
// what the viewer sent (their arguments), and their own escapes must not reach their terminal.
func (v *session) say(line string) {
	if v.out != nil {
		_, _ = v.out.Write([]byte(model.Sanitize(line) + "\n"))
	}
}

// sayErr writes one line on the session's standard error, where no program output goes, sanitized
// like say's. A client that does not take even that within the write timeout is dropped.
func (v *session) sayErr(line string) { v.sayTo(v.sess.Stderr(), line) }

// sayTo writes text, its lines sanitized like say's, to w (the session's output or its standard
// error), each ended with CR LF on a terminal (the client's is raw while ssh -t runs), else LF,
// and on a terminal wrapped at spaces to its width (the client's would break words). A client
// that does not take it within the write timeout is dropped.
func (v *session) sayTo(w io.Writer, text string) {
	dog := time.AfterFunc(v.srv.cfg.WriteTimeout, func() {
		v.dropStalled(fmt.Sprintf("the client accepted no output for %s", v.srv.cfg.WriteTimeout))
	})
	defer dog.Stop()
	end, width := "\n", 0
	if p, _, pty := v.sess.Pty(); pty {
		end, width = "\r\n", p.Window.Width
	}
	var b strings.Builder
	for line := range strings.SplitSeq(text, "\n") {
		line = model.Sanitize(line)
		if width > 0 {
			line = strings.ReplaceAll(ansi.Wrap(line, width, ""), "\n", end)
		}
		b.WriteString(line + end)
	}
	_, _ = io.WriteString(w, b.String())
}

// Usage is an error NewModel returns to answer a viewer who asked for help (ssh -t HOST --
// --help): its text is written to the session's output and the session exits with status 0.
type Usage string

func (u Usage) Error() string { return string(u) }

// BadUsage is an error NewModel returns when the viewer's command is wrong (an unknown flag, a
// theme the server does not have, a filter that does not parse): it is shown to the viewer as any
// other error is, and the session exits with status 2, as the monitor does for a usage error.
type BadUsage struct{ Err error }

func (b BadUsage) Error() string { return b.Err.Error() }
func (b BadUsage) Unwrap() error { return b.Err }

// answerArgs answers what is wrong with the viewer's command, or its asking for help, and returns
// the session's exit status: 0 after a Usage's text, 2 for a BadUsage, else 1 for another error (a
// model that could not be built); ok is false for no error at all.
func (v *session) answerArgs(log *slog.Logger, err error) (status int, ok bool) {
	var usage Usage
	switch {
	case err == nil:
		return 0, false
	case errors.As(err, &usage):
		v.sayTo(v.sess, string(usage))
		return 0, true
	}
	log.Info("session could not start", "err", err)
	v.sayErr("deskwatch: " + err.Error())
	if errors.As(err, new(BadUsage)) {
		return 2, true
	}
	return 1, true
}
