package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/deskwatch/deskwatch/feed"
	"github.com/deskwatch/deskwatch/model"
)

// pipeline is one feed: a source, the store it fills, the pump between them and the notifier that
// tells viewers about changes. The TUI, --print and the SSH server all build one.
type pipeline struct {
	src      feed.Source
	store    *model.Store
	pump     *feed.Pump
	notifier *feed.Notifier
	rec      *feed.Recorder // nil without --record
	closers  []io.Closer
	log      *slog.Logger
	profile  *profileFlags // --memprofile is written on Close, while the store is alive
}

// newPipeline opens the source named by arg and wires it to a new store.
func newPipeline(o *options, arg string, stdin io.Reader, log *slog.Logger) (*pipeline, error) {
	src, err := openSource(o, arg, stdin)
	if err != nil {
		return nil, err
	}
	p := &pipeline{src: src, store: model.NewStore(model.WithRetention(o.retention)),
		notifier: feed.NewNotifier(), log: log, profile: &o.profile}
	p.pump = feed.NewPump(p.store, p.notifier)
	if c, ok := src.(io.Closer); ok {
		p.closers = append(p.closers, c)
	}
	if o.record != "" {
		rec, err := feed.NewRecorder(o.record)
		if err != nil {
			p.Close()
			return nil, fmt.Errorf("--record: %w", err)
		}
		p.pump.Tap(rec.Record)
		p.rec = rec
		p.closers = append(p.closers, rec)
	}
	return p, nil
}

// start runs the source and the notifier until ctx ends; done receives the source's result.
func (p *pipeline) start(ctx context.Context) <-chan error {
	done := make(chan error, 1)
	go p.notifier.Run(ctx, feed.DefaultInterval)
	go func() {
		err := p.src.Run(ctx, p.pump.Handle)
		if err != nil && !errors.Is(err, context.Canceled) {
			p.log.Error("source stopped", "err", err)
		}
		p.notifier.Changed()
		done <- err
	}()
	return done
}

// Close writes the --memprofile heap profile (while the store still holds everything), then
// flushes and closes the recorder and the source.
func (p *pipeline) Close() error {
	if p.profile != nil {
		p.profile.heapProfile()
	}
	var errs []error
	for i := len(p.closers) - 1; i >= 0; i-- {
		errs = append(errs, p.closers[i].Close())
	}
	return errors.Join(errs...)
}

// run is the root command: the TUI, or batch mode with --print.
func run(ctx context.Context, o *options, arg string, stdin io.Reader, stdout, stderr io.Writer) error {
	log, closeLog, err := openLog(o.logFile)
	if err != nil {
		return err
	}
	defer closeLog()
	stopProfile, err := o.profile.start(log)
	if err != nil {
		return err
	}
	defer stopProfile()
	// The theme is checked in batch mode too, so a typo in a script's flags fails the same way.
	theme, err := o.settings.theme(o.theme, os.Getenv)
	if err != nil {
		return err
	}
	if o.print {
		return runPrint(ctx, o, arg, stdin, stdout, stderr, log)
	}
	return runTUI(ctx, o, arg, stdin, stdout, theme, log)
}

// openLog opens the debug log; without a file, logs are discarded (never written to the terminal
// the TUI owns).
func openLog(path string) (*slog.Logger, func(), error) {
	if path == "" {
		return slog.New(slog.DiscardHandler), func() {}, nil
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("--log: %w", err)
	}
	log := slog.New(slog.NewTextHandler(f, &slog.HandlerOptions{Level: slog.LevelDebug}))
	log.Info("deskwatch starting", "pid", os.Getpid(), "time", time.Now().Format(time.RFC3339))
	return log, func() { f.Close() }, nil
}
