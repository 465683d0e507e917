package cmd_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/deskwatch/deskwatch/internal/e2e"
)

// clusterHub is one `deskwatch hub` of a cluster started by startHubCluster.
type clusterHub struct {
	p    *e2e.Process
	addr string   // its /ingest and /stream host:port
	args []string // what it was started with, but --listen
	gone string   // what it printed before it was started again
}

// startHubCluster starts n hubs clustered on loopback, each routed to every other, all at once
// (each waits for a majority of them), and waits until they serve.
func startHubCluster(t testing.TB, n int, extra ...string) []*clusterHub {
	t.Helper()
	secret := e2e.WriteFile(t, "cluster.secret", "a cluster secret of more than 16 bytes\n")
	routes := make([]string, n)
	for i := range routes {
		routes[i] = e2e.FreeAddr(t)
	}
	hubs := make([]*clusterHub, n)
	for i := range hubs {
		others := strings.Join(append(append([]string{}, routes[:i]...), routes[i+1:]...), ",")
		args := append([]string{"--data", t.TempDir(), "--cluster", "floor", "--cluster-listen", routes[i],
			"--routes", others, "--cluster-secret", secret}, extra...)
		hubs[i] = &clusterHub{args: args,
			p: e2e.StartProcess(t, e2e.ProcessOptions{}, append([]string{"hub", "--listen", "127.0.0.1:0"}, args...)...)}
	}
	for _, h := range hubs {
		h.addr = "127.0.0.1:" + h.waitServing(t)
	}
	return hubs
}

// serverName is the name the hub's embedded server keeps in its data directory.
func (h *clusterHub) serverName(t testing.TB) string {
	t.Helper()
	data := e2e.ReadFile(t, filepath.Join(h.args[1], "server-name"))
	return strings.TrimSpace(string(data))
}

// waitServing waits for the hub to serve and returns its port; a hub that does not is made to
// show where it is stuck (SIGQUIT: its goroutines) before the test fails.
func (h *clusterHub) waitServing(t testing.TB) string {
	t.Helper()
	m, err := h.p.Match(hubBridges, 90*time.Second)
	if err != nil {
		_ = h.p.Cmd.Process.Signal(syscall.SIGQUIT)
		_, _ = h.p.Match(regexp.MustCompile(`^goroutine 1 `), 5*time.Second)
		t.Fatalf("%v:\n%s", err, h.p.Output())
	}
	return m[1]
}

// restart starts the hub again on its address and data after it was killed.
func (h *clusterHub) restart(t *testing.T) {
	t.Helper()
	h.gone += h.p.Output()
	h.p = e2e.StartProcess(t, e2e.ProcessOptions{}, append([]string{"hub", "--listen", h.addr}, h.args...)...)
	h.waitServing(t)
}

// floorEvents is what agents' bridges send over rounds: each agent logs in, goes busy, and in each
// round takes a call through delivered, connected, completed and removed; its last call stays
// open. The events are in the order sent (the agents' interleaved), each agent's in its own order.
func floorEvents(now time.Time, agents, rounds int) (all []string, byAgent map[string][]string) {
	call := func(id, state string) string {
		return fmt.Sprintf(`[{"interactionId":%q,"state":%q,"type":"voice","subject":"Call %s","associatedObjects":`+
			`{"list":[],"selected":null},"callParties":[],"callMuted":false,"callRecording":false,"attachedData":{},`+
			`"startTime":%d}]`, id, state, id, now.Add(-time.Minute).UnixMilli())
	}
	byAgent = map[string][]string{}
	at := now.UnixMilli()
	add := func(agent, typ, params string) {
		at++
		msg := fmt.Sprintf(`{"type":%q,"params":%s,"agentId":%q,"ts":%d,"seq":%d}`, typ, params, agent, at,
			len(byAgent[agent])+1)
		byAgent[agent] = append(byAgent[agent], msg)
		all = append(all, msg)
	}
	for r := 0; r <= rounds; r++ {
		for a := range agents {
			agent := fmt.Sprintf("agent.%02d", a)
			if r == 0 {
				add(agent, "ON_LOGIN", fmt.Sprintf(`[{"isLoggedIn":true,"agentId":%q}]`, agent))
				add(agent, "ON_AGENT_STATE_CHANGE", `["busy"]`)
			}
			id := fmt.Sprintf("c-%02d-%d", a, r)
			add(agent, "ON_NEW_INTERACTION", call(id, "delivered"))
			add(agent, "ON_INTERACTION_STATE_CHANGE", call(id, "connected"))
			if r < rounds {
				add(agent, "ON_INTERACTION_STATE_CHANGE", call(id, "completed"))
				add(agent, "ON_INTERACTION_REMOVED", call(id, "completed"))
			}
		}
	}
	return all, byAgent
}

// failoverBridge is one agent's bridge as bridge.js behaves with several hub URLs: when its hub
// goes away it connects to the next and sends, under the same session, everything it has sent
// (the hubs drop what they already hold by session and seq), then goes on.
type failoverBridge struct {
	t       *testing.T
	addrs   []string // hubs in the order tried
	session string
	at      int // index in addrs of the hub it is connected to
	conn    *websocket.Conn
	dead    chan struct{} // closed when conn breaks
	sent    []string
}

func newFailoverBridge(t *testing.T, session string, addrs ...string) *failoverBridge {
	b := &failoverBridge{t: t, addrs: addrs, session: session}
	b.dial()
	return b
}

// dial connects to addrs[b.at] and reads (the hub's acks) until the connection breaks.
func (b *failoverBridge) dial() {
	b.t.Helper()
	conn, _, err := websocket.DefaultDialer.Dial("ws://"+b.addrs[b.at]+"/ingest?session="+b.session, nil)
	if err != nil {
		b.t.Fatalf("bridge %s: %v", b.session, err)
	}
	b.t.Cleanup(func() { _ = conn.Close() })
	b.conn, b.dead = conn, make(chan struct{})
	go func(dead chan struct{}) {
		defer close(dead)
		for {
			if _, _, err := conn.ReadMessage(); err != nil {
				return
			}
		}
	}(b.dead)
}

func (b *failoverBridge) send(msgs ...string) {
	b.t.Helper()
	for _, m := range msgs {
		b.sent = append(b.sent, m)
		if err := b.conn.WriteMessage(websocket.TextMessage, []byte(m)); err != nil {
			b.failover()
			return
		}
	}
}

// failover waits for the connection to break, connects to the next hub and sends everything again.
func (b *failoverBridge) failover() {
	b.t.Helper()
	select {
	case <-b.dead:
	case <-time.After(30 * time.Second):
		b.t.Fatalf("bridge %s: its hub %s is still connected", b.session, b.addrs[b.at])
	}
	b.at = (b.at + 1) % len(b.addrs)
	b.dial()
	sent := b.sent
	b.sent = nil
	b.send(sent...)
}

// peerGone is a hub's line about another hub of its cluster going away.
var peerGone = regexp.MustCompile(`cluster "floor": peer (hub-\S+) went away`)

// TestThreeHubsOneFloor runs three clustered `deskwatch hub` processes: bridges publish through
// hubs A and B, monitors watch A and C; B is killed (-9) mid-run, its bridges move to C and send
// again, B is started again on its data and a monitor joins it with history; every monitor's
// final table is the table of what the bridges sent, and A's log says B went away and came back.
func TestThreeHubsOneFloor(t *testing.T) {
	if testing.Short() {
		t.Skip("three hubs and three monitors")
	}
	t.Parallel()
	hubs := startHubCluster(t, 3, "--gone-after", "10m")
	a, b, c := hubs[0], hubs[1], hubs[2]
	for _, h := range hubs {
		wantAll(t, "hub start", h.p.Output(), `in cluster "floor": routes on`)
	}
	all, byAgent := floorEvents(time.Now(), 10, 4)
	var mons []*e2e.Process
	for _, h := range []*clusterHub{a, c} {
		mons = append(mons, startPrintMonitor(t, h.addr, "--for", "90s"))
		waitMetrics(t, h.addr, map[string]int{"deskwatch_hub_subscribers": 1})
	}
	bridges, onB, firstB := map[string]*failoverBridge{}, []string{}, 0
	for i, agent := range sortedKeys(byAgent) {
		evs := byAgent[agent]
		if i%2 == 0 {
			bridges[agent] = newFailoverBridge(t, "s-"+agent, a.addr, c.addr)
		} else {
			bridges[agent] = newFailoverBridge(t, "s-"+agent, b.addr, c.addr, a.addr)
			onB, firstB = append(onB, agent), firstB+len(evs)/2
		}
		bridges[agent].send(evs[:len(evs)/2]...)
	}
	waitMetrics(t, b.addr, map[string]int{"deskwatch_hub_events_in_total": firstB})

	b.p.Kill()
	// B by name: on a loaded machine another hub may be said to lag and come back meanwhile.
	name := regexp.QuoteMeta(b.serverName(t))
	a.p.WaitLine(regexp.MustCompile(`cluster "floor": peer `+name+` went away`), 60*time.Second)
	for _, agent := range onB {
		bridges[agent].failover()
	}
	for agent, br := range bridges {
		br.send(byAgent[agent][len(byAgent[agent])/2:]...)
	}
	b.restart(t)
	a.p.WaitLine(regexp.MustCompile(`cluster "floor": peer `+name+` is back`), 60*time.Second)
	waitMetrics(t, a.addr, map[string]int{`deskwatch_hub_cluster_peers{state="current"}`: 3})
	if created := a.p.Output() + b.gone + c.p.Output(); !strings.Contains(created, "3 replicas") {
		t.Errorf("no hub created the stream with 3 replicas:\n%s", created)
	}
	// A monitor of the hub started again gets the floor, history included, from the stream.
	mons = append(mons, startPrintMonitor(t, b.addr, "--since", "1h", "--for", "30s"))
	compareMonitors(t, mons, all)
}

func startPrintMonitor(t *testing.T, addr string, args ...string) *e2e.Process {
	args = append(append([]string{"--print"}, args...), "ws://"+addr+"/stream")
	return e2e.StartProcess(t, e2e.ProcessOptions{Env: []string{"NO_COLOR=1"}}, args...)
}

func sortedKeys(m map[string][]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// compareMonitors waits for each `--print --for` monitor to end and compares its final table with
// the table of the events the source sent.
func compareMonitors(t *testing.T, mons []*e2e.Process, events []string) {
	t.Helper()
	compareMonitorsWith(t, mons, printSource(t, events))
}

// compareMonitorsWith is compareMonitors with the source's table printed already.
func compareMonitorsWith(t *testing.T, mons []*e2e.Process, source string) {
	t.Helper()
	want := printedRows(source)
	for i, mon := range mons {
		if err := mon.Wait(180 * time.Second); err != nil {
			t.Errorf("monitor %d: %v\n%s", i, err, mon.Output())
			continue
		}
		got := mon.Output()
		if strings.Contains(got, "lost") || printedRows(got) != want {
			t.Errorf("monitor %d's final table:\n%s\nwant the source's rows (in any order):\n%s", i, got, want)
		}
	}
}

// printSource is `deskwatch --print` of a file of events: the table the source's events make.
func printSource(t *testing.T, events []string) string {
	t.Helper()
	src := filepath.Join(t.TempDir(), "source.jsonl")
	if err := os.WriteFile(src, []byte(strings.Join(events, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return printFile(t, src)
}

// printFile is `deskwatch --print` of a recording.
func printFile(t *testing.T, src string) string {
	t.Helper()
	want, stderr, code := e2e.Run(t, nil, "--print", src)
	if code != 0 {
		t.Fatalf("--print of %s: exit %d: %s", src, code, stderr)
	}
	return want
}

// printedRows is the rows of the table printed in out, from its header on, sorted (the order of
// ended interactions depends on which hub saw them end first), their durations masked.
func printedRows(out string) string {
	_, table, _ := strings.Cut(out, "AGENT ")
	rows := strings.Split(strings.TrimSpace(durations.ReplaceAllString(table, "m:ss")), "\n")
	sort.Strings(rows)
	return strings.Join(rows, "\n")
}

// leaderRe and leaderChange are a hub's /metrics line saying it leads the stream and its log line
// about a new leader.
var (
	leaderRe     = regexp.MustCompile(`(?m)^deskwatch_hub_cluster_leader 1$`)
	leaderChange = regexp.MustCompile(`cluster "floor": stream leader (hub-\S+) \(was (hub-\S+)\)`)
)

// TestKillTheLeaderUnderLoad is issue 16's e2e: three clustered hubs, `deskwatch simulate` acting
// as 100 bridges spread over them, a monitor on each hub (the one on the hub that dies given all
// three URLs, so that it fails over), and kill -9 of the hub leading the stream mid-run. Every
// bridge event is acknowledged, no monitor reports a seq gap, every monitor's final table is the
// table of the source's recording, and the survivors' logs and /metrics say what happened.
func TestKillTheLeaderUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("three hubs, 100 bridges and three monitors for a minute")
	}
	t.Parallel()
	hubs := startHubCluster(t, 3, "--gone-after", "10m")
	var victim *clusterHub
	e2e.Until(60*time.Second, 100*time.Millisecond, func() bool {
		for _, h := range hubs {
			if leaderRe.MatchString(metricsPage(t, h.addr)) {
				victim = h
			}
		}
		return victim != nil
	})
	if victim == nil {
		t.Fatal("no hub says it leads the stream")
	}
	var ingest, streams, others []string
	for _, h := range hubs {
		ingest, streams = append(ingest, "ws://"+h.addr+"/ingest"), append(streams, "ws://"+h.addr+"/stream")
		if h != victim {
			others = append(others, "ws://"+h.addr+"/stream")
		}
	}
	var mons []*e2e.Process
	for _, h := range hubs {
		urls := []string{"ws://" + h.addr + "/stream"}
		if h == victim {
			urls = append(urls, others...)
		}
		mons = append(mons, e2e.StartProcess(t, e2e.ProcessOptions{Env: []string{"NO_COLOR=1"}},
			append([]string{"--print", "--for", "100s"}, urls...)...))
		waitMetrics(t, h.addr, map[string]int{"deskwatch_hub_subscribers": 1})
	}
	rec := filepath.Join(t.TempDir(), "source.jsonl")
	sim := e2e.StartProcess(t, e2e.ProcessOptions{}, "simulate", "--bridges", "100", "--rate", "1",
		"--duration", "30s", "--drain", "40s", "--to", strings.Join(ingest, ","), "--record", rec)
	if _, err := sim.Match(regexp.MustCompile(`bridges connected`), 60*time.Second); err != nil {
		t.Fatalf("%v\n%s", err, sim.Output())
	}
	time.Sleep(10 * time.Second) // mid-run: the bridges have sent for a while (the run lasts 30 s)
	victim.p.Kill()
	if err := sim.Wait(120 * time.Second); err != nil {
		t.Fatalf("simulate: %v\n%s", err, sim.Output())
	}
	out := sim.Output()
	all := regexp.MustCompile(`(?m)^bridges: events (\d+), sent \d+, acked (\d+),`).FindAllStringSubmatch(out, -1)
	if len(all) == 0 || all[len(all)-1][1] != all[len(all)-1][2] || !regexp.MustCompile(`failovers [1-9]`).MatchString(out) {
		t.Errorf("not every event was acknowledged after a failover:\n%s", out)
	}
	compareMonitorsWith(t, mons, printFile(t, rec))
	for _, h := range hubs {
		if h == victim {
			continue
		}
		log := h.p.Output()
		if m := leaderChange.FindStringSubmatch(log); m == nil || !peerGone.MatchString(log) {
			t.Errorf("the log of %s does not say the leader was lost and another took over:\n%s", h.addr, log)
		}
		page := metricsPage(t, h.addr)
		for _, want := range []string{"cluster_leader_changes_total", "cluster_peer_losses_total", "log_append_retries_total"} {
			if !regexp.MustCompile(`(?m)^deskwatch_hub_` + want + ` [1-9]`).MatchString(page) {
				t.Errorf("%s's /metrics have no deskwatch_hub_%s:\n%s", h.addr, want, page)
			}
		}
	}
}
