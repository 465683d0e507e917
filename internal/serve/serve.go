// Package serve is the one lifecycle every deskwatch server has (the hub, the simulator, the SSH
// server): serve on a listener until a context ends, then shut down within a bounded time.
package serve

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"
)

// Server is what Run drives: *http.Server and the SSH library's server both are one. Serve blocks
// until the server fails or is shut down; Shutdown stops it gracefully; Close cuts what is left.
type Server interface {
	Serve(net.Listener) error
	Shutdown(context.Context) error
	Close() error
}

// ErrCut is returned (wrapped) by Run when connections were still open at the end of the shutdown
// timeout and were cut.
var ErrCut = errors.New("connections still open at the end of the shutdown timeout were cut")

// Options says how Run stops.
type Options struct {
	// Timeout bounds the shutdown once the context ends: what is still open then is cut.
	Timeout time.Duration
	// Stop, when set, ends what the server cannot end by itself (hijacked WebSockets, SSH sessions).
	// It runs once: alongside Shutdown when the context ends, or after Serve failed.
	Stop func()
	// Closed tells a server closed by Shutdown from a failure: Serve's error e is not one when
	// Closed(e) is true (http.ErrServerClosed, ssh.ErrServerClosed).
	Closed func(error) bool
}

// Run serves on ln until ctx ends, then shuts srv down: Shutdown and Stop run together, and what is
// still running after Options.Timeout is closed, whatever the load. It returns Serve's error when
// serving failed (Stop having run), an error wrapping ErrCut when the shutdown had to cut, and nil
// after a clean shutdown.
func Run(ctx context.Context, ln net.Listener, srv Server, o Options) error {
	var once sync.Once
	stop := func() {
		if o.Stop != nil {
			once.Do(o.Stop)
		}
	}
	sl := &startListener{Listener: ln, accepting: make(chan struct{})}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(sl) }()
	failed := func(err error) error {
		stop()
		if o.Closed != nil && o.Closed(err) {
			return nil
		}
		return err
	}
	select {
	case err := <-served:
		return failed(err)
	case <-ctx.Done():
	}
	// A server's Shutdown closes only the listeners its Serve has registered, and may race with the
	// registering: one stopped before Serve got that far would go on accepting with nobody waiting
	// for it. Serve registers the listener before its first Accept.
	select {
	case err := <-served:
		return failed(err)
	case <-sl.accepting:
	}
	shut, cancel := context.WithTimeout(context.Background(), o.Timeout)
	defer cancel()
	stopped := make(chan struct{})
	go func() {
		stop()
		close(stopped)
	}()
	err := srv.Shutdown(shut)
	select {
	case <-stopped:
	case <-shut.Done():
	}
	if errors.Is(err, context.DeadlineExceeded) {
		_ = srv.Close()
		return fmt.Errorf("shutdown: %w", ErrCut)
	}
	if err != nil {
		_ = srv.Close()
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-served; err != nil && (o.Closed == nil || !o.Closed(err)) {
		return err
	}
	return nil
}

// startListener tells when Serve first calls Accept.
type startListener struct {
	net.Listener
	once      sync.Once
	accepting chan struct{}
}

func (l *startListener) Accept() (net.Conn, error) {
	l.once.Do(func() { close(l.accepting) })
	return l.Listener.Accept()
}
