package hub

import (
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// BenchmarkSnapshotSubscribers: one monitor joining a hub of 2,000 open interactions and reading
// its whole snapshot. Monitors joining at one version share one encoding, so an op costs the
// writing and reading, not an encoding (builds/op reports it: about 1/b.N).
func BenchmarkSnapshotSubscribers(b *testing.B) {
	logs := &syncBuffer{}
	// Every join comes from one address, as fast as the hub serves them: past --max-monitor-joins.
	h := New(Config{Log: logs, Limits: Limits{MaxAgentsPerBridge: 64, MaxMonitorJoins: 1 << 20}})
	th := &testHub{Hub: h, log: logs}
	th.srv = httptest.NewServer(h.Handler())
	defer th.srv.Close()
	br, _, err := websocket.DefaultDialer.Dial(th.wsURL("/ingest"), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer br.Close()
	const agents, perAgent = 20, 100
	for a := range agents {
		for i := range perAgent {
			msg := event("ON_NEW_INTERACTION", fmt.Sprintf("a%d", a), t0, int64(i+1),
				"["+interaction(fmt.Sprintf("i%d", i), "delivered", "Sales")+"]")
			if err := br.WriteMessage(websocket.TextMessage, []byte(msg)); err != nil {
				b.Fatal(err)
			}
		}
	}
	for h.store.Snapshot().Stats.Open < agents*perAgent {
		time.Sleep(time.Millisecond)
	}
	b.ResetTimer()
	for range b.N {
		c, _, err := websocket.DefaultDialer.Dial(th.wsURL("/stream"), nil)
		if err != nil {
			b.Fatal(err)
		}
		for n := 0; n < agents; n++ { // one INTERACTIONS_STATE per agent
			if _, _, err := c.ReadMessage(); err != nil {
				b.Fatal(err)
			}
		}
		_ = c.Close()
	}
	b.StopTimer()
	mfs, _ := h.m.reg.Gather()
	for _, mf := range mfs {
		if mf.GetName() == "deskwatch_hub_snapshot_builds_total" {
			b.ReportMetric(mf.GetMetric()[0].GetCounter().GetValue()/float64(b.N), "builds/op")
		}
	}
	h.Close()
}
