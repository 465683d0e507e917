package cmd_test

import (
	"cmp"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/internal/e2e"
	"github.com/deskwatch/deskwatch/sim"
)

// The hub under load (issue 16), with the real binary: `deskwatch hub` processes on loopback and
// one `deskwatch simulate` acting as every bridge (one agent each, --rate events a second) and as
// every monitor (measuring each event's latency from the simSent stamp its bridge put in it to
// its arrival). After a warm-up (every bridge and monitor connected, then 10 s more for the
// monitors' first snapshots) a steady window (BENCH_HUB_SECONDS, else the load's own: 30 s by
// default) is measured:
//
//   - p50-ms, p99-ms, max-ms: the latency, bridge to monitor. simulate reports it for each 10 s;
//     each figure is the highest of the window's 10 s figures, so an upper bound of the window's.
//   - late-%: the share of the window's deliveries sim.LateAfter (100 ms) or more after they were
//     sent: the window's own p99 is under 100 ms when it is under 1%.
//   - dropped: events lost in the window: the monitors' seq gaps, the events the bridges pushed
//     out of a full buffer, and the hubs' subscriber_drops_total, events_rejected_total and
//     log_refused_total (from /metrics).
//   - hub-cpu-cores (the busiest hub), hub-cpu-cores-mean, hub-rss-MB (the largest, sampled each
//     second): the hub processes' CPU (/proc/PID/stat) and memory (VmRSS); load-cpu-cores is the
//     simulator's, on the same 2 cores.
//   - events/s: the events the bridges sent; deliveries/s: the events the monitors received;
//     delivered-%: deliveries / (events x the monitors watching each event's agent): the
//     latency counts delivered events only, so a shortfall is events later than the window;
//     apply-lag: at the window's end, the most messages of a hub's log not yet applied to its floor;
//     follow-stalls: the hubs' log readers their watchdog stopped in the window (jetlog.ErrStalled).
//   - cpu-ms/1k-events: the hubs' CPU time for each 1,000 events sent.
//
// The processes' open-files limit: Go raises each one's soft limit to the hard one; the
// benchmark fails at once if the hard limit cannot hold the connections.
//
//	go test -run '^$' -bench '^BenchmarkHub(Cluster|Durability)$' -benchtime 1x ./cmd/
//	BENCH_HUB_SECONDS=10 go test -run '^$' -bench '^BenchmarkHubCluster$' -benchtime 1x ./cmd/

// hubLoad is one run's shape.
type hubLoad struct {
	hubs              int  // 1: a hub alone; 3: a cluster
	inMemory          bool // --in-memory: no log (a hub alone)
	bridges, monitors int
	team              int     // each monitor watches a team of this many agents (--monitor-team); 0: the whole floor
	rate              float64 // events a second per bridge
	// seconds is the steady window (0: 30 s); BENCH_HUB_SECONDS overrides it. historySize is the
	// hubs' --history-size ("": the default).
	seconds     int
	historySize string
}

func (l hubLoad) String() string {
	s := fmt.Sprintf("bridges=%d/monitors=%d", l.bridges, l.monitors)
	if l.team > 0 {
		s += fmt.Sprintf("/team=%d", l.team)
	}
	return s
}

// watchers is how many monitors receive an event, on average over the agents: every one for the
// whole floor, else those of the agent's team (monitor i watches team i mod the number of teams).
func (l hubLoad) watchers() float64 {
	if l.team <= 0 {
		return float64(l.monitors)
	}
	teams := sim.Teams(make([]string, l.bridges), l.team) // cut as deskwatch simulate cuts the agents
	var sum int
	for i := range l.monitors {
		sum += len(teams[i%len(teams)])
	}
	return float64(sum) / float64(l.bridges)
}

// BenchmarkHubCluster is issue 16's figure: 5,000 bridges at 1 event/s and 200 monitors over three
// clustered hubs, the monitors as a floor's supervisors watch it (a team of 25 agents each: the
// floor once over), over 4 minutes with the history bounded at 256 MiB: at this load (4.3 MB of
// log a second) a hub reaches its size bound within minutes whatever it is, and from then on drops
// its oldest events as it stores new ones; this bound is reached in the window's first minute, so
// the window measures that steady state (30 s from the start, as before, hid a growing lateness).
// Then the whole floor on every monitor: 5,000 bridges with 10 monitors (a
// wallboard's view) and with 200 (1,000,000 deliveries a second: more than 2 cores deliver), and
// 500 bridges with 100.
// BENCH_HUB_LOAD=B/M[/T][,…] runs those loads instead (B bridges, M monitors, teams of T agents;
// no T: the whole floor), to try others.
func BenchmarkHubCluster(b *testing.B) {
	loads := []hubLoad{
		{hubs: 3, bridges: 5000, monitors: 200, team: 25, rate: 1, seconds: 240, historySize: "256MiB"},
		{hubs: 3, bridges: 5000, monitors: 10, rate: 1},
		{hubs: 3, bridges: 5000, monitors: 200, rate: 1},
		{hubs: 3, bridges: 500, monitors: 100, rate: 1},
	}
	if v := os.Getenv("BENCH_HUB_LOAD"); v != "" {
		loads = nil
		for _, one := range strings.Split(v, ",") {
			l := hubLoad{hubs: 3, rate: 1}
			_, err := fmt.Sscanf(one, "%d/%d/%d", &l.bridges, &l.monitors, &l.team)
			if l.team == 0 && err != nil {
				_, err = fmt.Sscanf(one, "%d/%d", &l.bridges, &l.monitors)
			}
			if err != nil || l.bridges < 1 || l.monitors < 1 || l.team < 0 {
				b.Fatalf("BENCH_HUB_LOAD=%q: want BRIDGES/MONITORS[/TEAM][,…], such as 2000/50 or 5000/200/25", v)
			}
			loads = append(loads, l)
		}
	}
	for _, l := range loads {
		b.Run(l.String(), func(b *testing.B) { runHubLoad(b, l) })
	}
}

// BenchmarkHubDurability is the cost of durability: one hub alone under the same load, on its
// JetStream log (the default) and --in-memory.
func BenchmarkHubDurability(b *testing.B) {
	for _, mem := range []bool{true, false} {
		l := hubLoad{hubs: 1, inMemory: mem, bridges: 1000, monitors: 20, rate: 1}
		name := "log=jetstream"
		if mem {
			name = "log=memory"
		}
		b.Run(name, func(b *testing.B) { runHubLoad(b, l) })
	}
}

// benchWindow is the steady window measured, in simulate's 10 s: BENCH_HUB_SECONDS when set, else
// the load's own (30 s when it has none).
func benchWindow(b *testing.B, l hubLoad) int {
	s := cmp.Or(l.seconds, 30)
	if v := os.Getenv("BENCH_HUB_SECONDS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			b.Fatalf("BENCH_HUB_SECONDS=%q: want a number of seconds above 0", v)
		}
		s = n
	}
	return (s + 9) / 10
}

// checkFileLimit fails the benchmark unless the hard open-files limit holds n connections in
// one process (the simulator holds them all).
func checkFileLimit(b *testing.B, n int) {
	var r syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r); err == nil && r.Max < uint64(n)+256 {
		b.Fatalf("the hard open-files limit %d cannot hold %d connections: raise it (ulimit -Hn)", r.Max, n)
	}
}

// startBenchHubs starts l.hubs hubs on loopback (startHubCluster, startHubCmd: each with its data
// in a directory of its own) and returns them with their host:port.
func startBenchHubs(b *testing.B, l hubLoad) ([]*e2e.Process, []string) {
	args := []string{"--max-connections", strconv.Itoa(2 * (l.bridges + l.monitors))}
	if l.historySize != "" {
		args = append(args, "--history-size", l.historySize)
	}
	if l.hubs == 1 {
		if l.inMemory {
			args = append(args, "--in-memory")
		}
		p, addr := startHubCmd(b, args...)
		return []*e2e.Process{p}, []string{addr}
	}
	var procs []*e2e.Process
	var addrs []string
	for _, h := range startHubCluster(b, l.hubs, args...) {
		procs, addrs = append(procs, h.p), append(addrs, h.addr)
	}
	return procs, addrs
}

// runHubLoad runs l: hubs, the simulator, the warm-up, then the steady window, and reports it.
func runHubLoad(b *testing.B, l hubLoad) {
	checkFileLimit(b, l.bridges+l.monitors)
	windows := benchWindow(b, l)
	hubs, addrs := startBenchHubs(b, l)
	var to, from []string
	for _, a := range addrs {
		to, from = append(to, "ws://"+a+"/ingest"), append(from, "ws://"+a+"/stream")
	}
	sim := e2e.StartProcess(b, e2e.ProcessOptions{}, "simulate", "--bridges", strconv.Itoa(l.bridges),
		"--rate", fmt.Sprint(l.rate), "--to", strings.Join(to, ","), "--monitors", strconv.Itoa(l.monitors),
		"--monitor-team", strconv.Itoa(l.team), "--from", strings.Join(from, ","), "--duration", "1h", "--connect-wait", "3m")
	r := &progressReader{p: sim}
	warm := time.Now().Add(5 * time.Minute)
	for pl := r.next(b, time.Minute); pl.bridges < int64(l.bridges) || pl.monitors < int64(l.monitors); pl = r.next(b, time.Minute) {
		if time.Now().After(warm) {
			b.Fatalf("after 5 minutes %d of %d bridges and %d of %d monitors are connected", pl.bridges, l.bridges, pl.monitors, l.monitors)
		}
	}
	b.ResetTimer()
	start := r.next(b, time.Minute) // the monitors' first snapshots are in this 10 s: not steady yet
	w := startWindow(b, hubs, sim, addrs)
	w.watchers = l.watchers()
	lines := make([]loadProgress, windows)
	for i := range lines {
		lines[i] = r.next(b, time.Minute)
	}
	w.report(b, start, lines)
	b.ReportMetric(float64(10*windows), "window-s")
	b.StopTimer()
}

// hubWindow is the hubs' and the simulator's figures at the start of the steady window, and the
// hubs' memory sampled through it.
type hubWindow struct {
	hubs     []*e2e.Process
	sim      *e2e.Process
	watchers float64 // monitors receiving an event, on average
	addrs    []string
	cpu      []time.Duration // each hub's, then the simulator's
	losses   int64
	stalls   int64
	stop     chan struct{}
	sampled  sync.WaitGroup
	rssMax   int64
	rssMaxMu sync.Mutex
}

func startWindow(b *testing.B, hubs []*e2e.Process, sim *e2e.Process, addrs []string) *hubWindow {
	w := &hubWindow{hubs: hubs, sim: sim, addrs: addrs, stop: make(chan struct{})}
	w.cpu = w.cpuNow(b)
	w.losses, w.stalls, _ = w.lossesNow(b)
	w.sampled.Go(func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			for _, h := range hubs {
				rss := procRSS(h.Cmd.Process.Pid)
				w.rssMaxMu.Lock()
				w.rssMax = max(w.rssMax, rss)
				w.rssMaxMu.Unlock()
			}
			select {
			case <-w.stop:
				return
			case <-t.C:
			}
		}
	})
	b.Cleanup(w.end)
	return w
}

func (w *hubWindow) end() {
	select {
	case <-w.stop:
	default:
		close(w.stop)
	}
	w.sampled.Wait()
}

func (w *hubWindow) cpuNow(b *testing.B) []time.Duration {
	var out []time.Duration
	for _, p := range append(append([]*e2e.Process{}, w.hubs...), w.sim) {
		out = append(out, procCPU(b, p.Cmd.Process.Pid))
	}
	return out
}

// lossesNow is the hubs' losses and their logs' stalled readers summed, and the largest apply lag
// of one.
func (w *hubWindow) lossesNow(b *testing.B) (losses, stalls, lag int64) {
	for _, a := range w.addrs {
		f := hubCounters(b, a)
		losses, stalls, lag = losses+f.losses, stalls+f.stalls, max(lag, f.applyLag)
	}
	return losses, stalls, lag
}

// report ends the window: start is the progress line it began after, lines those within it.
func (w *hubWindow) report(b *testing.B, start loadProgress, lines []loadProgress) {
	cpu := w.cpuNow(b)
	losses, stalls, lag := w.lossesNow(b)
	w.end()
	last := lines[len(lines)-1]
	secs := last.at.Sub(start.at).Seconds()
	var p50, p99, worst time.Duration
	var timed, late int64
	for _, pl := range lines {
		p50, p99, worst = max(p50, pl.p50), max(p99, pl.p99), max(worst, pl.max)
		timed, late = timed+pl.timed, late+pl.late
	}
	var hubCPU, busiest time.Duration
	for i := range w.hubs {
		d := cpu[i] - w.cpu[i]
		hubCPU += d
		busiest = max(busiest, d)
	}
	events := last.events - start.events
	dropped := last.lost - start.lost + last.bridgeDropped - start.bridgeDropped + losses - w.losses
	ms := func(d time.Duration) float64 { return float64(d) / 1e6 }
	b.ReportMetric(ms(p50), "p50-ms")
	b.ReportMetric(ms(p99), "p99-ms")
	b.ReportMetric(ms(worst), "max-ms")
	if timed > 0 {
		b.ReportMetric(100*float64(late)/float64(timed), "late-%")
	}
	b.ReportMetric(float64(dropped), "dropped")
	b.ReportMetric(busiest.Seconds()/secs, "hub-cpu-cores")
	b.ReportMetric(hubCPU.Seconds()/secs/float64(len(w.hubs)), "hub-cpu-cores-mean")
	b.ReportMetric(float64(w.rssMax)/(1<<20), "hub-rss-MB")
	b.ReportMetric(float64(lag), "apply-lag")
	b.ReportMetric(float64(stalls-w.stalls), "follow-stalls")
	b.ReportMetric((cpu[len(cpu)-1]-w.cpu[len(w.cpu)-1]).Seconds()/secs, "load-cpu-cores")
	b.ReportMetric(float64(events)/secs, "events/s")
	b.ReportMetric(float64(timed)/secs, "deliveries/s")
	if events > 0 { // the latency counts delivered events only: a shortfall is events later than the window
		b.ReportMetric(100*float64(timed)/(float64(events)*w.watchers), "delivered-%")
	}
	if events > 0 {
		b.ReportMetric(ms(hubCPU)/float64(events)*1000, "cpu-ms/1k-events")
	}
}
