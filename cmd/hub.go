package cmd

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/deskwatch/deskwatch/bridge"
	"github.com/deskwatch/deskwatch/hub"
	"github.com/deskwatch/deskwatch/model"
)

// hubOptions holds the hub's flags.
type hubOptions struct {
	listen       string
	ingestTokens string
	streamTokens string
	cert, key    string
	origins      []string
	queue        int
	maxMessage   int
	goneAfter    time.Duration
	lostHubAfter time.Duration
	limits       hub.Limits
	maxMemory    string // --max-memory, read into limits.MaxMemory by hubConfig
	server       hub.ServerConfig
	data         hubData
	profile      profileFlags
}

func newHubCmd(stdout, stderr io.Writer) *cobra.Command {
	o := &hubOptions{}
	c := &cobra.Command{
		Use:   "hub",
		Short: "Relay events from Agent Desktop pages (the bridge) to any number of monitors",
		Long: prose(`hub accepts browser bridges on /ingest and monitors on /stream, both WebSockets. Each bridge
runs in a page that hosts Bright Pattern's Agent Desktop widget (the hub serves the script at
/bridge.js) and sends that agent's events; every monitor receives one snapshot per agent when it
connects, then the live events of all agents (or of those it asks for: /stream?agent=a,b&service=S).

Tokens come from files, one a line: TOKEN [agents=ID,...] [teams=NAME,...] [services=NAME,...]
[# comment], with teams defined as "team NAME AGENT,..." lines. A scoped token publishes (bridges)
or sees (monitors) only its agents and, for monitors, only their interactions of its services,
whatever the monitor asks for (README.md, "Token files"); a bare token is unbound, for trusted
bridges and relays only. The files are re-read every second, so rotating a token needs no restart,
and connections whose token was removed or whose scope changed are closed. Bridges send theirs as
?token=, monitors as a bearer token (deskwatch --token-file). Without a token file an endpoint is open to anyone.

A monitor that cannot keep up is disconnected (it reconnects and resyncs) rather than slowing
the others. An event from a bridge larger than --max-message is skipped and acknowledged, and the
connection goes on. Every resource a peer can make the hub spend is bounded by a flag below
(README.md, "Hub limits"): an event over a limit is logged with its connection and message number,
counted in /metrics and skipped (monitors get a DESKWATCH_SKIPPED in its place, listed in their
rejected log rather than counted lost); a connection over --max-connections gets HTTP 503. The hub logs
one line per connection and per rejected event to stdout, and serves /healthz and /metrics
(Prometheus). SIGINT or SIGTERM stops it within --shutdown-timeout, whatever the load.

Every event accepted is stored in an event log under --data (NATS JetStream, embedded, listening
on no port) before the bridge is acknowledged, and applied from there, with checkpoints of the
floor: a hub killed and started again on the same --data comes back with the floor and relays no
resent event twice. Monitors may ask for history: /stream?since=15m (deskwatch --since 15m URL),
within --history and --history-size. --in-memory keeps the floor in memory only (HUB.md).`),
		Example: `  deskwatch hub --listen 127.0.0.1:8090
  deskwatch hub --listen :443 --cert hub.pem --key hub-key.pem \
      --ingest-tokens bridges.tokens --stream-tokens monitors.tokens --origin https://crm.example.com
  deskwatch hub --data /var/lib/deskwatch/hub --history 24h --history-size 4GiB
  deskwatch ws://127.0.0.1:8090/stream          # a monitor
  deskwatch --since 15m ws://127.0.0.1:8090/stream   # a monitor that starts 15 minutes back`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runHub(cmd.Context(), o, stdout, stderr)
		},
	}
	f := c.Flags()
	f.StringVar(&o.listen, "listen", "127.0.0.1:8090", "address to listen on (loopback by default; :8090 for every interface)")
	f.StringVar(&o.ingestTokens, "ingest-tokens", "", "file of tokens a bridge must present on /ingest")
	f.StringVar(&o.streamTokens, "stream-tokens", "", "file of tokens a monitor must present on /stream")
	f.StringVar(&o.cert, "cert", "", "the TLS certificate (PEM) for https:// and wss://; needs --key")
	f.StringVar(&o.key, "key", "", "the TLS private key (PEM) for --cert")
	f.StringArrayVar(&o.origins, "origin", nil, "page origin allowed to connect, e.g. https://crm.example.com (repeatable; default any)")
	f.IntVar(&o.queue, "queue", hub.DefaultQueueSize, "messages that may wait for one monitor before it is disconnected")
	f.Var(newSizeFlag(&o.maxMessage, model.DefaultMaxMessage), "max-message", "largest event accepted from a bridge (bytes, or with KiB, MiB, GiB, or K, M, G); a larger one is logged and skipped")
	f.DurationVar(&o.goneAfter, "gone-after", hub.DefaultGoneAfter, "time an agent may be without a bridge before the hub says its desktop is gone and ends its open interactions")
	f.DurationVar(&o.lostHubAfter, "lost-hub-after", hub.DefaultLostHubAfter, "in a cluster: time another hub may be unreachable before the desktops it held are said to be disconnected")
	l := &o.limits
	f.IntVar(&l.MaxAgents, "max-agents", hub.DefaultMaxAgents, "agents the hub keeps state for; events of further agents are rejected")
	f.IntVar(&l.MaxAgentsPerBridge, "max-agents-per-bridge", hub.DefaultMaxAgentsPerBridge, "distinct agents one bridge connection may send events for")
	f.IntVar(&l.MaxInteractionsPerAgent, "max-interactions-per-agent", hub.DefaultMaxInteractionsPerAgent, "open interactions one agent may have; an event opening one more is rejected")
	f.Var(newSizeFlag(&l.MaxInteractionBytes, hub.DefaultMaxInteractionBytes), "max-interaction-bytes", "bytes an event may take per interaction it holds (a size: bytes, or with KiB, MiB, GiB, or K, M, G); a larger one is rejected")
	f.IntVar(&l.MaxParties, "max-parties", hub.DefaultMaxParties, "call parties one interaction may list; a larger event is rejected")
	f.IntVar(&l.MaxConnections, "max-connections", hub.DefaultMaxConnections, "WebSocket connections (bridges and monitors); more are refused with HTTP 503")
	f.Var(newSizeFlag(&l.MaxPendingBytes, hub.DefaultMaxPendingBytes), "max-pending-bytes", "bytes of live events that may wait for one monitor before it is disconnected (a size: bytes, or with KiB, MiB, GiB, or K, M, G)")
	f.Var(newSizeFlag(&l.MaxBridgeBytes, hub.DefaultMaxBridgeBytes), "max-bridge-bytes", "bytes a second the hub reads from one bridge connection, on average, 16 seconds of it at once (a size: bytes, or with KiB, MiB, GiB, or K, M, G); a bridge sending faster is read at that rate")
	f.DurationVar(&l.MessageTimeout, "message-timeout", hub.DefaultMessageTimeout, "longest one message from a bridge may take to arrive; a bridge still sending it then is closed")
	f.IntVar(&l.MaxMonitorJoins, "max-monitor-joins", hub.DefaultMaxMonitorJoins, "monitors joining /stream a second per stream token (per address without tokens), 30 times that at once; more get HTTP 429")
	f.StringVar(&o.maxMemory, "max-memory", defaultMaxMemory, "most memory the floor's interactions and agents may hold, as deskwatch estimates it (bytes, or with KiB, MiB, GiB, or K, M, G); from three quarters of it on each agent adds interactions only within its share; at it the oldest interactions of agents over their shares are ended to make room for agents within theirs, else only events that end interactions are taken")
	o.data.register(f)
	o.profile.register(f)
	sv := &o.server
	f.DurationVar(&sv.HeaderTimeout, "header-timeout", hub.DefaultHeaderTimeout, "time a client has to send its request headers")
	f.DurationVar(&sv.IdleTimeout, "idle-timeout", hub.DefaultIdleTimeout, "idle keep-alive HTTP connections are closed after this")
	f.Var(newSizeFlag(&sv.MaxHeaderBytes, hub.DefaultMaxHeaderBytes), "max-header-bytes", "largest request headers accepted (a size: bytes, or with KiB, MiB, GiB, or K, M, G)")
	f.DurationVar(&sv.ShutdownTimeout, "shutdown-timeout", hub.DefaultShutdownTimeout, "on SIGINT/SIGTERM, time allowed for requests in progress before they are cut")
	return c
}

// hubConfig turns the flags into a hub configuration, reading the token files.
func hubConfig(o *hubOptions, log io.Writer) (hub.Config, error) {
	cfg := hub.Config{Origins: o.origins, QueueSize: o.queue, MaxMessage: o.maxMessage, Log: log,
		Limits: o.limits, Server: o.server, GoneAfter: o.goneAfter,
		LostHubAfter: o.lostHubAfter}
	cfg.Server.CertFile, cfg.Server.KeyFile = o.cert, o.key
	n, err := parseBytes(o.maxMemory)
	if err != nil {
		return cfg, fmt.Errorf("--max-memory %q: %w", o.maxMemory, err)
	}
	o.limits.MaxMemory, cfg.Limits.MaxMemory = n, n
	if err := checkHubLimits(o); err != nil {
		return cfg, err
	}
	for _, origin := range o.origins {
		if err := checkOrigin(origin); err != nil {
			return cfg, err
		}
	}
	if o.ingestTokens != "" {
		if cfg.IngestTokens, err = hub.LoadIngestTokens(o.ingestTokens); err != nil {
			return cfg, fmt.Errorf("--ingest-tokens: %w", err)
		}
	}
	if o.streamTokens != "" {
		if cfg.StreamTokens, err = hub.LoadTokens(o.streamTokens); err != nil {
			return cfg, fmt.Errorf("--stream-tokens: %w", err)
		}
	}
	if (o.cert == "") != (o.key == "") {
		return cfg, errors.New("--cert and --key go together")
	}
	if o.cert != "" {
		if _, err := tls.LoadX509KeyPair(o.cert, o.key); err != nil {
			return cfg, fmt.Errorf("--cert/--key: %w", err)
		}
	}
	cfg.History = o.data.history
	return cfg, o.data.check(os.Getenv)
}

// checkOrigin refuses an --origin no browser would ever send, which would refuse every page
// without a word: a browser's Origin is SCHEME://HOST[:PORT], nothing before or after.
func checkOrigin(origin string) error {
	u, err := url.Parse(origin)
	if err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && u.User == nil &&
		u.Path == "" && u.RawQuery == "" && u.Fragment == "" && !u.ForceQuery && u.Opaque == "" {
		return nil
	}
	return fmt.Errorf("--origin %q is not an origin a browser sends: want SCHEME://HOST[:PORT] with no path, "+
		"e.g. https://crm.example.com", origin)
}

// checkHubLimits refuses a limit that is not positive: zero would not mean "no limit".
func checkHubLimits(o *hubOptions) error {
	l, sv := o.limits, o.server
	for _, c := range []struct {
		flag string
		v    int64
	}{
		{"--max-agents", int64(l.MaxAgents)}, {"--max-agents-per-bridge", int64(l.MaxAgentsPerBridge)},
		{"--max-interactions-per-agent", int64(l.MaxInteractionsPerAgent)}, {"--max-parties", int64(l.MaxParties)},
		{"--max-connections", int64(l.MaxConnections)}, {"--max-pending-bytes", l.MaxPendingBytes},
		{"--message-timeout", int64(l.MessageTimeout)}, {"--max-interaction-bytes", int64(l.MaxInteractionBytes)},
		{"--max-monitor-joins", int64(l.MaxMonitorJoins)}, {"--max-memory", l.MaxMemory},
		{"--max-bridge-bytes", l.MaxBridgeBytes},
		{"--header-timeout", int64(sv.HeaderTimeout)}, {"--idle-timeout", int64(sv.IdleTimeout)},
		{"--max-header-bytes", int64(sv.MaxHeaderBytes)}, {"--shutdown-timeout", int64(sv.ShutdownTimeout)},
		{"--queue", int64(o.queue)}, {"--max-message", int64(o.maxMessage)},
	} {
		if c.v <= 0 {
			return fmt.Errorf("%s must be positive: the hub's limits cannot be turned off", c.flag)
		}
	}
	if o.goneAfter < hub.MinGoneAfter || o.goneAfter > hub.MaxGoneAfter {
		return fmt.Errorf("--gone-after %s: want from %s to %s", o.goneAfter, hub.MinGoneAfter, hub.MaxGoneAfter)
	}
	if o.lostHubAfter < hub.MinLostHubAfter || o.lostHubAfter > hub.MaxLostHubAfter {
		return fmt.Errorf("--lost-hub-after %s: want from %s to %s", o.lostHubAfter, hub.MinLostHubAfter, hub.MaxLostHubAfter)
	}
	return nil
}

// runHub serves until ctx ends or a signal arrives, then closes every connection and returns.
func runHub(ctx context.Context, o *hubOptions, stdout, stderr io.Writer) error {
	cfg, err := hubConfig(o, stdout)
	if err != nil {
		return err
	}
	stopProfile, err := o.profile.start(slog.New(slog.NewTextHandler(stdout, nil)))
	if err != nil {
		return err
	}
	defer stopProfile()
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return fmt.Errorf("hub: %w", err)
	}
	defer ln.Close()
	l, closeLog, err := openHubLog(ctx, &o.data, stdout)
	if err != nil {
		return err
	}
	defer closeLog()
	cfg.EventLog = l
	cfg.Alone = o.data.alone()
	h := hub.New(cfg)
	// The hub serves while it rebuilds its floor from the log: bridges' events are stored
	// meanwhile, and monitors wait for the whole floor.
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	go func() {
		if err := startHubLog(ctx, h, l != nil, stdout); err != nil {
			cancel(err)
		}
	}()
	printHubURLs(stdout, ln.Addr(), o.cert != "")
	if cfg.IngestTokens == nil {
		fmt.Fprintln(stderr, "warning: no --ingest-tokens: anyone who can reach the hub can send it events")
	}
	if cfg.StreamTokens == nil {
		fmt.Fprintln(stderr, "warning: no --stream-tokens: anyone who can reach the hub can watch the desk")
	}
	if err := h.Serve(ctx, ln); err != nil {
		return err
	}
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err // the floor could not be restored
	}
	fmt.Fprintln(stdout, "hub stopped")
	return nil
}

// printHubURLs says where everything is; an unspecified host is shown as localhost.
func printHubURLs(w io.Writer, addr net.Addr, secure bool) {
	host, port, _ := net.SplitHostPort(addr.String())
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "localhost"
	}
	hostPort := net.JoinHostPort(host, port)
	web, ws := "http", "ws"
	if secure {
		web, ws = "https", "wss"
	}
	fmt.Fprintf(w, "deskwatch hub listening on %s\n", addr)
	fmt.Fprintf(w, "  bridges:  %s://%s/ingest\n", ws, hostPort)
	fmt.Fprintf(w, "  monitors: %s://%s/stream\n", ws, hostPort)
	fmt.Fprintf(w, "  script:   %s://%s/bridge.js\n", web, hostPort)
	fmt.Fprintf(w, "  metrics:  %s://%s/metrics\n", web, hostPort)
	fmt.Fprintf(w, "  health:   %s://%s/healthz\n", web, hostPort)
}

func newBridgeCmd(stdout io.Writer) *cobra.Command {
	c := groupOnly(&cobra.Command{
		Use:   "bridge",
		Short: "The browser bridge for the page that hosts the Agent Desktop widget",
	})
	c.AddCommand(&cobra.Command{
		Use:   "print",
		Short: "Print bridge.js (the hub also serves it at /bridge.js)",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			_, err := stdout.Write(bridge.Script())
			return err
		},
	})
	return c
}
