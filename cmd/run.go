package cmd

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/deskwatch/deskwatch/internal/guard"
	"github.com/deskwatch/deskwatch/model"
)

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
	// So is the filter: an invalid one stops the run, as the README says, instead of starting
	// unfiltered.
	if _, err := parseFilterFlag(o.filter); err != nil {
		return err
	}
	if o.print {
		return runPrint(ctx, o, arg, stdin, stdout, stderr, log)
	}
	return runTUI(ctx, o, arg, stdin, stdout, theme, log)
}

// parseFilterFlag reads a --filter (the monitor's, serve's default or an SSH viewer's own); the
// configuration's filter is checked where the file is read.
func parseFilterFlag(s string) (model.Filter, error) {
	f, err := model.ParseFilter(s)
	if err != nil {
		return model.Filter{}, fmt.Errorf("--filter %q: %w", s, err)
	}
	return f, nil
}

// logPanic writes a recovered panic and its stack to the log.
func logPanic(log *slog.Logger, c *guard.Panic) {
	log.Error("internal error (a bug): please report it with this stack", "where", c.Where, "panic", c.Value,
		"stack", string(c.Stack))
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
