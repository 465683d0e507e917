package cmd

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/deskwatch/deskwatch/feed"
	"github.com/deskwatch/deskwatch/themes"
	"github.com/deskwatch/deskwatch/ui"
)

// runTUI runs the full-screen monitor until the user quits.
func runTUI(ctx context.Context, o *options, arg string, stdin io.Reader, stdout io.Writer,
	theme themes.Theme, log *slog.Logger) error {
	events, keys := stdin, stdin
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
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	p.start(ctx)
	sub, unsubscribe := p.notifier.Subscribe()
	defer unsubscribe()
	c := newCommon(p, theme, o)
	prog := tea.NewProgram(ui.New(c, sub), tea.WithContext(ctx), tea.WithInput(keys), tea.WithOutput(stdout))
	_, err = prog.Run()
	if err != nil && ctx.Err() == nil {
		return fmt.Errorf("terminal: %w", err)
	}
	return nil
}

// newCommon builds one viewer's shared context over a pipeline.
func newCommon(p *pipeline, theme themes.Theme, o *options) *ui.Common {
	c := &ui.Common{
		Styles:  ui.NewStyles(theme),
		Keys:    o.settings.keys,
		Store:   p.store,
		Status:  p.src.Status,
		Now:     p.src.Now,
		Wall:    time.Now,
		Filter:  o.filter,
		Columns: o.settings.cfg.Columns,
		Alerts:  o.settings.cfg.Alerts,
		Bell:    o.bell,
	}
	if ctl, ok := p.src.(feed.Controller); ok {
		c.Control = ctl
	}
	return c
}
