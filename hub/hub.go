// Package hub is deskwatch's relay: browser bridges in Agent Desktop pages send their events to
// /ingest, monitors subscribe to /stream. The hub keeps the current state in the same store the
// monitor uses, so a monitor that joins gets one snapshot per agent and then the live events, and a
// slow monitor is disconnected rather than allowed to slow the bridges or the other monitors.
package hub

import (
	"fmt"
	"io"
	"log"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/deskwatch/deskwatch/bridge"
	"github.com/deskwatch/deskwatch/internal/positive"
	"github.com/deskwatch/deskwatch/internal/wsfan"
	"github.com/deskwatch/deskwatch/model"
)

// Defaults for the zero values of Config.
const (
	DefaultQueueSize    = 4096
	DefaultPingInterval = 30 * time.Second
	writeWait           = 10 * time.Second
)

// Config configures a Hub. The zero value is an open hub (no tokens) with default limits.
type Config struct {
	// IngestTokens and StreamTokens, when set, are required of bridges and monitors respectively.
	IngestTokens, StreamTokens *Tokens
	// Origins, when not empty, lists the page origins (e.g. https://crm.example.com) allowed to
	// open WebSockets; clients that send no Origin header (non-browsers) are always allowed.
	Origins []string
	// QueueSize is how many messages may wait for one monitor before it is disconnected.
	QueueSize int
	// MaxMessage is the largest message accepted from a bridge, in bytes. A larger one is read to
	// its end, logged, counted and acknowledged, and the connection goes on; one of more than 64
	// times MaxMessage ends the connection.
	MaxMessage int
	// PingInterval is how often idle connections are pinged; a peer silent for two intervals is
	// dropped.
	PingInterval time.Duration
	// Log receives one line per connection and per rejected message; nil discards them.
	Log io.Writer
	// BridgeJS is served at /bridge.js; nil serves the bridge built into deskwatch.
	BridgeJS []byte
	// Limits bound what bridges and monitors can make the hub hold.
	Limits Limits
	// Server configures the HTTP server Serve runs.
	Server ServerConfig
	// GoneAfter is how long an agent may be without a bridge before the hub says its desktop is
	// gone and ends its open interactions (DefaultGoneAfter; kept within MinGoneAfter and
	// MaxGoneAfter).
	GoneAfter time.Duration
}

// Hub relays events from bridges to monitors. Its methods are safe for concurrent use.
type Hub struct {
	cfg      Config
	log      *log.Logger
	m        *metrics
	upgrader websocket.Upgrader
	connSeq  atomic.Int64
	// connCount counts WebSocket connections against Limits.MaxConnections.
	connCount atomic.Int64
	// encodeInteraction encodes an interaction for snapshots (tests make it fail).
	encodeInteraction func(*model.Interaction) (jsontext.Value, error)
	// messageHook, when a test sets it, sees every bridge message before it is handled (a test
	// makes it panic on a marker message to check the recovery).
	messageHook func(data []byte)
	figures     figureCache

	// mu orders every applied event with the fan-out of it and with new subscriptions, so a new
	// monitor's snapshot and the live events after it neither overlap nor leave a gap.
	mu    sync.Mutex
	store *model.Store
	// streams is the monitors on /stream, guarded by mu. A monitor gets the store's snapshot, shared
	// while the store does not change; while events arrive, at most one is taken per
	// defaultSnapshotInterval: monitors that join meanwhile wait for the next one together.
	streams  *wsfan.Fan[*liveMsg, *snapEntry]
	sessions map[string]agentSeq          // per agent: the bridge session and last seq applied
	replays  map[string]map[string]string // per agent: slot -> key of the last agent-state packet
	desks    map[string]*deskState        // per agent: the bridges publishing for it (desktop.go)
	conns    map[*wsfan.Closer]struct{}   // the bridges' connections
	// bridges counts the bridge handlers running (track to untrack), so that Close can wait for
	// them to log how their connection ended.
	bridges sync.WaitGroup
	closed  bool

	auth *authState // the tokens of open connections, for revoking them (auth.go)
}

// agentSeq remembers the last seq applied for an agent from one bridge session (one page load).
type agentSeq struct {
	session string
	seq     int64
}

// New returns a hub configured by cfg.
func New(cfg Config) *Hub {
	cfg.QueueSize = positive.Or(cfg.QueueSize, DefaultQueueSize)
	cfg.MaxMessage = positive.Or(cfg.MaxMessage, model.DefaultMaxMessage)
	cfg.PingInterval = positive.Or(cfg.PingInterval, DefaultPingInterval)
	cfg.GoneAfter = min(max(positive.Or(cfg.GoneAfter, DefaultGoneAfter), MinGoneAfter), MaxGoneAfter)
	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	if cfg.BridgeJS == nil {
		cfg.BridgeJS = bridge.Script()
	}
	cfg.Limits.defaults()
	cfg.Server.defaults()
	h := &Hub{
		cfg: cfg,
		log: log.New(cfg.Log, "", log.LstdFlags|log.LUTC),
		// The store holds the hub's caps on agents, interactions and parties (limits.go).
		store: model.NewStore(model.WithRetention(1), model.WithoutFloorStats(), model.WithCaps(cfg.Limits.MaxAgents, model.DefaultMaxOpen),
			model.WithAgentCaps(cfg.Limits.MaxInteractionsPerAgent, cfg.Limits.MaxParties)),
		sessions: make(map[string]agentSeq),
		replays:  make(map[string]map[string]string),
		desks:    make(map[string]*deskState),
		conns:    make(map[*wsfan.Closer]struct{}),

		encodeInteraction: marshalInteraction,
	}
	h.streams = wsfan.NewFan[*liveMsg](&h.mu, wsfan.Snapshots[*snapEntry]{
		Take:     func() *snapEntry { return &snapEntry{sn: h.store.Snapshot()} },
		Current:  func(e *snapEntry) bool { return e.sn.Version == h.store.Version() },
		Interval: defaultSnapshotInterval,
	}, h.slow)
	h.figures.snapshot = h.store.Snapshot
	h.m = newMetrics(h.stateFigures)
	h.startAuth()
	h.upgrader = websocket.Upgrader{
		HandshakeTimeout: 10 * time.Second,
		CheckOrigin:      h.originAllowed,
		// Browsers' close reasons and errors are more useful in the hub's log than an HTTP 403.
		Error: func(w http.ResponseWriter, r *http.Request, status int, reason error) {
			http.Error(w, reason.Error(), status)
		},
	}
	return h
}

// Handler serves the hub's endpoints: /ingest, /stream, /bridge.js, /healthz and /metrics.
func (h *Hub) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /ingest", h.serveIngest)
	mux.HandleFunc("GET /stream", h.serveStream)
	mux.HandleFunc("GET /bridge.js", h.serveBridge)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, "ok\n")
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(h.m.reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, "deskwatch hub: /ingest (bridges), /stream (monitors), /bridge.js, /healthz, /metrics\n")
	})
	return mux
}

func (h *Hub) serveBridge(w http.ResponseWriter, r *http.Request) {
	if len(h.cfg.BridgeJS) == 0 {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	// Pages pick up a new bridge after a hub upgrade without a stale cached copy.
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(h.cfg.BridgeJS)
}

// Close disconnects every bridge and monitor; the hub accepts no new connections afterwards.
// It does not stop the HTTP server, which belongs to the caller.
func (h *Hub) Close() {
	h.stopAuth()
	h.mu.Lock()
	h.closed = true
	h.stopDesktopsLocked()
	for c := range h.conns {
		c.Stop(websocket.CloseGoingAway, "hub shutting down")
	}
	h.mu.Unlock()
	h.streams.Close(websocket.CloseGoingAway, "hub shutting down")
	// The bridges' handlers end as their connections close; give them a moment to say so in the
	// log (a process that exits now would cut their last lines), never long.
	done := make(chan struct{})
	go func() { h.bridges.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
	}
}

// track registers a connection for Close; it reports false when the hub is already closed.
func (h *Hub) track(c *wsfan.Closer) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return false
	}
	h.conns[c] = struct{}{}
	h.bridges.Add(1)
	return true
}

func (h *Hub) isClosed() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.closed
}

func (h *Hub) untrack(c *wsfan.Closer) {
	h.mu.Lock()
	delete(h.conns, c)
	h.mu.Unlock()
	h.bridges.Done()
}

func (h *Hub) originAllowed(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" || len(h.cfg.Origins) == 0 {
		return true
	}
	for _, o := range h.cfg.Origins {
		if o == origin {
			return true
		}
	}
	return false
}

// publish applies one valid event and queues it, once for all, for every subscriber of its agent
// (service filters decide in each subscriber's own goroutine). It reports false for a duplicate,
// which is neither applied nor relayed, and an error for an event over one of the limits (which
// the store checks as it applies the event).
func (h *Hub) publish(session string, data []byte, ev model.Event) (bool, error) {
	msg := prepare(data)
	h.mu.Lock()
	defer h.mu.Unlock()
	dup, key := h.duplicate(session, ev)
	if dup {
		return false, nil
	}
	if err := h.store.ApplyChecked(ev, model.EventTime(ev, time.Now())); err != nil {
		return false, capError(err)
	}
	h.remember(session, ev, key)
	if msg == nil {
		return true, nil
	}
	h.streams.Broadcast(&liveMsg{ev: ev, data: data, msg: msg}, len(data))
	return true, nil
}

// duplicate reports an event a reconnecting bridge sent again: a seq it already sent in this
// session, or a replay of the agent's login or state that changes nothing. It also returns the
// event's replay key (replayKey; "" for an event that sets no replayed state), for remember.
func (h *Hub) duplicate(session string, ev model.Event) (bool, string) {
	if ev.HasSeq && session != "" {
		last, ok := h.sessions[ev.AgentID]
		if ok && last.session == session && ev.Seq <= last.seq {
			return true, ""
		}
	}
	slot := replaySlot(ev.Type)
	if slot == "" {
		return false, ""
	}
	key := replayKey(ev)
	return !ev.HasSeq && !ev.TS.IsZero() && h.replays[ev.AgentID][slot] == key, key
}

// remember records an applied event for duplicate; key is the replay key duplicate returned.
func (h *Hub) remember(session string, ev model.Event, key string) {
	if ev.HasSeq && session != "" {
		h.sessions[ev.AgentID] = agentSeq{session: session, seq: ev.Seq}
	}
	slot := replaySlot(ev.Type)
	if slot == "" {
		return
	}
	seen := h.replays[ev.AgentID]
	if seen == nil {
		seen = make(map[string]string, 3)
		h.replays[ev.AgentID] = seen
	}
	seen[slot] = key
}

// replayKey is what a replayed agent-state packet repeats.
func replayKey(ev model.Event) string {
	return fmt.Sprintf("%s|%d|%+v", ev.Type, ev.TS.UnixMilli(), ev.Payload)
}

// replaySlot names the piece of agent state an event sets, for the event types a bridge replays
// on reconnect (without seq, with their original ts).
func replaySlot(typ string) string {
	switch typ {
	case model.EvLogin, model.EvLogout:
		return "login"
	case model.EvAgentStateChange:
		return "state"
	case model.EvScreenRecording:
		return "screen"
	}
	return ""
}
