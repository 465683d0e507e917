package sim

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/deskwatch/deskwatch/internal/serve"
)

// writeTimeout bounds writing one message: a subscriber whose connection takes longer is dropped.
const writeTimeout = 10 * time.Second

// shutdownTimeout bounds the HTTP server's shutdown once the stream has stopped.
const shutdownTimeout = 2 * time.Second

// subscriber is one connection's queue and its reason to close, set once.
type subscriber struct {
	queue  chan []byte
	kicked chan struct{}
	once   sync.Once
	code   int    // the close code to send; 0 when the subscriber left by itself
	reason string // why the connection ended, for the close frame and the log
}

// kick ends the subscription; the first reason given wins.
func (sub *subscriber) kick(code int, reason string) {
	sub.once.Do(func() {
		sub.code, sub.reason = code, reason
		close(sub.kicked)
	})
}

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
	sub := &subscriber{queue: make(chan []byte, s.cfg.Queue), kicked: make(chan struct{})}
	welcome, ok := s.join(sub)
	if !ok {
		_ = conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseGoingAway,
			"simulator shutting down"), time.Now().Add(time.Second))
		conn.Close()
		return
	}
	defer s.conns.Done()
	defer s.leave(sub)
	s.serve(conn, sub, welcome, r.RemoteAddr)
}

// serve writes the welcome and then the queue to the connection until the subscription ends.
func (s *Server) serve(conn *websocket.Conn, sub *subscriber, welcome [][]byte, remote string) {
	id := s.n.conns.Add(1)
	log := s.log.With("conn", id, "remote", remote)
	log.Info("subscriber connected")
	conn.SetReadLimit(4 << 10) // subscribers send nothing but control frames
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		for {
			if _, _, err := conn.NextReader(); err != nil {
				sub.kick(0, "subscriber left: "+err.Error())
				return
			}
		}
	}()
	if s.cfg.CloseEvery > 0 {
		t := time.AfterFunc(s.cfg.CloseEvery, func() {
			sub.kick(websocket.CloseServiceRestart, "simulated restart (--close-every)")
		})
		defer t.Stop()
	}

	if err := s.pour(conn, sub, welcome); err != nil {
		sub.kick(0, "write failed: "+err.Error())
	}
	<-sub.kicked
	if sub.code != 0 {
		// A slow subscriber's close frame waits behind what it has not read yet; one still reading
		// gets it, with the reason, within writeTimeout.
		_ = conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(sub.code, sub.reason),
			time.Now().Add(writeTimeout))
	}
	conn.Close()
	<-readerDone
	log.Info("subscriber disconnected", "reason", sub.reason)
}

// pour writes the welcome, then queued messages until the subscription is ended or a write fails.
func (s *Server) pour(conn *websocket.Conn, sub *subscriber, welcome [][]byte) error {
	write := func(b []byte) error {
		_ = conn.SetWriteDeadline(time.Now().Add(writeTimeout))
		return conn.WriteMessage(websocket.TextMessage, b)
	}
	for _, b := range welcome {
		if err := write(b); err != nil {
			return err
		}
	}
	for {
		select {
		case <-sub.kicked:
			return nil
		case b := <-sub.queue:
			if err := write(b); err != nil {
				return err
			}
		}
	}
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
