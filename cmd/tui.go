package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/deskwatch/deskwatch/feed"
	"github.com/deskwatch/deskwatch/internal/guard"
	"github.com/deskwatch/deskwatch/model"
	"github.com/deskwatch/deskwatch/themes"
	"github.com/deskwatch/deskwatch/ui"
)

// runTUI runs the full-screen monitor until the user quits.
func runTUI(ctx context.Context, o *options, arg string, stdin io.Reader, stdout io.Writer,
	theme themes.Theme, log *slog.Logger) error {
	events, keys := stdin, stdin
	if w, ok := stdin.(io.Writer); ok && arg == "-" && isTerminal(w) {
		// The terminal would be read for both: keys typed would be taken for events, and nothing
		// would quit.
		return errors.New("-: standard input is the terminal; pipe the events in " +
			"(cat events.jsonl | deskwatch -), or name the file (deskwatch events.jsonl)")
	}
	if arg == "-" {
		// Events come on stdin, so keys must come from the terminal itself.
		tty, err := os.Open("/dev/tty")
		if err != nil {
			return fmt.Errorf("reading events from stdin needs a terminal for the keys (or use --print): %w", err)
		}
		defer tty.Close()
		keys = tty
	}
	return runTUIWith(ctx, o, arg, events, keys, stdout, theme, log)
}

func runTUIWith(ctx context.Context, o *options, arg string, events io.Reader, keys io.Reader,
	stdout io.Writer, theme themes.Theme, log *slog.Logger) error {
	p, err := newPipeline(o, arg, events, log)
	if err != nil {
		return err
	}
	defer p.Close()
	if in, ok := keys.(io.Writer); !ok || !isTerminal(in) || !isTerminal(stdout) {
		return errors.New("the monitor needs a terminal to draw on and read keys from; " +
			"for a table on standard output use --print")
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	p.start(ctx)
	sub, unsubscribe := p.notifier.Subscribe()
	defer unsubscribe()
	c := newCommon(p, theme, o, false)
	// A panic in the model (Init, Update, View, its commands) or in the pipeline's goroutines is
	// caught: the program is ended the normal way, which restores the terminal, and the run fails
	// with one line (the stack goes to the log). Bubble Tea's own recovery (not turned off with
	// WithoutCatchPanics) stays as the last resort for its internals: it restores the terminal too,
	// but prints its stack on stderr, and it never covers goroutines of ours.
	var inner tea.Model = ui.New(c, sub)
	if o.wrapModel != nil {
		inner = o.wrapModel(inner)
	}
	m := guard.Model(inner, p.crash)
	prog := tea.NewProgram(m, tea.WithContext(ctx), tea.WithInput(keys), tea.WithOutput(stdout))
	go func() {
		select {
		case <-p.crash.Done():
			prog.Quit()
		case <-ctx.Done():
		}
	}()
	_, err = prog.Run()
	if pc := p.crash.Panic(); pc != nil {
		return crashError(pc, o.logFile)
	}
	if err != nil && ctx.Err() == nil {
		return fmt.Errorf("terminal: %w", err)
	}
	return nil
}

// crashError is the one line a crash leaves on stderr, once the terminal is restored; the stack
// is in the --log file.
func crashError(pc *guard.Panic, logFile string) error {
	where := "run with --log FILE to record the stack"
	if logFile != "" {
		where = "the stack is in " + logFile
	}
	return fmt.Errorf("deskwatch stopped on an internal error in %s: %s (%s)", pc.Where,
		strings.Join(strings.Fields(model.Sanitize(fmt.Sprint(pc.Value))), " "), where)
}

// newCommon builds one viewer's shared context over a pipeline. A read-only viewer (an SSH session)
// may neither pace the shared replay nor write export files on the server.
func newCommon(p *pipeline, theme themes.Theme, o *options, readOnly bool) *ui.Common {
	ctl, canControl := p.src.(feed.Controller)
	c := ui.NewCommon(ui.NewStyles(theme), o.settings.keys, p.store,
		ui.Capabilities{ReadOnly: readOnly, CanExport: true, CanControlReplay: canControl})
	c.Status, c.Now = p.status, p.src.Now
	c.History = p.history // nil without one: the travel keys say so
	if c.Caps.CanControlReplay {
		c.Control = ctl
	}
	if r, ok := p.src.(feed.Retrier); ok && !readOnly {
		c.Retry = r
	}
	c.Filter, c.Columns = o.filter, o.settings.cfg.Columns
	c.Alerts, c.Bell = o.settings.cfg.Alerts, o.bell
	c.Wallboard = o.wallboard
	return c
}
