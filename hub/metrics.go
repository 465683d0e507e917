package hub

import (
	"fmt"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/deskwatch/deskwatch/model"
)

// metrics are the hub's Prometheus series. Each hub has its own registry, so two hubs in one
// process (tests, a restart) never collide.
type metrics struct {
	reg *prometheus.Registry

	bridges     prometheus.Gauge
	subscribers prometheus.Gauge
	eventsIn    prometheus.Counter
	bytesIn     prometheus.Counter
	rejected    *prometheus.CounterVec
	duplicates  prometheus.Counter
	messagesOut prometheus.Counter
	bytesOut    prometheus.Counter
	drops       prometheus.Counter
	refused     *prometheus.CounterVec
	skipped     *prometheus.CounterVec
	// snapshotBuilds counts snapshot encodings: one per store version that new monitors asked for,
	// however many they were.
	snapshotBuilds prometheus.Counter
	// With a log (log.go): messages the apply loop found already applied or could not apply, those
	// it never read (gone from the log first), and the checkpoints saved.
	logDuplicates prometheus.Counter
	logRefused    *prometheus.CounterVec
	logMissed     prometheus.Counter
	checkpoints   prometheus.Counter
	// throttled counts the waits before reading a bridge that sends over --max-bridge-bytes.
	throttled prometheus.Counter
}

func newMetrics(state func() figures) *metrics {
	const ns = "deskwatch_hub"
	gauge := func(name, help string) prometheus.Gauge {
		return prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Name: name, Help: help})
	}
	counter := func(name, help string) prometheus.Counter {
		return prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Name: name, Help: help})
	}
	counterVec := func(name, help string, labels ...string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: name, Help: help}, labels)
	}
	m := &metrics{
		reg:         prometheus.NewRegistry(),
		bridges:     gauge("bridges", "Bridges connected to /ingest."),
		subscribers: gauge("subscribers", "Monitors connected to /stream."),
		eventsIn:    counter("events_in_total", "Valid events received from bridges and relayed."),
		bytesIn:     counter("bytes_in_total", "Bytes of messages received from bridges, valid or not."),
		rejected: counterVec("events_rejected_total",
			"Messages from bridges that were not relayed, by reason (invalid, binary, oversize, slow-message, …).", "reason"),
		duplicates: counter("events_duplicate_total",
			"Events a reconnecting bridge sent again that the hub already had; not relayed."),
		messagesOut: counter("messages_out_total", "Messages written to monitors, snapshots included."),
		bytesOut:    counter("bytes_out_total", "Bytes written to monitors."),
		drops: counter("subscriber_drops_total",
			"Monitors disconnected because their queue or pending bytes were full (too slow)."),
		refused: counterVec("connections_refused_total",
			"Connections refused, by endpoint and reason (token, origin, upgrade, capacity, rate).", "endpoint", "reason"),
		skipped: counterVec("entries_skipped_total",
			"Entries left out of what monitors were sent because they could not be encoded (snapshot) or filtered (filter).", "where"),
		snapshotBuilds: counter("snapshot_builds_total",
			"Snapshots encoded for new monitors (one per store version, shared by the monitors that join at it)."),
		logDuplicates: counter("log_duplicates_total",
			"Events of the log the apply loop did not apply because the floor had them (a resend stored twice, racing its original)."),
		logRefused: counterVec("log_refused_total",
			"Messages of the log the apply loop did not apply, by reason (a cap reached after the event was checked).", "reason"),
		logMissed: counter("log_missed_total",
			"Messages of the log the apply loop never read: removed by the history's bounds before this hub got to them (it fell that far behind), or unreadable."),
		checkpoints: counter("checkpoints_total", "Checkpoints of the floor this hub saved to the log."),
		throttled: counter("bridge_throttled_total",
			"Times the hub waited before reading on from a bridge sending over --max-bridge-bytes."),
	}
	m.reg.MustRegister(m.bridges, m.subscribers, m.eventsIn, m.bytesIn, m.rejected, m.duplicates,
		m.messagesOut, m.bytesOut, m.drops, m.refused, m.skipped, m.snapshotBuilds, m.logDuplicates, m.logRefused, m.logMissed, m.checkpoints, m.throttled,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.reg.MustRegister(stateCollector{state: state,
		agents: prometheus.NewDesc(ns+"_agents", "Agents the hub has seen.", nil, nil),
		open:   prometheus.NewDesc(ns+"_open_interactions", "Interactions currently open.", nil, nil),
		lost: prometheus.NewDesc(ns+"_events_lost_total",
			"Events that jumps in the bridges' seq say are missing from the floor: lost before reaching the hubs "+
				"(an event a hub rejected over a limit is said skipped, not lost).", nil, nil),
		reclaimed: prometheus.NewDesc(ns+"_interactions_reclaimed_total",
			"Interactions the hub's floor ended at its memory bound (--max-memory) to make room for agents within "+
				"their shares of it, taken from the agents furthest over theirs.", nil, nil),
		held: prometheus.NewDesc(ns+"_memory_held_bytes",
			"What the floor's interactions and agents hold, as the hub estimates it: --max-memory "+
				"(memory_bound_bytes) bounds it, and each agent's share from three quarters of it on.", nil, nil),
	})
	// Pre-create the label values a dashboard expects to see at zero.
	for _, r := range []string{"invalid", "binary", "oversize", "slow-message", "agent-cap", "interaction-cap", "interaction-size", "party-cap", "memory-cap", "memory-share"} {
		m.rejected.WithLabelValues(r)
	}
	for _, w := range []string{"snapshot", "filter"} {
		m.skipped.WithLabelValues(w)
	}
	return m
}

// memoryBound says the floor's memory bound (--max-memory; 0: none).
func (m *metrics) memoryBound(n int64) {
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: "deskwatch_hub",
		Name: "memory_bound_bytes", Help: "The floor's memory bound, --max-memory (0: none)."},
		func() float64 { return float64(n) }))
}

// countLogDrops counts the log's lines left out (logLinesPerSecond).
func (m *metrics) countLogDrops(dropped func() int64) {
	m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Namespace: "deskwatch_hub",
		Name: "log_lines_dropped_total",
		Help: fmt.Sprintf("Lines of the hub's log left out because they came faster than %d a second (after a burst of %d).",
			logLinesPerSecond, logLinesBurst)},
		func() float64 { return float64(dropped()) }))
}

// figureCache holds the store's figures for /metrics, so that a scrape never waits on the store's
// lock behind a long event: a scrape that finds them out of date refreshes them from another
// goroutine and waits for that at most figureWait, answering with the last figures otherwise.
type figureCache struct {
	last atomic.Pointer[figures]
	busy atomic.Bool
	// snapshot reads the store (tests make it slow).
	snapshot func() *model.Snapshot
}

type figures struct {
	version                             uint64
	agents, open, lost, reclaimed, held float64
}

const figureWait = 250 * time.Millisecond

// stateFigures reads the store's figures for /metrics.
func (h *Hub) stateFigures() figures {
	c := &h.figures
	if f := c.last.Load(); (f == nil || f.version != h.store.Version()) && c.busy.CompareAndSwap(false, true) {
		done := make(chan struct{})
		go func() {
			defer c.busy.Store(false)
			defer close(done)
			sn := c.snapshot()
			c.last.Store(&figures{version: sn.Version, agents: float64(len(sn.Agents)),
				open: float64(sn.Stats.Open), lost: float64(sn.Stats.Lost), reclaimed: float64(sn.Stats.Reclaimed),
				held: float64(sn.Stats.Held)})
		}()
		select {
		case <-done:
		case <-time.After(figureWait):
		}
	}
	if f := c.last.Load(); f != nil {
		return *f
	}
	return figures{}
}

// stateCollector reads the store's figures at scrape time rather than keeping a second copy.
type stateCollector struct {
	state                               func() figures
	agents, open, lost, reclaimed, held *prometheus.Desc
}

func (c stateCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.agents
	ch <- c.open
	ch <- c.lost
	ch <- c.reclaimed
	ch <- c.held
}

func (c stateCollector) Collect(ch chan<- prometheus.Metric) {
	f := c.state()
	ch <- prometheus.MustNewConstMetric(c.agents, prometheus.GaugeValue, f.agents)
	ch <- prometheus.MustNewConstMetric(c.open, prometheus.GaugeValue, f.open)
	ch <- prometheus.MustNewConstMetric(c.lost, prometheus.CounterValue, f.lost)
	ch <- prometheus.MustNewConstMetric(c.reclaimed, prometheus.CounterValue, f.reclaimed)
	ch <- prometheus.MustNewConstMetric(c.held, prometheus.GaugeValue, f.held)
}
