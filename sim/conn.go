package sim

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/gorilla/websocket"

	"github.com/deskwatch/deskwatch/internal/serve"
	"github.com/deskwatch/deskwatch/internal/wsfan"
	"github.com/deskwatch/deskwatch/model"
)

// writeTimeout bounds writing one message: a subscriber whose connection takes longer is dropped.
const writeTimeout = 10 * time.Second

// shutdownTimeout bounds the HTTP server's shutdown once the stream has stopped.
const shutdownTimeout = 2 * time.Second

// subscriber is one connection's fan-out queue; it carries encoded messages. Its Stop ends the
// subscription (the first reason given wins); with a code other than 0 a close frame is sent,
// within writeTimeout: a slow subscriber's waits behind what it has not read yet.
type subscriber = wsfan.Subscriber[[]byte]

// ServeHTTP is the WebSocket endpoint: it checks the token, upgrades, and streams to the
// subscriber until one side ends the connection.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(r) {
		s.n.unauthorized.Add(1)
		s.log.Info("refused: missing or wrong bearer token", "remote", r.RemoteAddr)
		w.Header().Set("WWW-Authenticate", `Bearer realm="deskwatch simulator"`)
		http.Error(w, "unauthorized: missing or wrong bearer token", http.StatusUnauthorized)
		return
	}
	if !websocket.IsWebSocketUpgrade(r) {
		http.Error(w, fmt.Sprintf("deskwatch simulator: this is a WebSocket stream; subscribe with "+
			"deskwatch ws://%s%s", r.Host, r.URL.Path), http.StatusUpgradeRequired)
		return
	}
	conn, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // Upgrade has answered the client
	}
	sub := wsfan.New[[]byte](conn, wsfan.Config{Queue: s.cfg.Queue, WriteWait: writeTimeout,
		CloseWait: writeTimeout})
	welcome, ok := s.fan.Subscribe(sub)
	if !ok {
		sub.Stop(websocket.CloseGoingAway, "simulator shutting down")
		return
	}
	defer s.fan.Leave(sub)
	s.serve(sub, <-welcome, r.RemoteAddr)
}

// serve writes the welcome and then the queue to the connection until the subscription ends.
func (s *Server) serve(sub *subscriber, welcome [][]byte, remote string) {
	id := s.n.conns.Add(1)
	log := s.log.With("conn", id, "remote", remote)
	log.Info("subscriber connected")
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		err := sub.Read(4<<10, 0) // subscribers send nothing but control frames
		sub.Stop(0, "subscriber left: "+err.Error())
	}()
	if s.cfg.CloseEvery > 0 {
		t := time.AfterFunc(s.cfg.CloseEvery, func() {
			sub.Stop(websocket.CloseServiceRestart, "simulated restart (--close-every)")
		})
		defer t.Stop()
	}
	if err := pour(sub, welcome); err != nil {
		sub.Stop(0, "write failed: "+err.Error())
	}
	<-readerDone // the connection is closed once the subscription has ended
	_, reason := sub.Reason()
	log.Info("subscriber disconnected", "reason", reason)
}

// pour writes the welcome and its end (DESKWATCH_RESYNC_END, as a hub ends its snapshot: a monitor
// that reconnects ends what the welcome no longer lists), then queued messages until the
// subscription is ended or a write fails.
func pour(sub *subscriber, welcome [][]byte) error {
	for _, b := range welcome {
		if err := sub.WriteText(b); err != nil {
			return err
		}
	}
	// Filed under the welcome's own event time, so every subscriber of one welcome gets the same bytes.
	at := time.Now()
	if n := len(welcome); n > 0 {
		if ts := model.PeekTS(welcome[n-1]); !ts.IsZero() {
			at = ts
		}
	}
	end := model.AppendEvent(nil, model.EvResyncEnd, "", at.UnixMilli(), model.NoSeq, nil)
	if err := sub.WriteText(end); err != nil {
		return err
	}
	return sub.Drain(0, sub.WriteText)
}

// Serve accepts subscribers on ln at Config.Path while it runs the stream, until ctx ends; then it
// closes every connection ("going away") and returns nil. It returns an error only if serving
// failed.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	path := cmp.Or(s.cfg.Path, "/")
	mux := http.NewServeMux()
	mux.Handle(path, s)
	if path != "/" {
		mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "deskwatch simulator: the stream is at "+path, http.StatusNotFound)
		})
	}
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelDebug)}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ran := make(chan struct{})
	go func() {
		_ = s.Run(ctx) // returns once every subscriber has been disconnected
		close(ran)
	}()
	err := serve.HTTP(ctx, ln, hs, "", "", serve.Options{Timeout: shutdownTimeout, Stop: func() { cancel(); <-ran }})
	<-ran
	if err != nil && !errors.Is(err, serve.ErrCut) {
		return fmt.Errorf("simulator: %w", err)
	}
	return nil
}
