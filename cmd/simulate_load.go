package cmd

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/deskwatch/deskwatch/feed"
	"github.com/deskwatch/deskwatch/internal/periodic"
	"github.com/deskwatch/deskwatch/internal/synth"
	"github.com/deskwatch/deskwatch/sim"
)

// loadOptions are deskwatch simulate's flags for acting as many bridges and monitors.
type loadOptions struct {
	bridges, monitors  int
	team               int
	to, from           string
	record             string
	streamTokenFile    string
	dialers            int
	drain, connectWait time.Duration
}

func (l *loadOptions) active() bool { return l.bridges > 0 || l.monitors > 0 }

func (l *loadOptions) flags(c *cobra.Command) {
	f := c.Flags()
	f.IntVar(&l.bridges, "bridges", 0, "act as this many browser bridges, one agent each, sending to --to")
	f.StringVar(&l.to, "to", "", "with --bridges: hubs' ingest URLs, comma-separated; bridges are spread over them and fail over to the next")
	f.IntVar(&l.monitors, "monitors", 0, "subscribe this many monitors to --from and report latency, losses and bytes")
	f.IntVar(&l.team, "monitor-team", 0, "with --monitors and --bridges: each monitor watches a team of this many of the bridges' agents (?agent=…), monitor i the i-th team; 0: the whole floor")
	f.StringVar(&l.from, "from", "", "with --monitors: hubs' stream URLs, comma-separated; monitors are spread over them and fail over to the next")
	f.StringVar(&l.record, "record", "", "with --bridges: write every event the bridges send, once, to this recording")
	f.StringVar(&l.streamTokenFile, "stream-token-file", "", "with --monitors: the hubs' stream token (--token-file is the bridges' ingest token)")
	f.IntVar(&l.dialers, "dialers", sim.DefaultDialers, "connections opened at once, at most")
	f.DurationVar(&l.connectWait, "connect-wait", time.Minute, "wait this long at most for every monitor, then every bridge, to connect before the first event")
	f.DurationVar(&l.drain, "drain", 10*time.Second, "after the last event, wait this long at most for acknowledgements and monitors")
}

// maxTeam is the most agents a monitor's ?agent= may list (the hub's filter bound).
const maxTeam = 256

// maxSimConns bounds --bridges and --monitors: more could never connect, and asking would only
// fill memory.
const maxSimConns = 1_000_000

// check validates the load flags; rate is per bridge here.
func (l *loadOptions) check() error {
	switch {
	case l.bridges < 0 || l.monitors < 0:
		return errors.New("--bridges and --monitors cannot be negative")
	case l.bridges > maxSimConns || l.monitors > maxSimConns:
		return fmt.Errorf("--bridges %d, --monitors %d: at most %d each (one connection each, and one process "+
			"has at most 65,535 ports towards one hub)", l.bridges, l.monitors, maxSimConns)
	case l.bridges > 0 && l.to == "":
		return errors.New("--bridges needs --to ws://HUB/ingest[,ws://HUB2/ingest…]")
	case l.monitors > 0 && l.from == "":
		return errors.New("--monitors needs --from ws://HUB/stream[,ws://HUB2/stream…]")
	case l.bridges == 0 && (l.to != "" || l.record != ""):
		return errors.New("--to and --record apply to --bridges N (N above 0)")
	case l.monitors == 0 && (l.from != "" || l.streamTokenFile != ""):
		return errors.New("--from and --stream-token-file apply to --monitors M (M above 0)")
	case l.team != 0 && (l.monitors == 0 || l.bridges == 0):
		return errors.New("--monitor-team needs --monitors and --bridges (the teams are the bridges' agents)")
	case l.team < 0 || l.team > maxTeam:
		return fmt.Errorf("--monitor-team %d: want 1 to %d agents (a hub's ?agent= limit), or 0 for the whole floor",
			l.team, maxTeam)
	}
	for _, list := range []struct{ flag, v string }{{"--to", l.to}, {"--from", l.from}} {
		if _, err := hubURLs(list.flag, list.v); list.v != "" && err != nil {
			return err
		}
	}
	return nil
}

// hubURLs splits a comma-separated list of ws:// or wss:// URLs (feed.SplitStreamURLs: a comma in
// a query, ?agent=a,b, stays in its URL).
func hubURLs(flag, list string) ([]string, error) {
	var out []string
	for i, s := range feed.SplitStreamURLs(list) {
		u, err := url.Parse(s)
		if err != nil || (u.Scheme != "ws" && u.Scheme != "wss") || u.Host == "" {
			return nil, fmt.Errorf("%s: URL %d, %q: want ws://HOST[:PORT]/PATH or wss://…", flag, i+1, s)
		}
		if strings.Contains(u.Path, "://") {
			return nil, fmt.Errorf("%s: URL %d, %q: another URL follows a comma; each must start ws:// or wss://",
				flag, i+1, s)
		}
		out = append(out, s)
	}
	return out, nil
}

// tokenFromFile reads a token file given with flag: one token, white space around it ignored.
func tokenFromFile(flag, path string) (string, error) {
	if path == "" {
		return "", nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("%s: %w", flag, err)
	}
	token := strings.TrimSpace(string(b))
	if token == "" {
		return "", fmt.Errorf("%s %s is empty", flag, path)
	}
	return token, nil
}

// raiseFileLimit raises the soft limit on open files to the hard one, since every connection is a
// file, says what the limit is, and warns when conns connections will not fit in it.
func raiseFileLimit(stderr io.Writer, conns int) {
	var r syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r); err != nil {
		return
	}
	switch old := r.Cur; {
	case r.Cur >= r.Max:
		fmt.Fprintf(stderr, "deskwatch simulate: open files limit %d (the hard limit)\n", r.Cur)
	default:
		r.Cur = r.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &r); err != nil {
			r.Cur = old
			fmt.Fprintf(stderr, "deskwatch simulate: open files limit stays %d: %v\n", old, err)
			break
		}
		fmt.Fprintf(stderr, "deskwatch simulate: open files limit raised from %d to %d\n", old, r.Cur)
	}
	if uint64(conns)+64 > r.Cur {
		fmt.Fprintf(stderr, "deskwatch simulate: %d connections will not fit in %d open files: raise the hard limit (ulimit -Hn)\n",
			conns, r.Cur)
	}
}

// runLoad runs the bridges and the monitors until the bounds are reached or ctx ends, with a
// progress line every 10 s on stderr and the summaries on stdout.
func (o *simulateOptions) runLoad(ctx context.Context, stdout, stderr io.Writer) error {
	l := &o.load
	raiseFileLimit(stderr, l.bridges+l.monitors)
	ingest, err := tokenFromFile("--token-file", o.tokenFile)
	if err != nil {
		return err
	}
	var mon *sim.MonitorLoad
	monCtx, stopMon := context.WithCancel(ctx)
	defer stopMon()
	var monDone sync.WaitGroup
	if l.monitors > 0 {
		if mon, err = o.startMonitors(monCtx, &monDone); err != nil {
			return err
		}
	}
	progress := func(s sim.BridgeStats) {
		line := "bridges: " + s.String()
		if mon != nil {
			line += "; " + mon.Interval().String()
		}
		fmt.Fprintln(stderr, line)
	}
	if mon != nil {
		waitConnected(ctx, mon, l.monitors, l.connectWait)
	}
	var result error
	if l.bridges == 0 {
		o.waitMonitors(ctx, mon, stderr)
	} else {
		urls, _ := hubURLs("--to", o.load.to)
		before, beforeErr := sim.HubRejections(ctx, urls)
		res, err := o.runBridges(ctx, stderr, ingest, progress)
		if err != nil {
			return err
		}
		res.Done = true
		fmt.Fprintln(stdout, "bridges: "+res.String())
		after, afterErr := sim.HubRejections(context.WithoutCancel(ctx), urls)
		text, rejected := rejectedText(before, after, cmp.Or(afterErr, beforeErr))
		fmt.Fprintln(stdout, "hubs: "+text)
		if res.Events > 0 && res.Acked == 0 { // exit 2: nothing reached a hub
			result = fmt.Errorf("no event was acknowledged (%d sent, %d dial errors): see the warnings above and --to",
				res.Sent, res.DialErrors)
			settle(ctx, mon, 0)
		} else {
			if rejected > 0 {
				result = errRejected // exit 1, as a replay with rejected events
			}
			settle(ctx, mon, l.drain)
		}
	}
	stopMon()
	monDone.Wait()
	if mon != nil {
		st := mon.Stats()
		st.Done = true
		fmt.Fprintln(stdout, st.String())
		if (st.Repeated > 0 || st.Lost > 0) && o.load.bridges > 0 && o.agentPrefix == "" {
			fmt.Fprintln(stderr, "deskwatch simulate: events repeated or lost: if an earlier run published to these hubs, "+
				"it used this run's agent ids (and their seq numbers again); give each run its own --agent-prefix")
		}
		if st.Messages == 0 && st.Connects > 0 && (result == nil || errors.Is(result, errRejected)) { // exit 2: a hub's /stream says its floor on connect
			result = fmt.Errorf("the monitors received nothing (%d connected): is --from a hub's stream URL (…/stream)?",
				st.Connects)
		}
	}
	return result
}

func (o *simulateOptions) startMonitors(ctx context.Context, done *sync.WaitGroup) (*sim.MonitorLoad, error) {
	urls, _ := hubURLs("--from", o.load.from)
	token, err := tokenFromFile("--stream-token-file", o.load.streamTokenFile)
	if err != nil {
		return nil, err
	}
	var teams [][]string
	if o.load.team > 0 { // the bridges' agents, as sim.RunBridges names them
		ids := synth.NewGenerator(synth.GeneratorConfig{Agents: o.load.bridges, AgentPrefix: o.agentPrefix}).AgentIDs()
		teams = sim.Teams(ids, o.load.team)
	}
	mon, err := sim.NewMonitorLoad(sim.MonitorsConfig{Monitors: o.load.monitors, URLs: urls, Teams: teams,
		Token: token, Dialers: o.load.dialers})
	if err != nil {
		return nil, err
	}
	done.Go(func() { mon.Run(ctx) })
	return mon, nil
}

func (o *simulateOptions) runBridges(ctx context.Context, stderr io.Writer, token string, progress func(sim.BridgeStats)) (sim.BridgeStats, error) {
	urls, _ := hubURLs("--to", o.load.to)
	cfg := sim.BridgesConfig{Bridges: o.load.bridges, URLs: urls, Rate: o.rate, Seed: o.seed, AgentPrefix: o.agentPrefix, Token: token,
		Events: o.events, Duration: o.duration, Drain: o.load.drain, Dialers: o.load.dialers, Progress: progress,
		Warn:        func(msg string) { fmt.Fprintln(stderr, "deskwatch simulate: bridge connection failed: "+msg) },
		ConnectWait: o.connectWait(), Ready: func(n int64, took time.Duration) {
			fmt.Fprintf(stderr, "deskwatch simulate: %d of %d bridges connected in %s; events start\n", n, o.load.bridges,
				took.Round(time.Millisecond))
		}}
	if o.load.record != "" {
		rec, err := feed.NewRecorder(o.load.record)
		if err != nil {
			return sim.BridgeStats{}, fmt.Errorf("--record: %w", err)
		}
		cfg.Record = func(data []byte, at time.Time) { rec.Record(feed.Message{Data: data, Received: at}) }
		defer rec.Close()
		res, err := sim.RunBridges(ctx, cfg)
		if err == nil {
			if err = rec.Close(); err != nil {
				err = fmt.Errorf("--record: %w", err)
			}
		}
		return res, err
	}
	return sim.RunBridges(ctx, cfg)
}

// connectWait is --connect-wait, within --duration when that is set: the whole run ends then.
func (o *simulateOptions) connectWait() time.Duration {
	if o.duration > 0 {
		return min(o.load.connectWait, o.duration)
	}
	return o.load.connectWait
}

// waitMonitors is --monitors alone: a progress line every 10 s until --duration or ctx ends.
func (o *simulateOptions) waitMonitors(ctx context.Context, mon *sim.MonitorLoad, stderr io.Writer) {
	if o.duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.duration)
		defer cancel()
	}
	periodic.Every(ctx.Done(), 10*time.Second, func(time.Time) bool {
		fmt.Fprintln(stderr, mon.Interval().String())
		return true
	})
}

// waitConnected waits up to limit for n monitors to be connected, so that they see the first events.
func waitConnected(ctx context.Context, mon *sim.MonitorLoad, n int, limit time.Duration) {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) && ctx.Err() == nil && mon.Stats().Connected < int64(n) {
		time.Sleep(50 * time.Millisecond)
	}
}

// settle gives the monitors, after the bridges are done, until their count of timed events stops
// rising for a second (at most limit) to read what is still on its way.
func settle(ctx context.Context, mon *sim.MonitorLoad, limit time.Duration) {
	if mon == nil {
		return
	}
	deadline := time.Now().Add(limit)
	last := mon.Stats().Timed
	for time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(time.Second)
		n := mon.Stats().Timed
		if n == last {
			return
		}
		last = n
	}
}

// rejectedText says what the hubs rejected while the bridges ran: the simulated bridges cannot tell
// (a hub acknowledges a rejected event too), the hubs' /metrics can. Of the hubs read both before
// and after the run; err says which could not be.
func rejectedText(before, after map[string]map[string]int64, err error) (text string, total int64) {
	by := make(map[string]int64)
	for hub, counts := range after {
		was, ok := before[hub]
		if !ok {
			continue
		}
		for reason, n := range counts {
			if d := n - was[reason]; d > 0 {
				by[reason] += d
				total += d
			}
		}
	}
	var parts []string
	for _, reason := range slices.Sorted(maps.Keys(by)) {
		parts = append(parts, fmt.Sprintf("%s %d", reason, by[reason]))
	}
	text = fmt.Sprintf("rejected %d events while it ran", total)
	if total > 0 {
		text += fmt.Sprintf(" (%s; the hubs' logs say which and why)", strings.Join(parts, ", "))
	}
	if err == nil {
		return text, total
	}
	why := strings.ReplaceAll(err.Error(), "\n", "; ")
	for hub := range after {
		if _, ok := before[hub]; ok {
			return text + ", counting the hubs whose /metrics could be read (not: " + why + ")", total
		}
	}
	return "rejections unknown (their /metrics: " + why + ")", 0
}
