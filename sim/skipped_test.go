package sim_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/hub"
	"github.com/deskwatch/deskwatch/internal/wstest"
	"github.com/deskwatch/deskwatch/sim"
)

// TestMonitorsCountSkipped: against a hub that rejects some of the bridges' events (one open
// interaction per agent), the monitors count the hub's DESKWATCH_SKIPPED in their place and lose
// nothing, so that their summary tallies with the hubs' rejections.
func TestMonitorsCountSkipped(t *testing.T) {
	t.Parallel()
	h := hub.New(hub.Config{Limits: hub.Limits{MaxInteractionsPerAgent: 1}})
	srv := httptest.NewServer(h.Handler())
	t.Cleanup(func() { h.Close(); srv.CloseClientConnections(); srv.Close() })
	url := wstest.WSURL(srv.URL)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	mon, _ := runMonitors(t, ctx, sim.MonitorsConfig{Monitors: 1, URLs: []string{url + "/stream"}})
	for mon.Stats().Connected < 1 && ctx.Err() == nil {
		time.Sleep(10 * time.Millisecond)
	}
	before, _ := sim.HubRejections(ctx, []string{url + "/ingest"})
	res, err := sim.RunBridges(ctx, sim.BridgesConfig{Bridges: 8, URLs: []string{url + "/ingest"}, Rate: 50, Events: 400,
		Drain: 30 * time.Second})
	if err != nil || res.Acked != 400 {
		t.Fatalf("bridges: %v, %s", err, res)
	}
	after, _ := sim.HubRejections(ctx, []string{url + "/ingest"})
	var rejected int64
	for hub := range after {
		for reason, n := range after[hub] {
			rejected += n - before[hub][reason]
		}
	}
	time.Sleep(300 * time.Millisecond) // the last events on their way to the monitor
	if st := mon.Stats(); rejected == 0 || st.Skipped == 0 || st.Skipped > rejected || st.Lost != 0 {
		t.Errorf("the hub rejected %d; the monitor counted %d skipped and %d lost, want some skipped, none lost", rejected,
			st.Skipped, st.Lost)
	}
}
