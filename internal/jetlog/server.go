package jetlog

import (
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// node is the NATS side of a log: the embedded server (nil with Config.NATS) and the connection.
// Owner: the cluster helper (clustering, routes, the secret, an external cluster). The lead's
// first version runs one embedded server that listens on no port.
type node struct {
	srv *server.Server
	nc  *nats.Conn
	js  jetstream.JetStream
}

// startNode starts the embedded server, or connects to cfg.NATS.
func startNode(cfg Config) (*node, error) {
	n := &node{}
	if cfg.NATS != "" {
		nc, err := nats.Connect(cfg.NATS, nats.Name("deskwatch hub"), nats.MaxReconnects(-1))
		if err != nil {
			return nil, fmt.Errorf("--nats %s: %w", cfg.NATS, err)
		}
		n.nc = nc
	} else {
		if cfg.Dir == "" {
			return nil, errors.New("jetlog: no data directory")
		}
		opts := &server.Options{
			ServerName: cfg.ServerName,
			JetStream:  true,
			StoreDir:   cfg.Dir,
			DontListen: cfg.ClientListen == "",
			NoSigs:     true,
			NoLog:      true,
			MaxPayload: 8 << 20, // (log helper) an event of the hub's default --max-message (1 MiB) and its headers fit
		}
		srv, err := server.NewServer(opts)
		if err != nil {
			return nil, fmt.Errorf("jetlog: nats server: %w", err)
		}
		srv.Start()
		if !srv.ReadyForConnections(10 * time.Second) {
			srv.Shutdown()
			return nil, errors.New("jetlog: the embedded nats server did not start within 10s")
		}
		n.srv = srv
		nc, err := nats.Connect(srv.ClientURL(), nats.InProcessServer(srv), nats.Name("deskwatch hub"))
		if err != nil {
			srv.Shutdown()
			return nil, fmt.Errorf("jetlog: connect to the embedded server: %w", err)
		}
		n.nc = nc
	}
	js, err := jetstream.New(n.nc)
	if err != nil {
		n.stop()
		return nil, fmt.Errorf("jetlog: jetstream: %w", err)
	}
	n.js = js
	return n, nil
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
