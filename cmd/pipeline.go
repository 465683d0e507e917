package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/deskwatch/deskwatch/feed"
	"github.com/deskwatch/deskwatch/internal/guard"
	"github.com/deskwatch/deskwatch/model"
	"github.com/deskwatch/deskwatch/travel"
)

// pipeline is one feed: a source, the store it fills, the pump between them and the notifier that
// tells viewers about changes. The TUI, --print and the SSH server all build one.
type pipeline struct {
	src      feed.Source
	store    *model.Store
	pump     *feed.Pump
	notifier *feed.Notifier
	rec      *feed.Recorder // nil without --record
	// history is what the feed has applied, for the viewers' time travel: nil in batch mode and
	// with --history 0.
	history travel.History
	closers []io.Closer
	log     *slog.Logger
	profile *profileFlags // --memprofile is written on Close, while the store is alive
	// crash catches a panic in the pipeline's own goroutines (the source, the notifier): the
	// monitor then ends with exit status 2, the server logs it and keeps serving the last state.
	crash *guard.Catcher
}

// newPipeline opens the source named by arg and wires it to a new store.
func newPipeline(o *options, arg string, stdin io.Reader, log *slog.Logger) (*pipeline, error) {
	src, err := openSource(o, arg, stdin)
	if err != nil {
		return nil, err
	}
	storeOpts := []model.Option{model.WithRetention(o.retention), model.WithKPILimits(o.settings.kpi()),
		model.WithMaxHeld(o.maxHeld)}
	p := &pipeline{src: src, store: model.NewStore(storeOpts...),
		notifier: feed.NewNotifier(), log: log, profile: &o.profile}
	p.crash = guard.NewCatcher(func(c *guard.Panic) { logPanic(log, c) })
	p.pump = feed.NewPump(p.store, p.notifier)
	// A panic applying one event skips it as a located rejection; the stack goes to the log.
	p.pump.OnPanic(func(or model.Origin, v any, stack []byte) {
		log.Error("internal error applying an event: it was skipped", "origin", or.String(), "panic", v,
			"events_skipped", p.pump.Panics(), "stack", string(stack))
	})
	if c, ok := src.(io.Closer); ok {
		p.closers = append(p.closers, c)
	}
	if err := p.keepHistory(o, arg, storeOpts); err != nil {
		p.Close()
		return nil, err
	}
	if o.record != "" {
		rec, err := feed.NewRecorder(o.record)
		if err != nil {
			p.Close()
			return nil, fmt.Errorf("--record: %w", err)
		}
		p.pump.Tap(rec.Record)
		p.rec = rec // closed first by Close
	}
	return p, nil
}

// start runs the source and the notifier until ctx ends; done receives the source's result.
func (p *pipeline) start(ctx context.Context) <-chan error {
	done := make(chan error, 1)
	go func() {
		defer p.crash.Recover("the change notifier")
		p.notifier.Run(ctx, feed.DefaultInterval)
	}()
	go func() {
		defer func() {
			if r := recover(); r != nil {
				p.crash.Record("the feed", r, debug.Stack())
				p.notifier.Changed()
				done <- fmt.Errorf("internal error in the feed: %v", r)
			}
		}()
		err := p.src.Run(ctx, p.pump.Handle)
		if err != nil && !errors.Is(err, context.Canceled) {
			p.log.Error("source stopped", "err", err)
		}
		p.notifier.Changed()
		done <- err
	}()
	return done
}

// status is the source's status, or "stopped" once the feed's goroutine has panicked (the server
// keeps showing the last good state).
func (p *pipeline) status() feed.Status {
	st := p.src.Status()
	if pc := p.crash.Panic(); pc != nil {
		st.State, st.Detail = feed.StateStopped, "internal error: "+model.Sanitize(fmt.Sprint(pc.Value))
	}
	return st
}

// Close writes the --memprofile heap profile (while the store still holds everything), then
// flushes and closes the recorder and the source. The recording ends at the source's clock (a
// replay's event time, else the wall clock), the time its receive times are in: a replay recorded
// and quit ended at the wall clock, and its replay showed the open interactions years long.
func (p *pipeline) Close() error {
	if p.profile != nil {
		p.profile.heapProfile()
	}
	var errs []error
	if p.rec != nil {
		errs = append(errs, p.rec.CloseAt(time.UnixMilli(p.src.Now().UnixMilli())))
	}
	for i := len(p.closers) - 1; i >= 0; i-- {
		errs = append(errs, p.closers[i].Close())
	}
	return errors.Join(errs...)
}
