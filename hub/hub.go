// Package hub is deskwatch's relay: browser bridges in Agent Desktop pages send their events to
// /ingest, monitors subscribe to /stream. The hub keeps the current state in the same store the
// monitor uses, so a monitor that joins gets one snapshot per agent and then the live events, and a
// slow monitor is disconnected rather than allowed to slow the bridges or the other monitors.
package hub

import (
	"cmp"
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
	"github.com/deskwatch/deskwatch/internal/jetlog"
	"github.com/deskwatch/deskwatch/internal/logcap"
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
	// EventLog, when set, is the durable log every accepted event is appended to and applied from
	// (log.go): the floor survives a restart (Start restores it) and monitors may ask for history
	// (/stream?since=). Nil: the floor is held in memory only. The hub does not close it.
	EventLog *jetlog.Log
	// History is how far back /stream?since= may reach (the log's age bound; DefaultHistory).
	History time.Duration
	// CheckpointEvery and CheckpointInterval say how often the floor is saved to the log: at every
	// CheckpointEvery-th stream sequence, and CheckpointInterval after the last save when events
	// were applied since (DefaultCheckpointEvery, DefaultCheckpointInterval).
	CheckpointEvery    int
	CheckpointInterval time.Duration
	// Alone says the hub is the only one on its log: after a restart, the desktops its floor holds
	// connected are disconnected ("hub restarted"), then gone unless their bridge comes back.
	// A hub sharing its log (a cluster) says so only of the desktops the log says it owns: the
	// others' bridges may be on other hubs (owner.go).
	Alone bool
	// Name is the hub's name in the "connected" it says (owner.go); default: the log's server
	// name (EventLog.ServerName), none without a log or on an external NATS.
	Name string
	// LostHubAfter is how long a hub sharing the log may be away (no route to it) before the
	// others say the desktops it owned are disconnected (DefaultLostHubAfter; kept within
	// MinLostHubAfter and MaxLostHubAfter).
	LostHubAfter time.Duration

	// snapshotBudget, decodeBudget and readBudget, when a test sets them, replace
	// filteredSnapshotBytes, decodeBytes and readBytes.
	snapshotBudget, decodeBudget, readBudget int64
}

// Hub relays events from bridges to monitors. Its methods are safe for concurrent use.
type Hub struct {
	cfg      Config
	log      *log.Logger
	logw     *logcap.Writer // under log: its lines at most logLinesPerSecond
	m        *metrics
	upgrader websocket.Upgrader
	connSeq  atomic.Int64
	// places counts WebSocket connections against Limits.MaxConnections (conns.go).
	places *conns
	// bridgeRates are the shared allowances of bridge tokens bound to agents (throttle.go).
	bridgeRates bridgeRates
	// encodeInteraction encodes an interaction for snapshots (tests make it fail).
	encodeInteraction func(*model.Interaction) (jsontext.Value, error)
	// messageHook, when a test sets it, sees every bridge message before it is handled (a test
	// makes it panic on a marker message to check the recovery).
	messageHook func(data []byte)
	// appendHook, when a test sets it, may fail an event's append to the log (a leader election).
	appendHook func(ev model.Event) error
	// saveHook, when a test sets it, may fail a checkpoint's save (a floor over the checkpoint
	// size, a log that does not answer).
	saveHook func(seq uint64) error
	// applyHook, when a test sets it, runs before the apply loop applies message seq (it may hold
	// the loop back, so that history monitors get ahead of the floor).
	applyHook func(seq uint64)
	figures   figureCache

	// mu orders every applied event with the fan-out of it and with new subscriptions, so a new
	// monitor's snapshot and the live events after it neither overlap nor leave a gap.
	mu sync.Mutex
	*floor
	// streams is the monitors on /stream, guarded by mu. A monitor gets the store's snapshot, shared
	// while the store does not change; while events arrive, at most one is taken per
	// defaultSnapshotInterval: monitors that join meanwhile wait for the next one together.
	streams *wsfan.Fan[*liveMsg, *snapEntry]
	desks   map[string]*deskState      // per agent: the bridges publishing for it (desktop.go)
	own     *ownerState                // per agent: the hub that owns its desktop (owner.go)
	conns   map[*wsfan.Closer]struct{} // the bridges' connections
	// bridges counts the bridge handlers running (track to untrack), so that Close can wait for
	// them to log how their connection ended.
	bridges sync.WaitGroup
	closed  bool

	auth *authState // the tokens of open connections, for revoking them (auth.go)
	lg   *logState  // the apply loop and checkpoints, with a log (log.go)
	// history bounds the monitors reading history at once, in all and per token or address
	// (history.go).
	history *historyReaders
	// snapBudget bounds what filtered monitors' snapshots hold at once (snapshot_budget.go), decodes
	// the bridges' messages decoding at once (ingest.go), reads their large messages being read
	// (ingest_read.go).
	snapBudget, decodes, reads *byteBudget
	// joins bounds the monitors joining per token or address (joinrate.go).
	joins *joinLimiter
}

// New returns a hub configured by cfg.
func New(cfg Config) *Hub {
	cfg.QueueSize = positive.Or(cfg.QueueSize, DefaultQueueSize)
	cfg.MaxMessage = positive.Or(cfg.MaxMessage, model.DefaultMaxMessage)
	cfg.PingInterval = positive.Or(cfg.PingInterval, DefaultPingInterval)
	cfg.GoneAfter = min(max(positive.Or(cfg.GoneAfter, DefaultGoneAfter), MinGoneAfter), MaxGoneAfter)
	cfg.LostHubAfter = min(max(positive.Or(cfg.LostHubAfter, DefaultLostHubAfter), MinLostHubAfter), MaxLostHubAfter)
	if cfg.Name == "" && cfg.EventLog != nil {
		cfg.Name = cfg.EventLog.ServerName()
	}
	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	if cfg.BridgeJS == nil {
		cfg.BridgeJS = bridge.Script()
	}
	cfg.History = positive.Or(cfg.History, DefaultHistory)
	cfg.CheckpointEvery = positive.Or(cfg.CheckpointEvery, DefaultCheckpointEvery)
	cfg.CheckpointInterval = positive.Or(cfg.CheckpointInterval, DefaultCheckpointInterval)
	cfg.Limits.defaults()
	cfg.Server.defaults()
	h := &Hub{
		cfg:   cfg,
		logw:  logcap.New(cfg.Log, logLinesPerSecond, logLinesBurst),
		floor: newFloor(&cfg),
		desks: make(map[string]*deskState),
		own:   newOwnerState(),
		conns: make(map[*wsfan.Closer]struct{}),

		encodeInteraction: marshalInteraction,
		lg:                newLogState(),
		history:           &historyReaders{per: make(map[string]int)},
		places:            newConns(),
		snapBudget:        newByteBudget(cmp.Or(cfg.snapshotBudget, filteredSnapshotBytes)),
		decodes:           newByteBudget(cmp.Or(cfg.decodeBudget, decodeBytes)),
		reads:             newByteBudget(max(cmp.Or(cfg.readBudget, readBytes), int64(cfg.MaxMessage))),
		joins:             newJoinLimiter(cfg.Limits.MaxMonitorJoins),
	}
	h.streams = wsfan.NewFan[*liveMsg](&h.mu, wsfan.Snapshots[*snapEntry]{
		Take:     func() *snapEntry { return &snapEntry{sn: h.store.Snapshot()} },
		Current:  func(e *snapEntry) bool { return e.sn.Version == h.store.Version() },
		Interval: defaultSnapshotInterval,
	}, h.slow)
	if cfg.EventLog == nil {
		h.lg.markReady()
	}
	h.log = log.New(h.logw, "", log.LstdFlags|log.LUTC)
	h.figures.snapshot = h.store.Snapshot
	h.m = newMetrics(h.stateFigures)
	h.m.countLogDrops(h.logw.Dropped)
	h.m.memoryBound(cfg.Limits.MaxMemory)
	if cfg.EventLog != nil {
		h.m.reg.MustRegister(newLogCollector(h), cfg.EventLog.ClusterCollector())
	}
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
	mux.HandleFunc("GET /healthz", h.serveHealth)
	mux.Handle("GET /metrics", promhttp.HandlerFor(h.m.reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, "deskwatch hub: /ingest (bridges), /stream (monitors), /bridge.js, /healthz, /metrics\n")
	})
	return mux
}

// serveHealth answers ok once the floor is caught up with the log (Start); until then 503, so that
// a load balancer or a load test sends nothing to a hub still rebuilding its floor.
func (h *Hub) serveHealth(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	select {
	case <-h.lg.ready:
		_, _ = io.WriteString(w, "ok\n")
	default:
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, "starting: rebuilding the floor from the log\n")
	}
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
	h.stopLog()
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
// the store checks as it applies the event). With a log, the event is appended instead, and the
// apply loop applies it (log.go).
func (h *Hub) publish(session string, data []byte, ev model.Event) (bool, error) {
	if h.cfg.EventLog != nil {
		return h.appendEvent(session, data, ev)
	}
	return h.applyEvent(session, data, ev, time.Now())
}

// applyEvent applies one event to the floor and relays it to the monitors; received is when it
// arrived.
func (h *Hub) applyEvent(session string, data []byte, ev model.Event, received time.Time) (bool, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.applyLocked(session, data, ev, received)
}

// applyLocked is applyEvent (or the apply loop's, log.go) with h.mu held.
func (h *Hub) applyLocked(session string, data []byte, ev model.Event, received time.Time) (bool, error) {
	applied, err := h.floor.apply(session, ev, received)
	if applied && err == nil {
		h.deskAppliedLocked(ev)
	}
	if applied && err == nil {
		h.streams.Broadcast(ev.AgentID, &liveMsg{ev: ev, data: data}, len(data))
		h.relayReclaimedLocked()
	}
	return applied, err
}
