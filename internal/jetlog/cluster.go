package jetlog

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/deskwatch/deskwatch/internal/periodic"
)

// clusterWatch is what the watcher last saw of the stream's cluster, for /metrics.
type clusterWatch struct {
	mu     sync.Mutex
	seen   bool
	leader string
	peers  map[string]string // name → "" (current), "offline" or "lagging"
	// follows is set while the stream's leader, as last seen, is another hub's server (Leads).
	follows       atomic.Bool
	leaderChanges uint64
	peerLosses    uint64
}

// WatchCluster polls the log's state every period until ctx ends or the log is closed, and writes
// a line to the log's writer when the stream's leader changes and when one of its peers goes away
// (offline or lagging) or comes back. It returns at once for a log that is not in a cluster.
func (l *Log) WatchCluster(ctx context.Context, period time.Duration) {
	if l.cfg.Cluster.Name == "" && l.cfg.NATS == "" {
		return
	}
	w := l.clusterWatch()
	lg := logTo(l.cfg)
	poll := func(time.Time) bool {
		try, cancel := context.WithTimeout(ctx, period+2*time.Second)
		st, err := l.State(try)
		cancel()
		if err == nil {
			for _, line := range w.update(st) {
				lg.Print(line)
			}
			w.follows.Store(st.Leader != "" && st.Leader != l.node.name)
		}
		return err != ErrClosed
	}
	if poll(time.Now()) {
		periodic.Every(ctx.Done(), period, poll)
	}
}

// Hubs reports the names of the hubs whose embedded servers this one has a route to now, its own
// name included: the hubs alive and reachable in its cluster. ok is false when the log cannot tell
// (an embedded server alone, or an external NATS, whose servers are not hubs).
func (l *Log) Hubs() (names map[string]bool, ok bool) {
	if l.cfg.Cluster.Name == "" || l.node.srv == nil || l.st.isClosed() {
		return nil, false
	}
	rz, err := l.node.srv.Routez(&server.RoutezOptions{})
	if err != nil {
		return nil, false
	}
	names = map[string]bool{l.node.name: true}
	for _, r := range rz.Routes {
		if r.RemoteName != "" {
			names[r.RemoteName] = true
		}
	}
	return names, true
}

// Leads reports whether this log's hub does the work one hub of a cluster does for all (saving
// checkpoints of the floor they share): a log alone or on an external NATS always; in a cluster,
// the hub whose server leads the stream, as WatchCluster last saw it (every hub until it has).
// It is asked for every event applied: no lock.
func (l *Log) Leads() bool {
	return l.cfg.Cluster.Name == "" || !l.clusterWatch().follows.Load()
}

func (l *Log) clusterWatch() *clusterWatch {
	l.node.watchOnce.Do(func() { l.node.watch = &clusterWatch{} })
	return l.node.watch
}

// update takes a new state in and returns the lines that say what changed.
func (w *clusterWatch) update(st State) []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	peers := map[string]string{}
	for _, p := range st.Peers {
		name, why, _ := strings.Cut(p, " (")
		peers[name] = strings.TrimSuffix(why, ")")
	}
	var lines []string
	if !w.seen {
		lines = append(lines, fmt.Sprintf("cluster %q: stream leader %s, peers %s", st.Cluster, orNone(st.Leader),
			strings.Join(st.Peers, ", ")))
	} else {
		if st.Leader != w.leader {
			w.leaderChanges++
			lines = append(lines, fmt.Sprintf("cluster %q: stream leader %s (was %s)", st.Cluster, orNone(st.Leader),
				orNone(w.leader)))
		}
		names := slices.Sorted(func(yield func(string) bool) {
			for n := range peers {
				if !yield(n) {
					return
				}
			}
		})
		for _, n := range names {
			was, known := w.peers[n]
			switch now := peers[n]; {
			case known && was == "" && now != "":
				w.peerLosses++
				lines = append(lines, fmt.Sprintf("cluster %q: peer %s went away (%s)", st.Cluster, n, now))
			case (!known || was != "") && now == "":
				lines = append(lines, fmt.Sprintf("cluster %q: peer %s is back", st.Cluster, n))
			}
		}
	}
	w.seen, w.leader, w.peers = true, st.Leader, peers
	return lines
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// ClusterCollector is the cluster's figures for the hub's /metrics, as WatchCluster last saw them.
func (l *Log) ClusterCollector() prometheus.Collector { return clusterCollector{l: l} }

type clusterCollector struct{ l *Log }

var (
	descPeers = prometheus.NewDesc("deskwatch_hub_cluster_peers",
		"The stream's replicas by state (current, offline, lagging), as last seen.", []string{"state"}, nil)
	descLeader = prometheus.NewDesc("deskwatch_hub_cluster_leader",
		"1 when this hub's server leads the stream, else 0.", nil, nil)
	descLeaderChanges = prometheus.NewDesc("deskwatch_hub_cluster_leader_changes_total",
		"Changes of the stream's leader seen since the hub started.", nil, nil)
	descPeerLosses = prometheus.NewDesc("deskwatch_hub_cluster_peer_losses_total",
		"Times a replica of the stream went offline or fell behind.", nil, nil)
	descRoutes = prometheus.NewDesc("deskwatch_hub_cluster_routes",
		"Route connections of the embedded server to the other hubs.", nil, nil)
	descAppendRetries = prometheus.NewDesc("deskwatch_hub_log_append_retries_total",
		"Appends to the log sent again while the stream had no leader (or did not answer in time).", nil, nil)
	descBatches = prometheus.NewDesc("deskwatch_hub_log_batches_total",
		"Batches of events this hub stored in the log, one message each (every bridge event goes in one).", nil, nil)
	descBatched = prometheus.NewDesc("deskwatch_hub_log_batched_events_total",
		"The events in those messages: divided by the batches, the events a message held on average.", nil, nil)
	descFollowStalls = prometheus.NewDesc("deskwatch_hub_log_follow_stalls_total",
		"Follows of the log (the apply loop's, a history monitor's) their watchdog stopped: "+
			"no message for 10 s while the stream held more.", nil, nil)
)

func (c clusterCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descPeers, descLeader, descLeaderChanges, descPeerLosses, descRoutes,
		descAppendRetries, descBatches, descBatched, descFollowStalls} {
		ch <- d
	}
}

func (c clusterCollector) Collect(ch chan<- prometheus.Metric) {
	n := c.l.node
	ch <- prometheus.MustNewConstMetric(descAppendRetries, prometheus.CounterValue, float64(c.l.st.appendRetries.Load()))
	ch <- prometheus.MustNewConstMetric(descBatches, prometheus.CounterValue, float64(c.l.st.batches.Load()))
	ch <- prometheus.MustNewConstMetric(descBatched, prometheus.CounterValue, float64(c.l.st.batched.Load()))
	ch <- prometheus.MustNewConstMetric(descFollowStalls, prometheus.CounterValue, float64(c.l.st.followStalls.Load()))
	if n.srv != nil {
		ch <- prometheus.MustNewConstMetric(descRoutes, prometheus.GaugeValue, float64(n.srv.NumRoutes()))
	}
	w := c.l.clusterWatch()
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.seen {
		return
	}
	count := map[string]float64{"current": 0, "offline": 0, "lagging": 0}
	for _, why := range w.peers {
		if why == "" {
			why = "current"
		}
		count[why]++
	}
	for state, v := range count {
		ch <- prometheus.MustNewConstMetric(descPeers, prometheus.GaugeValue, v, state)
	}
	leads := 0.0
	if n.name != "" && w.leader == n.name {
		leads = 1
	}
	ch <- prometheus.MustNewConstMetric(descLeader, prometheus.GaugeValue, leads)
	ch <- prometheus.MustNewConstMetric(descLeaderChanges, prometheus.CounterValue, float64(w.leaderChanges))
	ch <- prometheus.MustNewConstMetric(descPeerLosses, prometheus.CounterValue, float64(w.peerLosses))
}
