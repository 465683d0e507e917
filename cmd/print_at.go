package cmd

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"time"

	"github.com/deskwatch/deskwatch/travel"
)

// resolveAt finds --at's moment in the event file path: the position it names (the number of
// messages to apply, rejected ones included, and the event time of the last of them, the table's
// "now"). Targets are read as the monitor's :goto reads them (travel.ParseTarget, travel.Resolve),
// in the local time zone the monitor shows times in, counting +DURATION and a time of day from the
// file's first event. The file is indexed once for this (travel.NewFile), then replayed up to the
// moment by runPrint. A moment outside the file is an error that says what the file holds.
func resolveAt(ctx context.Context, o *options, path string) (travel.Position, error) {
	at := o.collect.at
	bad := func(err error) (travel.Position, error) { return travel.Position{}, fmt.Errorf("--at %q: %w", at, err) }
	if path != "" && path != "-" && !isURL(path) {
		if _, err := os.Stat(path); err != nil {
			return bad(fmt.Errorf("open event file: %w", err))
		}
	}
	switch {
	case !regularFile(path):
		return bad(errors.New("needs an event file (a recording of a live stream is one), read once to find " +
			"the moment and again to print it; not standard input, a pipe or a live stream"))
	case o.collect.events != 0:
		return bad(errors.New("--at and --events both say where to stop; give one"))
	}
	target, err := travel.ParseTarget(at)
	if err != nil {
		return bad(err)
	}
	// Only the index's event times are wanted here: no checkpoints past position 0.
	h, err := travel.NewFile(path, travel.Options{MaxMessage: o.maxMessage, Every: math.MaxInt64})
	if err != nil {
		return bad(err)
	}
	defer h.Close()
	if err := h.Wait(ctx); err != nil {
		return bad(err)
	}
	first, last := h.Bounds()
	if last.N == 0 {
		return bad(fmt.Errorf("%s holds no events", path))
	}
	one, err := h.Position(1)
	if err != nil {
		return bad(err)
	}
	pos, err := travel.Resolve(h, target, one, time.Local)
	if errors.Is(err, travel.ErrOutside) {
		return bad(fmt.Errorf("outside the file; %s", fileSpan(path, one, last)))
	} else if err != nil {
		return bad(err)
	}
	// A time outside the file is refused, where :goto goes to its nearest end.
	when, isTime, _ := target.EventTime(one, first, last, time.Local)
	switch {
	case isTime && when.Before(one.At):
		return bad(fmt.Errorf("before the file's first event; %s", fileSpan(path, one, last)))
	// Find goes by the latest event time so far: when event times went back, a time after the last
	// message's own can still be within the file (it then resolves before the last message).
	case isTime && pos.N == last.N && when.After(last.At):
		return bad(fmt.Errorf("after the file's last event; %s", fileSpan(path, one, last)))
	}
	return pos, nil // with its event time (Resolve reads it from the file's index)
}

// fileSpan says what an event file holds, for --at's errors: its events' numbers and times.
func fileSpan(path string, first, last travel.Position) string {
	const layout = travel.TimeLayout
	return fmt.Sprintf("%s holds events #1 to #%d, %s to %s", path, last.N, first.At.In(time.Local).Format(layout),
		last.At.In(time.Local).Format(layout))
}
