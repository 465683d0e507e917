package jetlog

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// node is the NATS side of a log: the embedded server (nil with Config.NATS) and the connection.
// Owner: the cluster helper. Alone, the embedded server listens on no port; in a cluster it
// listens for routes from the other hubs on Cluster.Listen and dials Cluster.Routes, routes
// authenticated by Cluster.Secret; with Config.NATS no server is started and the hub is a client
// of that cluster.
type node struct {
	srv  *server.Server
	nc   *nats.Conn
	js   jetstream.JetStream
	name string // this server's name ("" with Config.NATS)
	// replicas is the stream's replication when Config.Replicas is 0: 1 alone, else one per
	// server known (this one and its routes, or the external cluster's), at most 3.
	replicas int

	watchOnce sync.Once
	watch     *clusterWatch // what WatchCluster last saw
}

// ServerName is the embedded server's name, kept in the data directory ("" with Config.NATS).
func (n *node) ServerName() string { return n.name }

// LeaderTimeout bounds how long Open waits for JetStream to be ready: in a cluster, for a
// majority of the hubs to elect the JetStream meta leader.
const LeaderTimeout = 30 * time.Second

// routeUser is the user name routes authenticate with; the password is the cluster secret.
const routeUser = "deskwatch-hub"

// MinSecret is the shortest cluster secret accepted, in bytes.
const MinSecret = 16

// startNode starts the embedded server, or connects to cfg.NATS, and waits for JetStream.
func startNode(cfg Config) (*node, error) {
	return startNodeWithin(cfg, LeaderTimeout)
}

func startNodeWithin(cfg Config, wait time.Duration) (*node, error) {
	var n *node
	var err error
	if cfg.NATS != "" {
		n, err = connectExternal(cfg)
	} else {
		n, err = startEmbedded(cfg)
	}
	if err != nil {
		return nil, err
	}
	if n.js, err = jetstream.New(n.nc); err != nil {
		n.stop()
		return nil, fmt.Errorf("jetlog: jetstream: %w", err)
	}
	if err := n.waitJetStream(cfg, wait); err != nil {
		n.stop()
		return nil, err
	}
	n.replicas = 1
	if n.srv != nil {
		for _, r := range cfg.Cluster.Routes { // the routes may name this server too
			if u, _ := RouteURL(r); u.Host != cfg.Cluster.Listen {
				n.replicas = min(3, n.replicas+1)
			}
		}
	} else {
		n.replicas = max(1, min(3, len(n.nc.Servers()))) // those in --nats and those it learnt of
	}
	n.sayStarted(cfg)
	return n, nil
}

// sayStarted writes, in a cluster, the embedded server's start-up line: its name and routes.
func (n *node) sayStarted(cfg Config) {
	c := cfg.Cluster
	if n.srv == nil || c.Name == "" {
		return
	}
	lg := logTo(cfg)
	routes := make([]string, len(c.Routes))
	for i, r := range c.Routes {
		u, _ := RouteURL(r)
		routes[i] = u.Host
	}
	lg.Printf("nats: embedded server %s in cluster %q: routes on %s, to %s; JetStream in %s",
		n.name, c.Name, c.Listen, strings.Join(routes, ", "), cfg.Dir)
}

// connectExternal connects to the NATS cluster at cfg.NATS (credentials from the URLs' user info),
// reconnecting forever once connected.
func connectExternal(cfg Config) (*node, error) {
	if err := checkNATSURLs(cfg); err != nil {
		return nil, err
	}
	lg := logTo(cfg)
	nc, err := nats.Connect(cfg.NATS, nats.Name("deskwatch hub"), nats.MaxReconnects(-1),
		nats.ReconnectWait(time.Second), nats.Timeout(5*time.Second),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				lg.Printf("nats: disconnected: %v; reconnecting", err)
			}
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) {
			lg.Printf("nats: reconnected to %s", redact(nc.ConnectedUrl()))
		}))
	if err != nil {
		return nil, fmt.Errorf("--nats %s: %w", redactList(cfg.NATS), err)
	}
	lg.Printf("nats: connected to %s (server %s, cluster %q)", redact(nc.ConnectedUrl()),
		nc.ConnectedServerName(), nc.ConnectedClusterName())
	return &node{nc: nc}, nil
}

// checkNATSURLs refuses a --nats entry that is not a nats:// or tls:// URL with a host.
func checkNATSURLs(cfg Config) error {
	if cfg.Cluster.Name != "" || cfg.Cluster.Listen != "" || len(cfg.Cluster.Routes) > 0 {
		return errors.New("--nats uses an external NATS cluster: it does not go with --cluster, --cluster-listen or --routes")
	}
	for _, s := range strings.Split(cfg.NATS, ",") {
		u, err := url.Parse(strings.TrimSpace(s))
		if err != nil || (u.Scheme != "nats" && u.Scheme != "tls") || u.Host == "" {
			return fmt.Errorf("--nats %q: want nats://[USER:PASSWORD@]HOST:PORT (or tls://), comma-separated", redact(s))
		}
	}
	return nil
}

// startEmbedded starts the embedded server with JetStream in cfg.Dir, alone or in cfg.Cluster.
func startEmbedded(cfg Config) (*node, error) {
	opts, err := embeddedOptions(cfg)
	if err != nil {
		return nil, err
	}
	srv, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("jetlog: nats server: %w", err)
	}
	srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		srv.Shutdown()
		return nil, errors.New("jetlog: the embedded nats server did not start within 10s (is --cluster-listen's port free?)")
	}
	nc, err := nats.Connect(srv.ClientURL(), nats.InProcessServer(srv), nats.Name("deskwatch hub"),
		nats.Token(opts.Authorization))
	if err != nil {
		srv.Shutdown()
		return nil, fmt.Errorf("jetlog: connect to the embedded server: %w", err)
	}
	return &node{srv: srv, nc: nc, name: opts.ServerName}, nil
}

// embeddedOptions is the embedded server's configuration for cfg.
func embeddedOptions(cfg Config) (*server.Options, error) {
	if cfg.Dir == "" {
		return nil, errors.New("jetlog: no data directory")
	}
	name, err := serverName(cfg)
	if err != nil {
		return nil, err
	}
	opts := &server.Options{
		ServerName: name,
		JetStream:  true,
		StoreDir:   cfg.Dir,
		DontListen: cfg.ClientListen == "",
		NoSigs:     true,
		NoLog:      true,
		MaxPayload: 8 << 20, // (log helper) an event of the hub's default --max-message (1 MiB) and its headers fit
	}
	if cfg.ClientListen != "" {
		if opts.Host, opts.Port, err = hostPort("the NATS client address", cfg.ClientListen); err != nil {
			return nil, err
		}
	}
	if err := clusterOptions(cfg.Cluster, opts); err != nil {
		return nil, err
	}
	if opts.DontListen && opts.Cluster.Port != 0 {
		// The server starts routing only once its client listener is up: listen on a random
		// loopback port that only this process knows the token of.
		opts.DontListen, opts.Host, opts.Port = false, "127.0.0.1", server.RANDOM_PORT
		opts.Authorization = randomHex(16)
	}
	return opts, nil
}

// clusterOptions joins opts to the cluster c describes (nothing when c is zero).
func clusterOptions(c Cluster, opts *server.Options) error {
	if c.Name == "" {
		if c.Listen != "" || len(c.Routes) > 0 {
			return errors.New("--cluster-listen and --routes need --cluster NAME")
		}
		return nil
	}
	if strings.ContainsAny(c.Name, " \t\r\n.*>") {
		return fmt.Errorf("--cluster %q: a cluster name may not contain spaces, '.', '*' or '>'", c.Name)
	}
	if c.Listen == "" {
		return errors.New("--cluster needs --cluster-listen HOST:PORT, where the other hubs' routes connect")
	}
	if c.Secret == "" {
		return errors.New("--cluster needs --cluster-secret FILE (the same file on every hub): routes without it are refused")
	}
	if len(c.Secret) < MinSecret {
		return fmt.Errorf("the cluster secret is %d bytes: want at least %d", len(c.Secret), MinSecret)
	}
	host, port, err := hostPort("--cluster-listen", c.Listen)
	if err != nil {
		return err
	}
	opts.Cluster = server.ClusterOpts{Name: c.Name, Host: host, Port: port, Username: routeUser,
		Password: c.Secret, NoAdvertise: true}
	for _, r := range c.Routes {
		u, err := RouteURL(r)
		if err != nil {
			return err
		}
		u.User = url.UserPassword(routeUser, c.Secret)
		opts.Routes = append(opts.Routes, u)
	}
	return nil
}

// RouteURL parses one --routes entry: nats-route://HOST:PORT, or HOST:PORT alone.
func RouteURL(s string) (*url.URL, error) {
	s = strings.TrimSpace(s)
	addr := strings.TrimPrefix(s, "nats-route://")
	if strings.Contains(addr, "://") || strings.ContainsAny(addr, "/@?#") {
		return nil, fmt.Errorf("--routes %q: want nats-route://HOST:PORT or HOST:PORT (no user, path or other scheme)", s)
	}
	if _, _, err := hostPort("--routes", addr); err != nil {
		return nil, err
	}
	return &url.URL{Scheme: "nats-route", Host: addr}, nil
}

// hostPort splits a listen or route address, refusing one without a numeric port.
func hostPort(flag, addr string) (string, int, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, fmt.Errorf("%s %q: want HOST:PORT: %v", flag, addr, err)
	}
	p, err := net.LookupPort("tcp", port)
	if err != nil || p <= 0 || strings.ContainsAny(host, " /") {
		return "", 0, fmt.Errorf("%s %q: want HOST:PORT with a port from 1 to 65535", flag, addr)
	}
	return host, p, nil
}

// waitJetStream waits up to wait for JetStream to answer; in a cluster it answers once a majority
// of the servers have elected the meta leader. The error says which routes do not answer.
func (n *node) waitJetStream(cfg Config, wait time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	var err error
	for {
		try, stop := context.WithTimeout(ctx, 2*time.Second)
		_, err = n.js.AccountInfo(try)
		stop()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return n.notReady(cfg, wait, err)
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// notReady explains why JetStream did not answer within wait.
func (n *node) notReady(cfg Config, wait time.Duration, err error) error {
	if cfg.NATS != "" {
		return fmt.Errorf("--nats %s: JetStream did not answer within %s (is JetStream enabled there?): %v",
			redactList(cfg.NATS), wait, err)
	}
	if cfg.Cluster.Name == "" {
		return fmt.Errorf("jetlog: JetStream did not start within %s: %v", wait, err)
	}
	var down []string
	for _, r := range cfg.Cluster.Routes {
		u, _ := RouteURL(r)
		c, derr := net.DialTimeout("tcp", u.Host, 2*time.Second)
		if derr != nil {
			down = append(down, u.Host)
			continue
		}
		_ = c.Close()
	}
	why := "every route answers: check that each hub has the same --cluster name and --cluster-secret"
	if len(down) > 0 {
		why = "routes not reachable: " + strings.Join(down, ", ")
	}
	return fmt.Errorf("cluster %q: no JetStream leader within %s (a majority of the hubs must be up and routed; "+
		"this one has %d route(s)): %s", cfg.Cluster.Name, wait, n.srv.NumRoutes(), why)
}

// stop closes the connection and shuts the embedded server down.
func (n *node) stop() {
	if n.nc != nil {
		n.nc.Close()
	}
	if n.srv != nil {
		n.srv.Shutdown()
		n.srv.WaitForShutdown()
	}
}

// logTo is where the log's own lines go: the Logger Open made over cfg.Log (a Logger writes one
// line at a time), or one that discards them.
func logTo(cfg Config) *log.Logger {
	if cfg.logger == nil {
		return log.New(io.Discard, "", 0)
	}
	return cfg.logger
}

// redact hides the password of a URL, for logs and errors.
func redact(s string) string {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || u.User == nil {
		if strings.Contains(s, "@") {
			return "(a URL with credentials that does not parse)"
		}
		return s
	}
	return u.Redacted()
}

func redactList(s string) string {
	parts := strings.Split(s, ",")
	for i, p := range parts {
		parts[i] = redact(p)
	}
	return strings.Join(parts, ",")
}

// CheckAddr refuses an address (of flag) that is not HOST:PORT with a numeric port.
func CheckAddr(flag, addr string) error {
	_, _, err := hostPort(flag, addr)
	return err
}
