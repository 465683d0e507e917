package serve

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"
)

func listen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

func TestServesUntilTheContextEndsThenStops(t *testing.T) {
	t.Parallel()
	ln := listen(t)
	var stops atomic.Int32
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("ok"))
	})}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- HTTP(ctx, ln, srv, "", "", Options{Timeout: 5 * time.Second, Stop: func() { stops.Add(1) }})
	}()
	resp, err := http.Get("http://" + ln.Addr().String() + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run after the context ended: %v", err)
	}
	if n := stops.Load(); n != 1 {
		t.Errorf("Stop ran %d times, want once", n)
	}
	if _, err := net.Dial("tcp", ln.Addr().String()); err == nil {
		t.Error("still accepting after the shutdown")
	}
}

func TestAShutdownThatTakesTooLongIsCut(t *testing.T) {
	t.Parallel()
	ln := listen(t)
	entered, release := make(chan struct{}), make(chan struct{})
	defer close(release)
	srv := &http.Server{Handler: http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		close(entered)
		<-release
	})}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- HTTP(ctx, ln, srv, "", "", Options{Timeout: 50 * time.Millisecond}) }()
	go func() {
		if resp, err := http.Get("http://" + ln.Addr().String() + "/"); err == nil {
			resp.Body.Close()
		}
	}()
	<-entered
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, ErrCut) {
			t.Errorf("Run = %v, want ErrCut", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the shutdown was not bounded")
	}
}

func TestAFailureToServeIsReturnedAfterStop(t *testing.T) {
	t.Parallel()
	ln := listen(t)
	ln.Close()
	stopped := false
	err := HTTP(context.Background(), ln, &http.Server{}, "", "", Options{Timeout: time.Second,
		Stop: func() { stopped = true }})
	if err == nil || errors.Is(err, ErrCut) {
		t.Errorf("Run on a closed listener = %v", err)
	}
	if !stopped {
		t.Error("Stop did not run")
	}
}

func TestAContextEndedBeforeServeStartedStillStops(t *testing.T) {
	t.Parallel()
	ln := listen(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := HTTP(ctx, ln, &http.Server{}, "", "", Options{Timeout: time.Second}); err != nil {
		t.Errorf("Run = %v", err)
	}
}
