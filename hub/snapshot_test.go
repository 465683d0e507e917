package hub

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/model"
	"github.com/gorilla/websocket"
)

// loadDesk sends agents × perAgent open interactions with subjects of pad bytes and waits until
// the hub has applied them.
func loadDesk(t *testing.T, th *testHub, br *websocket.Conn, agents, perAgent, pad int) {
	t.Helper()
	subject := strings.Repeat("s", pad)
	for a := range agents {
		for i := range perAgent {
			ia := strings.Replace(interaction(fmt.Sprintf("i%d", i), "delivered", "Sales"), `"subject":"s"`,
				`"subject":"`+subject+`"`, 1)
			send(t, br, event("ON_NEW_INTERACTION", fmt.Sprintf("a%d", a), t0, int64(i+1), "["+ia+"]"))
		}
	}
	th.waitMetric(t, "deskwatch_hub_events_in_total", float64(agents*perAgent))
}

func heapAlloc() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// TestSnapshotBuiltOnceForManyMonitors: monitors that join at one version share one encoded
// snapshot, so many that never read hold no private copies (the hub held one each, built under
// its lock). Not parallel: it measures the heap.
func TestSnapshotBuiltOnceForManyMonitors(t *testing.T) {
	th := startHub(t, Config{Limits: Limits{MaxAgentsPerBridge: 64}})
	br := th.dial(t, "/ingest", nil)
	const agents, perAgent, pad = 32, 64, 4 << 10 // about 9 MiB of snapshot
	loadDesk(t, th, br, agents, perAgent, pad)
	const snapshot = agents * perAgent * pad
	before := heapAlloc()
	const monitors = 20
	for range monitors {
		th.dial(t, "/stream", nil) // never reads
	}
	th.waitSubscribers(t, monitors)
	th.waitMetric(t, "deskwatch_hub_snapshot_builds_total", 1)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		body, _ := th.get(t, "/metrics") // every monitor has started on its snapshot
		if metricValue(t, body, "deskwatch_hub_messages_out_total") >= monitors || time.Now().After(deadline) {
			break
		}
	}
	grown := int64(heapAlloc()) - int64(before)
	t.Logf("heap grew %d MiB for %d monitors of a %d MiB snapshot", grown>>20, monitors, snapshot>>20)
	if grown > 5*snapshot {
		t.Fatalf("heap grew %d MiB for %d monitors of a %d MiB snapshot: per-monitor copies?", grown>>20,
			monitors, snapshot>>20)
	}
}

// TestPendingBytesCap: a monitor that does not read is disconnected once more than
// MaxPendingBytes of live events wait for it, however long its queue.
func TestPendingBytesCap(t *testing.T) {
	t.Parallel()
	th := startHub(t, Config{QueueSize: 1 << 20, Limits: Limits{MaxPendingBytes: 256 << 10}})
	mon := th.firstMonitor(t)
	id := th.log.connID(t, "stream", mon.LocalAddr().String())
	br := th.dial(t, "/ingest", nil)
	pad := strings.Repeat("x", 32<<10)
	closed := fmt.Sprintf("stream conn %d closed after", id)
	for i := 1; !strings.Contains(th.log.String(), closed) && i <= 2000; i++ { // 64 MiB: far beyond socket buffers and the cap
		send(t, br, fmt.Sprintf(`{"type":"ON_SOMETHING_NEW","params":[%q],"agentId":"a1","seq":%d}`, pad, i))
		if i%64 == 0 {
			time.Sleep(time.Millisecond)
		}
	}
	th.log.waitLog(t, closed) // the hub may still be reading what was sent (a loaded machine)
	if line := th.log.line(t, closed); !strings.Contains(line, "over 262144 (--max-pending-bytes)") {
		t.Fatalf("close: %s", line)
	}
	th.waitMetric(t, "deskwatch_hub_subscriber_drops_total", 1)
}

// TestServeStopsPromptlyUnderLoad: ending Serve's context under load (monitors that do not read a
// large snapshot, a bridge sending as fast as it can) returns within the shutdown timeout, give
// or take, rather than waiting on a lock held by snapshot builds.
func TestServeStopsPromptlyUnderLoad(t *testing.T) {
	t.Parallel()
	addr, stop := serveHub(t, Config{Limits: Limits{MaxAgentsPerBridge: 64},
		Server: ServerConfig{ShutdownTimeout: 2 * time.Second}})
	dial := func(path string) *websocket.Conn {
		c, _, err := websocket.DefaultDialer.Dial("ws://"+addr+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Close() })
		return c
	}
	br := dial("/ingest")
	subject := strings.Repeat("s", 4<<10)
	for i := range 1000 {
		ia := strings.Replace(interaction(fmt.Sprintf("i%d", i%200), "delivered", "Sales"), `"subject":"s"`,
			`"subject":"`+subject+`"`, 1)
		send(t, br, event("ON_NEW_INTERACTION", fmt.Sprintf("a%d", i/200), t0, int64(i/200+1), "["+ia+"]"))
	}
	for range 50 {
		dial("/stream")
	}
	blast := make(chan struct{})
	go func() {
		defer close(blast)
		for i := 0; ; i++ {
			msg := event("ON_AGENT_STATE_CHANGE", "a0", t0+int64(i), 0, `["ready"]`)
			if br.WriteMessage(websocket.TextMessage, []byte(msg)) != nil {
				return
			}
		}
	}()
	time.Sleep(200 * time.Millisecond)
	start := time.Now()
	if err := stop(); err != nil && !strings.Contains(err.Error(), "were cut") {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 20*time.Second {
		t.Fatalf("Serve took %v to stop (shutdown timeout 2s)", took)
	}
	<-blast // the hub closed the bridge's connection
}

// TestSnapshotsCoalesceUnderLoad: monitors that join while events keep arriving share a snapshot
// per snapshotInterval instead of each taking (and holding) its own, and each still gets one.
func TestSnapshotsCoalesceUnderLoad(t *testing.T) {
	t.Parallel()
	th := startHub(t, Config{})
	br := th.dial(t, "/ingest", nil)
	loadDesk(t, th, br, 4, 50, 256)
	stop := make(chan struct{})
	blasted := make(chan struct{})
	go func() {
		defer close(blasted)
		for i := 1; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			msg := event("ON_AGENT_STATE_CHANGE", "a0", t0+int64(i), 0, `["ready"]`)
			if br.WriteMessage(websocket.TextMessage, []byte(msg)) != nil {
				return
			}
			time.Sleep(time.Millisecond)
		}
	}()
	start := time.Now()
	const monitors = 30
	got := make(chan error, monitors)
	for range monitors {
		c := th.dial(t, "/stream", nil)
		go func() { // read up to the snapshot's first INTERACTIONS_STATE
			_ = c.SetReadDeadline(time.Now().Add(20 * time.Second))
			for {
				_, data, err := c.ReadMessage()
				if err != nil || strings.Contains(string(data), `"INTERACTIONS_STATE"`) {
					got <- err
					return
				}
			}
		}()
	}
	for range monitors {
		if err := <-got; err != nil {
			t.Fatalf("a monitor got no snapshot: %v", err)
		}
	}
	close(stop)
	<-blasted
	elapsed := time.Since(start)
	body, _ := th.get(t, "/metrics")
	builds := metricValue(t, body, "deskwatch_hub_snapshot_builds_total")
	t.Logf("%d monitors in %v: %v snapshot builds", monitors, elapsed.Round(time.Millisecond), builds)
	if limit := elapsed.Seconds()/defaultSnapshotInterval.Seconds() + 2; builds > limit {
		t.Fatalf("%v snapshot builds for %d monitors in %v, want at most %.0f", builds, monitors, elapsed, limit)
	}
}

// TestServiceFilteredSnapshotIsBuiltFiltered: a ?service= monitor's snapshot holds no other
// service's interaction, and none is even encoded for it (the unfiltered snapshot is built only
// for monitors without a service filter).
func TestServiceFilteredSnapshotIsBuiltFiltered(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var encoded []string
	th := startHubWith(t, Config{}, encodeChecked(func(in *model.Interaction) error {
		mu.Lock()
		defer mu.Unlock()
		encoded = append(encoded, in.ID)
		return nil
	}))
	br := th.dial(t, "/ingest", nil)
	for i, in := range [][3]string{{"a1", "s1", "Sales"}, {"a1", "o1", "Support"}, {"a2", "o2", "Support"}} {
		send(t, br, event("ON_NEW_INTERACTION", in[0], t0, int64(i+1), "["+interaction(in[1], "delivered", in[2])+"]"))
	}
	th.waitMetric(t, "deskwatch_hub_events_in_total", 3)
	sales := th.dial(t, "/stream?service=Sales", nil)
	var got []string
	for len(got) == 0 || !strings.Contains(got[len(got)-1], `"a2"`) {
		got = append(got, readN(t, sales, 1)...)
	}
	for _, m := range got {
		if strings.Contains(m, "Support") {
			t.Errorf("?service=Sales snapshot holds a Support interaction: %.300s", m)
		}
	}
	if !strings.Contains(strings.Join(got, "\n"), `"s1"`) {
		t.Errorf("?service=Sales snapshot lacks s1:\n%s", strings.Join(got, "\n"))
	}
	mu.Lock()
	defer mu.Unlock()
	if strings.Join(encoded, ",") != "s1" {
		t.Errorf("encoded %q for a ?service=Sales monitor's snapshot, want only s1", encoded)
	}
}
