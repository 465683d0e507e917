package sim

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/deskwatch/deskwatch/internal/periodic"
	"github.com/deskwatch/deskwatch/internal/positive"
	"github.com/deskwatch/deskwatch/internal/synth"
	"github.com/deskwatch/deskwatch/model"
)

// Load-generator defaults, as bridge.js has them (bridge/README.md).
const (
	DefaultMinBackoff = 500 * time.Millisecond
	DefaultMaxBackoff = 30 * time.Second
	// DefaultDialers bounds the connections being opened at once.
	DefaultDialers = 64
	// bridgeBuffer is bridge.js's buffer: unacknowledged events kept per bridge, oldest dropped.
	bridgeBuffer = 1000
	// tick is how often the one driver releases the events that fell due, for every bridge.
	tick = 10 * time.Millisecond
)

// SentField is the top-level member the load generator adds to every live event: the wall-clock
// time it was handed to its bridge, in microseconds since the Unix epoch. Monitors ignore it
// (EVENTS.md); MonitorLoad measures end-to-end latency from it.
const SentField = "simSent"

// BridgesConfig configures RunBridges.
type BridgesConfig struct {
	// Bridges is the number of simulated bridges, one agent each.
	Bridges int
	// URLs are the hubs' ingest endpoints; bridge i starts on URLs[i%len] and moves to the next on
	// a failed or closed connection.
	URLs []string
	// Rate is each bridge's mean events per second; Seed selects the stream; AgentPrefix starts the
	// bridges' agent ids (synth.GeneratorConfig).
	Rate        float64
	Seed        int64
	AgentPrefix string
	// Token is the ingest token, sent as ?token= as bridge.js does ("" for none).
	Token string
	// Events stops generating after this many events (0: no bound); Duration after this long.
	// Either way RunBridges then waits (up to Drain) for what was sent to be acknowledged.
	Events   int64
	Duration time.Duration
	Drain    time.Duration
	// MinBackoff and MaxBackoff bound the reconnect delay, doubling, ±20 %.
	MinBackoff, MaxBackoff time.Duration
	// Dialers bounds the connections being opened at once (DefaultDialers when <= 0).
	Dialers int
	// Record, when set, gets every live event once, stamped, in the order generated, with the time.
	Record func(data []byte, at time.Time)
	// Progress, when set, is called every Every (10 s when zero) with the counts so far.
	Progress func(BridgeStats)
	Every    time.Duration
	// Warn, when set, gets the first few distinct reasons connections failed.
	Warn func(msg string)
	// ConnectWait is how long the first event waits for every bridge to connect (0: it does not
	// wait), so that a measurement does not start with a backlog; Ready, when set, is told when the
	// events start, with the bridges connected by then.
	ConnectWait time.Duration
	Ready       func(connected int64, took time.Duration)
}

// BridgeStats counts what the simulated bridges did.
type BridgeStats struct {
	// Events is the live events generated; Sent the messages written (snapshots and resends
	// included); Acked the events the hubs acknowledged; Resent the events written again after a
	// reconnect; Dropped the ones pushed out of a full buffer.
	Events, Sent, Acked, Resent, Dropped int64
	// Connected is the bridges connected now; Connects every connection opened; Reconnects the
	// ones after a bridge's first; Failovers the reconnects to another URL than the last one.
	Connected, Connects, Reconnects, Failovers int64
	// DialErrors counts failed connection attempts.
	DialErrors int64
	// Done marks the figures of a finished run: String gives the connections opened rather than
	// those connected now (none).
	Done bool
}

// String is the one-line summary.
func (s BridgeStats) String() string {
	conns := connectedNow(s.Done, s.Connected)
	if s.Done {
		conns = fmt.Sprintf("connects %d, ", s.Connects)
	}
	return fmt.Sprintf("events %d, sent %d, acked %d, resent %d, dropped %d, %sreconnects %d, failovers %d, dial errors %d",
		s.Events, s.Sent, s.Acked, s.Resent, s.Dropped, conns, s.Reconnects, s.Failovers, s.DialErrors)
}

// bridgeCounters are BridgeStats, shared by every bridge.
type bridgeCounters struct {
	events, sent, acked, resent, dropped                   atomic.Int64
	connected, connects, reconnects, failovers, dialErrors atomic.Int64
}

func (c *bridgeCounters) snapshot() BridgeStats {
	return BridgeStats{Events: c.events.Load(), Sent: c.sent.Load(), Acked: c.acked.Load(), Resent: c.resent.Load(),
		Dropped: c.dropped.Load(), Connected: c.connected.Load(), Connects: c.connects.Load(),
		Reconnects: c.reconnects.Load(), Failovers: c.failovers.Load(), DialErrors: c.dialErrors.Load()}
}

// load is one run of the bridges: the generator every bridge's events come from, driven by one
// ticker, and the bridges.
type load struct {
	cfg     BridgesConfig
	n       bridgeCounters
	dialers chan struct{}

	genMu   sync.Mutex // guards gen: the driver's Next and a connecting bridge's AgentWelcome
	gen     *synth.Generator
	bridges []*bridge
	byAgent map[string]*bridge

	warnMu sync.Mutex
	warned map[string]bool
}

// maxWarnings bounds the distinct connection failures reported through Warn.
const maxWarnings = 10

// warn reports a connection failure once per distinct reason, up to maxWarnings.
func (l *load) warn(url string, err error) {
	if l.cfg.Warn == nil {
		return
	}
	msg := fmt.Sprintf("%s: %v", url, err)
	l.warnMu.Lock()
	defer l.warnMu.Unlock()
	if l.warned[msg] || len(l.warned) >= maxWarnings {
		return
	}
	l.warned[msg] = true
	l.cfg.Warn(msg)
}

// RunBridges runs cfg.Bridges simulated bridges until ctx ends or the Events or Duration bound is
// reached (then waits up to Drain for acknowledgements), and returns what they did.
func RunBridges(ctx context.Context, cfg BridgesConfig) (BridgeStats, error) {
	switch {
	case cfg.Bridges < 1:
		return BridgeStats{}, errors.New("bridges: want at least 1")
	case len(cfg.URLs) == 0:
		return BridgeStats{}, errors.New("bridges: want at least one hub URL")
	case cfg.Rate <= 0:
		return BridgeStats{}, errors.New("bridges: want a rate above 0")
	}
	cfg.MinBackoff = positive.Or(cfg.MinBackoff, DefaultMinBackoff)
	cfg.MaxBackoff = max(positive.Or(cfg.MaxBackoff, DefaultMaxBackoff), cfg.MinBackoff)
	cfg.Dialers = max(cfg.Dialers, 0)
	if cfg.Dialers == 0 {
		cfg.Dialers = DefaultDialers
	}
	l := &load{cfg: cfg, dialers: make(chan struct{}, cfg.Dialers), byAgent: make(map[string]*bridge, cfg.Bridges),
		warned: map[string]bool{}}
	l.gen = synth.NewGenerator(synth.GeneratorConfig{Seed: cfg.Seed, Agents: cfg.Bridges,
		Rate: cfg.Rate * float64(cfg.Bridges), Start: time.Now(), AgentPrefix: cfg.AgentPrefix})
	for i, id := range l.gen.AgentIDs() {
		b := newBridge(l, i, id)
		l.bridges = append(l.bridges, b)
		l.byAgent[id] = b
	}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	var wg sync.WaitGroup
	for _, b := range l.bridges {
		wg.Go(func() { b.run(runCtx) })
	}
	stopProgress := l.progress(runCtx)
	l.awaitConnections(ctx)
	l.drive(ctx)
	l.drain(ctx)
	stop()
	wg.Wait()
	stopProgress()
	return l.n.snapshot(), nil
}

// backoff waits before reconnect attempt n+1, as bridge.js does: lo doubled n times, at most hi,
// ±20 %; it returns early when ctx ends.
func backoff(ctx context.Context, lo, hi time.Duration, n int) {
	d := min(hi, lo<<min(n, 16))
	t := time.NewTimer(time.Duration(float64(d) * (0.8 + 0.4*rand.Float64())))
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// awaitConnections waits up to ConnectWait for every bridge to connect, then starts the stream's
// clock: its first event is due now.
func (l *load) awaitConnections(ctx context.Context) {
	start := time.Now()
	for time.Since(start) < l.cfg.ConnectWait && ctx.Err() == nil && l.n.connected.Load() < int64(l.cfg.Bridges) {
		time.Sleep(50 * time.Millisecond)
	}
	l.genMu.Lock()
	l.gen.StartAt(time.Now())
	l.genMu.Unlock()
	if l.cfg.Ready != nil && ctx.Err() == nil { // not when stopped while waiting
		l.cfg.Ready(l.n.connected.Load(), time.Since(start))
	}
}

// drive is the one ticker behind every bridge: each tick, it takes the events that fell due from
// the generator and hands each to its agent's bridge, until ctx ends or a bound is reached.
func (l *load) drive(ctx context.Context) {
	var end time.Time
	if l.cfg.Duration > 0 {
		end = time.Now().Add(l.cfg.Duration)
	}
	periodic.Every(ctx.Done(), tick, func(now time.Time) bool {
		return (end.IsZero() || now.Before(end)) && l.release(now)
	})
}

// release hands out the events due by now; false once the Events bound is reached.
func (l *load) release(now time.Time) bool {
	l.genMu.Lock()
	defer l.genMu.Unlock()
	for !l.gen.Now().After(now) {
		if l.cfg.Events > 0 && l.n.events.Load() >= l.cfg.Events {
			return false
		}
		data, _ := l.gen.Next()
		head := model.PeekHead(data) // stampSent leaves the agent and seq as they are
		b := l.byAgent[head.AgentID()]
		data = stampSent(data, time.Now())
		l.n.events.Add(1)
		if l.cfg.Record != nil {
			l.cfg.Record(data, now)
		}
		b.push(data, head.Seq)
	}
	return true
}

// drain waits, after the last event, until every bridge's events are acknowledged or Drain passes.
func (l *load) drain(ctx context.Context) {
	if ctx.Err() != nil || l.cfg.Drain <= 0 {
		return
	}
	deadline := time.Now().Add(l.cfg.Drain)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		waiting := false
		for _, b := range l.bridges {
			if b.pending() > 0 {
				waiting = true
				break
			}
		}
		if !waiting {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// progress calls Progress every Every until the returned stop is called.
func (l *load) progress(ctx context.Context) (stop func()) {
	if l.cfg.Progress == nil {
		return func() {}
	}
	every := positive.Or(l.cfg.Every, 10*time.Second)
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() {
		periodic.Every(ctx.Done(), every, func(time.Time) bool {
			l.cfg.Progress(l.n.snapshot())
			return true
		})
	})
	return func() { cancel(); wg.Wait() }
}

// welcome returns what bridge i sends first on every connection: its agent's INTERACTIONS_STATE,
// then its login and state, without seq (bridge.js sends them so: they restate, they do not count).
func (l *load) welcome(i int) [][]byte {
	l.genMu.Lock()
	msgs := l.gen.AgentWelcome(i)
	l.genMu.Unlock()
	for k, m := range msgs {
		msgs[k] = withoutSeq(m)
	}
	return msgs
}

// stampSent inserts SentField, the wall-clock time in microseconds, before params (the generator
// writes params last).
func stampSent(data []byte, at time.Time) []byte {
	i := model.PeekMember(data, "params")
	if i < 0 {
		return data
	}
	i -= len(`"params":`)
	out := make([]byte, 0, len(data)+32)
	out = append(out, data[:i]...)
	out = fmt.Appendf(out, `"%s":%d,`, SentField, at.UnixMicro())
	return append(out, data[i:]...)
}

// withoutSeq removes the seq member the generator writes before params.
func withoutSeq(data []byte) []byte {
	i := model.PeekMember(data, "seq")
	if i < 0 {
		return data
	}
	start := i - len(`,"seq":`)
	end := i
	for end < len(data) && data[end] >= '0' && data[end] <= '9' {
		end++
	}
	return append(append(make([]byte, 0, len(data)), data[:start]...), data[end:]...)
}
