package cmd_test

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/internal/e2e"
)

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
