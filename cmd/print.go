package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/spf13/pflag"

	"github.com/deskwatch/deskwatch/export"
	"github.com/deskwatch/deskwatch/feed"
	"github.com/deskwatch/deskwatch/model"
	"github.com/deskwatch/deskwatch/travel"
)

// collectOptions bound how long --print listens to a live source.
// It also holds what --print prints: the view (interactions, agents, services) and, for the
// figures views, their window.
type collectOptions struct {
	duration time.Duration
	events   int64
	view     string
	window   string
	at       string // --at: the moment of a file to print ("" for its end)
}

// printViews are the views --print prints; printWindows the windows of the figures views.
var (
	printViews   = []string{"interactions", "agents", "services"}
	printWindows = []string{"rolling", "all"}
)

func (c *collectOptions) register(f *pflag.FlagSet) {
	f.DurationVar(&c.duration, "for", 0, "with --print of a live source: collect for this long (e.g. 30s)")
	f.Int64Var(&c.events, "events", 0, "with --print: stop after this many messages")
	f.StringVar(&c.view, "view", "interactions", "with --print: the table to print: interactions, agents or services")
	f.StringVar(&c.window, "window", "rolling",
		"with --print --view agents|services: the figures' window: rolling (the last 15m before the end) or all (since the start)")
	f.StringVar(&c.at, "at", "", "with --print FILE: print the moment TIME (10:14:52, RFC 3339, +5m from the start), event #N, start or end")
}

// check says what is wrong with --view and --window.
func (c *collectOptions) check(format string) error {
	if !slices.Contains(export.Formats, format) {
		return fmt.Errorf("--format %q: unknown format (want %s)", format, strings.Join(export.Formats, ", "))
	}
	if !slices.Contains(printViews, c.view) {
		return fmt.Errorf("--view %q: unknown view (want %s)", c.view, strings.Join(printViews, ", "))
	}
	if !slices.Contains(printWindows, c.window) {
		return fmt.Errorf("--window %q: unknown window (want rolling or all)", c.window)
	}
	return nil
}

// runPrint is batch mode: apply the whole source (or what a live source sends within --for or
// --events), print the final table, and report rejected events on stderr as ORIGIN: reason, and
// lost events (seq jumps) as "N events lost from AGENT". Of a WebSocket it also reports connection
// failures on stderr, and fails (exit 2, no table) when no connection opened: on an error retrying
// cannot mend (a refused token, an untrusted certificate), at the end of --for, or after
// printConnectWait without --for.
// batchHeadroom is what --print's memory limit allows beyond twice --max-memory: the replay's
// read-ahead (its lines' decoded events) and the decoding of events over the bounds.
const batchHeadroom = 512 << 20

func runPrint(ctx context.Context, o *options, arg string, stdin io.Reader, stdout, stderr io.Writer,
	log *slog.Logger) error {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(feed.BatchGCPercent) // a batch run trades memory for speed
		if limit := 2*o.maxHeld + batchHeadroom; os.Getenv("GOMEMLIMIT") == "" && o.maxHeld > 0 && limit > 0 {
			// up to a point: past twice --max-memory and the read-ahead's room, the collector runs
			// as often as it must to stay there (the live heap is at most about that)
			debug.SetMemoryLimit(limit)
		}
	}
	if err := o.collect.check(o.format); err != nil {
		return err
	}
	var moment *travel.Position // --at: where to stop, and the clock there
	if o.collect.at != "" {
		pos, err := resolveAt(ctx, o, arg)
		if err != nil {
			return err
		}
		moment, o.collect.events = &pos, pos.N
	}
	live := arg == "" || isURL(arg)
	if !live && o.collect.duration != 0 {
		return fmt.Errorf("--for is for a live source (a ws:// URL or the demo); %s is read to its end (--events N stops earlier)", arg)
	}
	if live && o.collect.duration == 0 && o.collect.events == 0 {
		return errors.New("--print of a live source needs --for DURATION or --events N")
	}
	var filter model.Filter
	if o.collect.view == "interactions" {
		f, err := parseFilterFlag(o.filter)
		if err != nil {
			return err
		}
		filter = f
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var watch *liveWatch
	if isURL(arg) {
		wait := printConnectWait
		if o.collect.duration > 0 {
			wait = 0 // --for bounds it
		}
		watch = newLiveWatch(feed.RedactURL(arg), stderr, cancel, wait)
		o.onConn = watch.onEvent
	}
	p, err := newPipeline(o, arg, stdin, log)
	if err != nil {
		return err
	}
	defer p.Close()
	p.pump.OnReject(func(or model.Origin, reason string) {
		// Each piece is sanitized apart, so that one cannot run into the next.
		fmt.Fprintf(stderr, "%s: %s\n", model.Sanitize(or.String()), model.Sanitize(reason))
	})
	if err := collect(ctx, p, o, moment); err != nil {
		return err
	}
	// The table's instant, to the millisecond, is where the recording ends, so that its replay
	// gives open interactions the same durations.
	now := time.UnixMilli(p.src.Now().UnixMilli())
	if moment != nil && !moment.At.IsZero() {
		now = moment.At // the moment's event time, as the monitor shows it there
	}
	if p.rec != nil {
		if err := p.rec.CloseAt(now); err != nil {
			return fmt.Errorf("closing: %w", err)
		}
	}
	if err := p.Close(); err != nil {
		return fmt.Errorf("closing: %w", err)
	}
	var stopped error
	if watch != nil {
		var show bool
		if show, stopped = watch.result(); !show {
			return stopped
		}
	}
	sn := p.store.Snapshot()
	if err := printView(stdout, o, filter, sn, now); err != nil {
		return err
	}
	reportLost(stderr, sn.Agents)
	if st := p.src.Status(); st.State == feed.StateStopped && st.Detail != "" && o.collect.events == 0 {
		// A signal stopped the replay with input read but not applied (a pipe's partial line).
		fmt.Fprintf(stderr, "%s: stopped: %s\n", model.Sanitize(st.Name), st.Detail)
	}
	switch {
	case stopped != nil:
		return stopped
	case sn.Stats.Rejected > 0:
		word := "events"
		if sn.Stats.Rejected == 1 {
			word = "event"
		}
		fmt.Fprintf(stderr, "%d %s rejected\n", sn.Stats.Rejected, word)
		return errRejected
	}
	return nil
}

// collect runs the source into the pipeline's store until it ends, --for passes or --events
// messages were handled (--at sets --events to its moment; a moment before the first message
// reads none).
func collect(ctx context.Context, p *pipeline, o *options, moment *travel.Position) error {
	var cancel context.CancelFunc
	if o.collect.duration > 0 {
		ctx, cancel = context.WithTimeout(ctx, o.collect.duration)
	} else {
		ctx, cancel = context.WithCancel(ctx)
	}
	defer cancel()
	emit := p.pump.Handle
	if moment != nil && moment.N == 0 {
		cancel() // the moment before the first message: the empty store
	} else if n := o.collect.events; n > 0 {
		var seen atomic.Int64
		emit = func(m feed.Message) {
			if seen.Add(1) <= n {
				p.pump.Handle(m)
			}
			if seen.Load() >= n {
				cancel()
			}
		}
	}
	err := p.src.Run(ctx, emit)
	if err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return nil
}

// printView prints the table --view names: the interactions matching filter, or the agents' or
// the services' figures, at now.
func printView(w io.Writer, o *options, filter model.Filter, sn *model.Snapshot, now time.Time) error {
	if o.collect.view == "interactions" {
		return export.Write(w, o.format, model.DefaultQuery(filter).Run(sn.Rows, now), now)
	}
	return printFigures(w, o, sn, now)
}

// printFigures prints the agents or the services view's figures at now (the source's clock at the
// end: of a file, its last event) over --window. --filter keeps the rows whose name (the agent's,
// the service's) holds it, in any case, as the view's / does; the configuration's filter is for
// interactions and does not apply.
func printFigures(w io.Writer, o *options, sn *model.Snapshot, now time.Time) error {
	win := model.Rolling
	if o.collect.window == "all" {
		win = model.SinceStart
	}
	figs := sn.Floor.Figures(now, win)
	keep := export.NameFilter(o.nameFilter)
	if o.collect.view == "agents" {
		total := figs.AgentTotal
		total.Agent = export.FloorRow
		return export.WriteFigures(w, o.format, export.AgentColumns,
			slices.DeleteFunc(figs.Agents, func(a model.AgentFigures) bool { return !keep(a.Agent) }), &total)
	}
	total := figs.Total
	total.Service = export.FloorRow
	return export.WriteFigures(w, o.format, export.ServiceColumns,
		slices.DeleteFunc(figs.Services, func(s model.ServiceFigures) bool { return !keep(s.Service) }), &total)
}
