package cmd

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/deskwatch/deskwatch/feed"
	"github.com/deskwatch/deskwatch/internal/synth"
	"github.com/deskwatch/deskwatch/sim"
)

// simulateOptions holds deskwatch simulate's flags.
type simulateOptions struct {
	listen, path string
	seed         int64
	agentPrefix  string
	agents       int
	rate         float64
	chaos        sim.Chaos
	closeEvery   time.Duration
	tokenFile    string
	queue        int
	out          string
	events       int64
	duration     time.Duration
	load         loadOptions
}

func newSimulateCmd(stdout, stderr io.Writer) *cobra.Command {
	o := &simulateOptions{}
	c := &cobra.Command{
		Use:   "simulate",
		Short: "Serve a simulated event stream over WebSocket, or write one to a file",
		Long: prose(`simulate serves the demo generator's stream as a WebSocket server, as a bridge would: every
subscriber gets each agent's presence and INTERACTIONS_STATE snapshot on connect, then the same live
events as everyone else. A subscriber that falls too far behind is disconnected, with the reason in
the close frame, rather than holding the others up.

--drop, --malformed and --close-every inject faults, for testing a monitor against a bad network.

With --out FILE it writes the stream as JSON Lines instead, as fast as it can (the first event at
2025-01-06 09:00 UTC, so that a seed always gives the same file).

With --bridges N it acts instead as N browser bridges against real hubs (--to, comma-separated,
failing over between them), --rate events per second each, and with --monitors M as M monitors
(--from) measuring end-to-end latency, losses and bytes: a load test. --record FILE keeps every
event the bridges sent, to compare with what monitors show. The served stream's flags (--agents,
--drop, --malformed, --close-every, --listen, --path, --queue) are refused with either.`),
		Example: `  deskwatch simulate --listen 127.0.0.1:8080 --rate 50
  deskwatch ws://127.0.0.1:8080/stream
  deskwatch simulate --drop 0.01 --malformed 0.001 --close-every 30s
  deskwatch simulate --out day.jsonl --events 1000000 --seed 1
  deskwatch simulate --bridges 500 --to ws://127.0.0.1:8090/ingest --monitors 20 \
    --from ws://127.0.0.1:8090/stream --duration 60s --record source.jsonl`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.load.active() && !cmd.Flags().Changed("rate") {
				o.rate = 1 // per bridge
			}
			if err := o.check(); err != nil {
				return err
			}
			if err := serveOnly(cmd.Flags(), o.load.active()); err != nil {
				return err
			}
			if o.load.active() {
				return o.runLoad(cmd.Context(), stdout, stderr)
			}
			if o.out != "" {
				return o.writeFile(stdout)
			}
			return o.serve(cmd, stdout, stderr)
		},
	}
	f := c.Flags()
	f.StringVar(&o.listen, "listen", "127.0.0.1:8080", "address to listen on (port 0 picks a free one)")
	f.StringVar(&o.path, "path", "/stream", "the stream's path in the URL")
	f.Int64Var(&o.seed, "seed", 1, "seed of the stream")
	f.IntVar(&o.agents, "agents", synth.DefaultAgents, "number of agents")
	f.StringVar(&o.agentPrefix, "agent-prefix", "", "start every agent id with this (letters, digits, . _ - : @; up to 32 bytes), so that runs against one hub do not share agents")
	f.Float64Var(&o.rate, "rate", 20, "events per second, over all agents (with --bridges: per bridge, default 1); at most 1e6 in all")
	f.Float64Var(&o.chaos.Drop, "drop", 0, "fraction of events never sent (0 to below 1); seq numbers show the gaps")
	f.Float64Var(&o.chaos.Malformed, "malformed", 0, "chance of a malformed message after each event (0 to 1)")
	f.DurationVar(&o.closeEvery, "close-every", 0, "close each connection after it has been open this long")
	f.StringVar(&o.tokenFile, "token-file", "", "serving: require this file's token as Authorization: Bearer; with --bridges: the hubs' ingest token")
	f.IntVar(&o.queue, "queue", sim.DefaultQueue, "messages a subscriber may fall behind before it is disconnected")
	f.StringVar(&o.out, "out", "", "write the stream to this JSON Lines file (- for standard output) and exit")
	f.Int64Var(&o.events, "events", 0, "with --out: the number of events; when serving: stop the stream after this many; with --bridges: stop generating after this many, over all bridges")
	f.DurationVar(&o.duration, "duration", 0, "with --out: the span of event time to write; with --bridges or --monitors: how long to run")
	o.load.flags(c)
	return c
}

// maxSimRate bounds the events per second asked of the generator, over all its agents or bridges:
// far above what one process can send, far below a rate whose interval rounds to nothing (the
// generator then spins without ever reaching a stop).
const maxSimRate = 1_000_000

// maxSimAgents bounds the generator's agents: each is built at the start (a billion ran out of
// memory before the first event), and a floor of 100,000 is far past any contact center's.
const maxSimAgents = 100_000

// check validates the flags before anything is opened.
func (o *simulateOptions) check() error {
	if err := o.load.check(); err != nil {
		return err
	}
	if err := checkAgentPrefix(o.agentPrefix); err != nil {
		return err
	}
	if o.load.active() {
		switch {
		case o.out != "":
			return errors.New("--out writes a file; --bridges and --monitors connect to hubs: give one or the other")
		case !(o.rate > 0) || math.IsInf(o.rate, 0):
			return fmt.Errorf("--rate %v: want events per second per bridge above 0", o.rate)
		case o.rate*float64(o.load.bridges) > maxSimRate:
			return fmt.Errorf("--rate %v of %d bridges is %g events per second: at most %d", o.rate, o.load.bridges,
				o.rate*float64(o.load.bridges), maxSimRate)
		case o.events < 0 || o.duration < 0:
			return errors.New("--events and --duration cannot be negative")
		}
		return nil
	}
	switch {
	case o.agents < 1 || o.agents > maxSimAgents:
		return fmt.Errorf("--agents %d: want at least 1, at most %d", o.agents, maxSimAgents)
	case !(o.rate > 0) || o.rate > maxSimRate:
		return fmt.Errorf("--rate %v: want events per second above 0, at most %d", o.rate, maxSimRate)
	case o.chaos.Drop < 0 || o.chaos.Drop >= 1:
		return fmt.Errorf("--drop %v: want a fraction from 0 to below 1", o.chaos.Drop)
	case o.chaos.Malformed < 0 || o.chaos.Malformed > 1:
		return fmt.Errorf("--malformed %v: want a fraction from 0 to 1", o.chaos.Malformed)
	case o.events < 0 || o.duration < 0 || o.closeEvery < 0:
		return errors.New("--events, --duration and --close-every cannot be negative")
	case o.out != "" && o.events == 0 && o.duration == 0:
		return errors.New("--out needs --events N or --duration D")
	case o.out == "" && o.duration != 0:
		return errors.New("--duration applies to --out; to stop a served stream use --events")
	case o.out == "" && !strings.HasPrefix(o.path, "/"):
		return fmt.Errorf("--path %q: want a path starting with /", o.path)
	}
	return nil
}

// writeFile is --out: write the stream and say what was written.
func (o *simulateOptions) writeFile(stdout io.Writer) error {
	w, report := io.Writer(stdout), stdout
	if o.out != "-" {
		f, err := feed.CreateNew(o.out, "simulate --out")
		if err != nil {
			return fmt.Errorf("--out: %w", err)
		}
		defer f.Close()
		w = f
	} else {
		report = io.Discard // standard output holds the events
	}
	start := time.Now()
	res, err := sim.WriteEvents(w, sim.OutConfig{
		Generator: synth.GeneratorConfig{Seed: o.seed, Agents: o.agents, Rate: o.rate, AgentPrefix: o.agentPrefix},
		Chaos:     o.chaos, Events: o.events, Duration: o.duration})
	if err != nil {
		return err
	}
	if f, ok := w.(*os.File); ok {
		if err := f.Close(); err != nil {
			return fmt.Errorf("--out: %w", err)
		}
	}
	fmt.Fprintf(report, "wrote %d events (%d dropped, %d malformed lines) to %s: %d bytes, event time %s to %s, in %s\n",
		res.Events, res.Dropped, res.Malformed, o.out, res.Bytes, res.First.Format(time.RFC3339),
		res.Last.Format(time.RFC3339), time.Since(start).Round(time.Millisecond))
	return nil
}

// serve runs the WebSocket server until the command's context ends (Ctrl-C).
func (o *simulateOptions) serve(cmd *cobra.Command, stdout, stderr io.Writer) error {
	token, err := tokenFromFile("--token-file", o.tokenFile)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return fmt.Errorf("--listen: %w", err)
	}
	s := sim.New(sim.Config{Seed: o.seed, Agents: o.agents, Rate: o.rate, AgentPrefix: o.agentPrefix,
		Warmup: synth.Warmup(o.rate),
		Events: o.events, Chaos: o.chaos, CloseEvery: o.closeEvery, Token: token, Queue: o.queue, Path: o.path,
		Log: slog.New(slog.NewTextHandler(stderr, nil))})
	url := "ws://" + dialable(ln.Addr()) + o.path
	fmt.Fprintf(stdout, "deskwatch simulator: %s (%d agents, %g events/s, seed %d)\n", url, o.agents, o.rate, o.seed)
	hint := ""
	if token != "" {
		hint = " --token-file " + o.tokenFile
	}
	fmt.Fprintf(stdout, "watch it with: deskwatch%s %s   (Ctrl-C stops)\n", hint, url)
	return s.Serve(cmd.Context(), ln)
}

// dialable turns a listening address into one a client can connect to: a wildcard host becomes
// localhost.
func dialable(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

// serveOnly refuses, with --bridges or --monitors, the flags only the served stream (or --out)
// uses: a load of bridges is one agent per bridge, with no faults injected and nothing served.
func serveOnly(flags *pflag.FlagSet, load bool) error {
	if !load {
		return nil
	}
	for _, name := range []string{"agents", "drop", "malformed", "close-every", "listen", "path", "queue"} {
		if flags.Changed(name) {
			return fmt.Errorf("--%s applies to the served stream, not to --bridges or --monitors (one agent per bridge)", name)
		}
	}
	return nil
}

// maxAgentPrefix bounds --agent-prefix: agent ids stay well within the hub's 256 bytes.
const maxAgentPrefix = 32

// checkAgentPrefix says what is wrong with --agent-prefix: it goes into agent ids, and so into
// ?agent= lists (comma-separated) and team files, where only plain characters are safe.
func checkAgentPrefix(p string) error {
	if len(p) > maxAgentPrefix {
		return fmt.Errorf("--agent-prefix: %d bytes, at most %d", len(p), maxAgentPrefix)
	}
	for i, r := range p {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._-:@", r)) {
			return fmt.Errorf("--agent-prefix %q: %q at byte %d (want letters, digits, . _ - : @)", p, r, i)
		}
	}
	return nil
}
