package sim

import (
	"context"
	"crypto/subtle"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/deskwatch/deskwatch/feed"
)

// DefaultQueue is how many messages a subscriber may fall behind before it is disconnected.
const DefaultQueue = 8192

// maxBurst bounds the events produced in one go, so that a subscriber joining during a catch-up
// (the warm-up, a stalled process) is not kept waiting.
const maxBurst = 512

// Config configures a simulator server.
type Config struct {
	// Seed, Agents and Rate (events per second) configure the generator, as for the demo.
	Seed   int64
	Agents int
	Rate   float64
	// Warmup is simulated history produced at once on start, so that the desk opens busy.
	Warmup time.Duration
	// Events stops the stream after this many events (0: never); connections stay open, and new
	// subscribers still get the final state.
	Events int64
	// Chaos injects faults into the live stream.
	Chaos Chaos
	// CloseEvery closes each connection after it has been open this long (0: never), as a server
	// restart would.
	CloseEvery time.Duration
	// Token, when set, is required as "Authorization: Bearer TOKEN".
	Token string
	// Path is where Serve serves the stream ("/" when empty).
	Path string
	// Queue is each subscriber's queue length (DefaultQueue when <= 0).
	Queue int
	// Log receives connection events (discarded when nil).
	Log *slog.Logger
}

// Stats counts what a server has done.
type Stats struct {
	// Subscribers is the number connected now; Connections counts every connection accepted.
	Subscribers int
	Connections int64
	// Events counts events produced; Dropped the ones not sent; Malformed the bad messages sent.
	Events, Dropped, Malformed int64
	// Slow counts subscribers disconnected for falling behind; Unauthorized counts refused handshakes.
	Slow, Unauthorized int64
}

// Server serves one live stream to every subscriber. The generator runs once; every subscriber
// sees the same events. Run drives the stream; ServeHTTP is the WebSocket endpoint.
type Server struct {
	cfg      Config
	upgrader websocket.Upgrader
	log      *slog.Logger

	mu      sync.Mutex // guards the generator, the seq numbers and the subscribers
	gen     *feed.Generator
	seq     map[string]int64
	chaos   *chaos
	subs    map[*subscriber]struct{}
	stopped bool

	shutdown chan struct{} // closed when Run ends
	conns    sync.WaitGroup
	n        struct{ conns, events, dropped, malformed, slow, unauthorized atomic.Int64 }
}

// New returns a server whose stream starts now (after Config.Warmup of simulated history).
func New(cfg Config) *Server {
	if cfg.Queue <= 0 {
		cfg.Queue = DefaultQueue
	}
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	start := time.Now().Add(-cfg.Warmup) // keeps the monotonic reading, so pacing ignores clock jumps
	return &Server{
		cfg: cfg,
		upgrader: websocket.Upgrader{ReadBufferSize: 1 << 10, WriteBufferSize: 32 << 10,
			CheckOrigin: func(*http.Request) bool { return true }},
		log: log,
		gen: feed.NewGenerator(feed.GeneratorConfig{Seed: cfg.Seed, Agents: cfg.Agents,
			Rate: cfg.Rate, Start: start}),
		seq:      make(map[string]int64),
		chaos:    newChaos(cfg.Chaos, cfg.Seed),
		subs:     make(map[*subscriber]struct{}),
		shutdown: make(chan struct{}),
	}
}

// Stats returns the server's counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	subs := len(s.subs)
	s.mu.Unlock()
	return Stats{Subscribers: subs, Connections: s.n.conns.Load(), Events: s.n.events.Load(),
		Dropped: s.n.dropped.Load(), Malformed: s.n.malformed.Load(), Slow: s.n.slow.Load(),
		Unauthorized: s.n.unauthorized.Load()}
}

// Run produces the stream in real time until ctx ends, then disconnects every subscriber ("going
// away") and waits for their connections to close.
func (s *Server) Run(ctx context.Context) error {
	defer func() {
		s.mu.Lock()
		s.stopped = true
		for sub := range s.subs {
			sub.kick(websocket.CloseGoingAway, "simulator shutting down")
		}
		s.mu.Unlock()
		close(s.shutdown)
		s.conns.Wait()
	}()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		next, more := s.produce()
		if !more {
			<-ctx.Done()
			return ctx.Err()
		}
		if wait := time.Until(next); wait > 0 {
			timer.Reset(wait)
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-timer.C:
			}
		} else if err := ctx.Err(); err != nil {
			return err
		}
	}
}

// produce sends every event that is due, at most maxBurst of them, and returns the time of the next
// one; more is false when Config.Events have all been produced.
func (s *Server) produce() (next time.Time, more bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	for range max(1, min(maxBurst, s.cfg.Queue/2)) { // a burst must fit in a queue
		if s.cfg.Events > 0 && s.n.events.Load() >= s.cfg.Events {
			return time.Time{}, false
		}
		if s.gen.Now().After(now) {
			break
		}
		s.step()
	}
	return s.gen.Now(), true
}

// step produces one event and broadcasts it, with whatever faults are configured.
func (s *Server) step() {
	data, _ := s.gen.Next()
	s.n.events.Add(1)
	if agent, ok := agentOf(data); ok {
		s.seq[agent]++
		data = withSeq(data, s.seq[agent])
	}
	if s.chaos.drop() {
		s.n.dropped.Add(1)
		return
	}
	s.broadcast(data)
	if bad := s.chaos.malformed(); bad != nil {
		s.n.malformed.Add(1)
		s.broadcast(bad)
	}
}

// broadcast queues data for every subscriber; one whose queue is full is disconnected rather than
// allowed to hold the others up. The caller holds s.mu.
func (s *Server) broadcast(data []byte) {
	for sub := range s.subs {
		if sub.Push(data, len(data)) != nil {
			s.n.slow.Add(1)
			delete(s.subs, sub)
			sub.kick(websocket.ClosePolicyViolation, "subscriber too slow: fell "+
				strconv.Itoa(s.cfg.Queue)+" messages behind")
		}
	}
}

// join registers a subscriber (the caller calls s.conns.Done when its connection ends) and returns what it is sent first: each agent's presence (login and
// state) and INTERACTIONS_STATE snapshot. They carry the agent's current seq, not the next one: they
// describe the state as of that event, and the live stream that follows goes on from it.
func (s *Server) join(sub *subscriber) (welcome [][]byte, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return nil, false
	}
	for _, list := range [][][]byte{s.gen.Presence(), s.gen.Snapshots()} {
		for _, b := range list {
			if agent, ok := agentOf(b); ok {
				b = withSeq(b, s.seq[agent])
			}
			welcome = append(welcome, b)
		}
	}
	s.subs[sub] = struct{}{}
	s.conns.Add(1) // under s.mu with stopped false, so never concurrent with Run's final Wait
	return welcome, true
}

func (s *Server) leave(sub *subscriber) {
	s.mu.Lock()
	delete(s.subs, sub)
	s.mu.Unlock()
}

// authorized checks the bearer token when one is configured, in constant time.
func (s *Server) authorized(r *http.Request) bool {
	if s.cfg.Token == "" {
		return true
	}
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && subtle.ConstantTimeCompare([]byte(strings.TrimSpace(got)), []byte(s.cfg.Token)) == 1
}
