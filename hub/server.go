package hub

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/deskwatch/deskwatch/internal/positive"
	"github.com/deskwatch/deskwatch/internal/serve"
)

// Defaults for the zero values of ServerConfig.
const (
	DefaultHeaderTimeout   = 10 * time.Second
	DefaultIdleTimeout     = 120 * time.Second
	DefaultMaxHeaderBytes  = 64 << 10
	DefaultShutdownTimeout = 5 * time.Second
)

// ServerConfig bounds what an HTTP client can hold before it becomes a WebSocket.
type ServerConfig struct {
	// HeaderTimeout bounds the time a client has to send a request's headers (a slow client is cut).
	HeaderTimeout time.Duration
	// IdleTimeout bounds how long an idle keep-alive connection stays open between requests.
	IdleTimeout time.Duration
	// MaxHeaderBytes bounds a request's headers.
	MaxHeaderBytes int
	// ShutdownTimeout bounds how long Serve waits for requests in progress once its context ends.
	ShutdownTimeout time.Duration
	// CertFile and KeyFile, when set, make Serve speak TLS.
	CertFile, KeyFile string
}

func (c *ServerConfig) defaults() {
	c.HeaderTimeout = positive.Or(c.HeaderTimeout, DefaultHeaderTimeout)
	c.IdleTimeout = positive.Or(c.IdleTimeout, DefaultIdleTimeout)
	c.MaxHeaderBytes = positive.Or(c.MaxHeaderBytes, DefaultMaxHeaderBytes)
	c.ShutdownTimeout = positive.Or(c.ShutdownTimeout, DefaultShutdownTimeout)
}

// Server returns the HTTP server for the hub's handler, with the limits of cfg.Server.
func (h *Hub) Server() *http.Server {
	c := h.cfg.Server
	return &http.Server{
		Handler:           h.Handler(),
		ReadHeaderTimeout: c.HeaderTimeout,
		IdleTimeout:       c.IdleTimeout,
		MaxHeaderBytes:    c.MaxHeaderBytes,
		ErrorLog:          h.log,
	}
}

// Serve serves the hub on ln until ctx ends, then disconnects every bridge and monitor and stops
// the server within ShutdownTimeout, whatever the load: WebSockets are closed by the hub (no lock
// it takes is held for long), and requests still running after the timeout are cut.
func (h *Hub) Serve(ctx context.Context, ln net.Listener) error {
	c := h.cfg.Server
	err := serve.HTTP(ctx, ln, h.Server(), c.CertFile, c.KeyFile, serve.Options{Timeout: c.ShutdownTimeout, Stop: h.Close})
	switch {
	case errors.Is(err, serve.ErrCut):
		return fmt.Errorf("hub: shutdown: requests still running after %v were cut", c.ShutdownTimeout)
	case err != nil:
		return fmt.Errorf("hub: %w", err)
	}
	return nil
}
