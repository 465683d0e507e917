package sim_test

import (
	"context"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/hub"
	"github.com/deskwatch/deskwatch/internal/wstest"
	"github.com/deskwatch/deskwatch/model"
	"github.com/deskwatch/deskwatch/sim"
)

// startHub runs an in-memory hub on loopback; kill ends it and every connection to it.
func startHub(t *testing.T) (wsURL string, kill func()) {
	t.Helper()
	h := hub.New(hub.Config{})
	srv := httptest.NewServer(h.Handler())
	var once sync.Once
	kill = func() { once.Do(func() { h.Close(); srv.CloseClientConnections(); srv.Close() }) }
	t.Cleanup(kill)
	return wstest.WSURL(srv.URL), kill
}

// runMonitors runs monitors as cfg says until the function returned is called (or ctx ends); it
// returns once that run has ended.
func runMonitors(t *testing.T, ctx context.Context, cfg sim.MonitorsConfig) (*sim.MonitorLoad, func()) {
	t.Helper()
	mon, err := sim.NewMonitorLoad(cfg)
	if err != nil {
		t.Fatal(err)
	}
	monCtx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { mon.Run(monCtx) })
	var once sync.Once
	end := func() { once.Do(func() { stop(); wg.Wait() }) }
	t.Cleanup(end)
	return mon, end
}

// recorded collects what RunBridges hands to Record.
type recorded struct {
	mu   sync.Mutex
	seqs map[string][]int64
	n    int
}

func (r *recorded) add(data []byte, _ time.Time) {
	h := model.PeekHead(data)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seqs[h.AgentID()] = append(r.seqs[h.AgentID()], h.Seq)
	r.n++
}

// TestBridgesFailOverWithNothingLost: bridges spread over two hubs; the first is killed mid-run;
// its bridges move to the second, resend what was not acknowledged, and every event generated is
// acknowledged by a hub; a monitor on the second hub sees no seq gap.
func TestBridgesFailOverWithNothingLost(t *testing.T) {
	t.Parallel()
	a, killA := startHub(t)
	b, _ := startHub(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	mon, stopMon := runMonitors(t, ctx, sim.MonitorsConfig{Monitors: 2, URLs: []string{b + "/stream"}})

	rec := &recorded{seqs: map[string][]int64{}}
	const events = 600
	cfg := sim.BridgesConfig{Bridges: 20, URLs: []string{a + "/ingest", b + "/ingest"}, Rate: 10, Seed: 7,
		Events: events, Drain: 30 * time.Second, MinBackoff: 50 * time.Millisecond, Record: rec.add,
		MaxBackoff: 200 * time.Millisecond}
	killed := make(chan struct{})
	cfg.Progress, cfg.Every = func(s sim.BridgeStats) {
		if s.Events > events/3 {
			select {
			case <-killed:
			default:
				close(killed)
				killA()
			}
		}
	}, 20*time.Millisecond
	res, err := sim.RunBridges(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	stopMon()
	if res.Events != events || res.Acked != events || res.Failovers < 10 || res.Dropped != 0 {
		t.Errorf("want %d events all acknowledged and the first hub's 10 bridges failed over: %s", events, res)
	}
	if rec.n != events {
		t.Errorf("recorded %d events, want %d", rec.n, events)
	}
	for agent, seqs := range rec.seqs {
		for i, s := range seqs {
			if s != int64(i+1) {
				t.Fatalf("record of %s: seq %d at %d, want each once, in order", agent, s, i)
			}
		}
	}
	if st := mon.Stats(); st.Lost != 0 || st.Repeated != 0 || st.Timed == 0 {
		t.Errorf("monitor on the second hub: %s", st)
	}
}
