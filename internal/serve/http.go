package serve

import (
	"context"
	"errors"
	"net"
	"net/http"
)

// HTTP runs srv on ln as Run does, speaking TLS when certFile is set. http.ErrServerClosed is not
// a failure.
func HTTP(ctx context.Context, ln net.Listener, srv *http.Server, certFile, keyFile string, o Options) error {
	if o.Closed == nil {
		o.Closed = func(err error) bool { return errors.Is(err, http.ErrServerClosed) }
	}
	return Run(ctx, ln, httpServer{srv, certFile, keyFile}, o)
}

type httpServer struct {
	*http.Server
	certFile, keyFile string
}

func (s httpServer) Serve(ln net.Listener) error {
	if s.certFile != "" {
		return s.ServeTLS(ln, s.certFile, s.keyFile)
	}
	return s.Server.Serve(ln)
}
