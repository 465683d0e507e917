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

	"github.com/deskwatch/deskwatch/internal/positive"
	"github.com/deskwatch/deskwatch/internal/synth"
	"github.com/deskwatch/deskwatch/internal/wsfan"
)

// DefaultQueue is how many messages a subscriber may fall behind before it is disconnected.
const DefaultQueue = 8192

// maxBurst bounds the events produced in one go, so that a subscriber joining during a catch-up
// (the warm-up, a stalled process) is not kept waiting.
const maxBurst = 512

// Config configures a simulator server.
type Config struct {
	// Seed, Agents and Rate (events per second) configure the generator, as for the demo;
	// AgentPrefix starts its agent ids.
	Seed        int64
	Agents      int
	Rate        float64
	AgentPrefix string
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

	mu    sync.Mutex // guards the generator and the subscribers
	pacer *synth.Pacer
	gen   *synth.Generator // the pacer's
	chaos *chaos
	// fan is the subscribers: each gets the generator's welcome (each agent's presence and
	// INTERACTIONS_STATE snapshot, at its current seq: the live stream goes on from it), taken
	// under mu as it joins, then the live events.
	fan *wsfan.Fan[[]byte, [][]byte]

	n struct{ conns, events, dropped, malformed, slow, unauthorized atomic.Int64 }
}

// New returns a server whose stream starts now (after Config.Warmup of simulated history).
func New(cfg Config) *Server {
	cfg.Queue = positive.Or(cfg.Queue, DefaultQueue)
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{
		cfg: cfg,
		upgrader: websocket.Upgrader{ReadBufferSize: 1 << 10, WriteBufferSize: 32 << 10,
			CheckOrigin: func(*http.Request) bool { return true }},
		log:   log,
		chaos: newChaos(cfg.Chaos, cfg.Seed),
	}
	s.fan = wsfan.NewFan[[]byte](&s.mu, wsfan.Snapshots[[][]byte]{Take: func() [][]byte { return s.gen.Welcome() }},
		func(*wsfan.Overflow) (int, string) {
			s.n.slow.Add(1)
			return websocket.ClosePolicyViolation, "subscriber too slow: fell " + strconv.Itoa(s.cfg.Queue) + " messages behind"
		})
	s.pacer = synth.NewPacer(synth.PacerConfig{
		Generator: synth.GeneratorConfig{Seed: cfg.Seed, Agents: cfg.Agents, Rate: cfg.Rate, AgentPrefix: cfg.AgentPrefix},
		Warmup:    cfg.Warmup, Limit: cfg.Events, Lock: &s.mu,
		Burst: max(1, min(maxBurst, cfg.Queue/2))}) // a burst must fit in a queue
	s.gen = s.pacer.Generator()
	return s
}

// Stats returns the server's counters.
func (s *Server) Stats() Stats {
	return Stats{Subscribers: s.fan.Len(), Connections: s.n.conns.Load(), Events: s.n.events.Load(),
		Dropped: s.n.dropped.Load(), Malformed: s.n.malformed.Load(), Slow: s.n.slow.Load(),
		Unauthorized: s.n.unauthorized.Load()}
}

// Run produces the stream in real time until ctx ends, then disconnects every subscriber ("going
// away") and waits for their connections to close.
func (s *Server) Run(ctx context.Context) error {
	defer func() {
		s.fan.Close(websocket.CloseGoingAway, "simulator shutting down")
		s.fan.Wait()
	}()
	return s.pacer.Run(ctx, s.step)
}

// step broadcasts one event, with whatever faults are configured. The pacer calls it holding s.mu.
func (s *Server) step(data []byte, _ time.Time) {
	s.n.events.Add(1)
	if s.chaos.drop() {
		s.n.dropped.Add(1)
		return
	}
	s.fan.Broadcast("", data, len(data))
	if bad := s.chaos.malformed(); bad != nil {
		s.n.malformed.Add(1)
		s.fan.Broadcast("", bad, len(bad))
	}
}

// authorized checks the bearer token when one is configured, in constant time.
func (s *Server) authorized(r *http.Request) bool {
	if s.cfg.Token == "" {
		return true
	}
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && subtle.ConstantTimeCompare([]byte(strings.TrimSpace(got)), []byte(s.cfg.Token)) == 1
}
