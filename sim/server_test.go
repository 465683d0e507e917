package sim

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/deskwatch/deskwatch/feed"
	"github.com/deskwatch/deskwatch/internal/wstest"
	"github.com/deskwatch/deskwatch/model"
)

// testSim is a simulator on a loopback httptest server.
type testSim struct {
	*Server
	url   string
	start func() // starts the stream (tests may connect subscribers first)
}

func newTestSim(t *testing.T, cfg Config) *testSim {
	t.Helper()
	s := New(cfg)
	hs := httptest.NewServer(s)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	var once sync.Once
	ts := &testSim{Server: s, url: wstest.WSURL(hs.URL) + "/stream"}
	ts.start = func() {
		once.Do(func() {
			go func() {
				s.Run(ctx)
				close(done)
			}()
		})
	}
	t.Cleanup(func() {
		cancel()
		ts.start() // Run must have run for done to close
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Error("Run did not return after cancel")
		}
		hs.Close()
	})
	return ts
}

// waitFor polls cond until it holds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// monitor subscribes a real WebSocket source feeding a store, as deskwatch does.
type monitor struct {
	src   *feed.WebSocket
	store *model.Store
	first []string // the types of the first messages, in order
	mu    sync.Mutex
}

func newMonitor(t *testing.T, url string, opts feed.WSOptions) *monitor {
	t.Helper()
	m := &monitor{src: feed.NewWebSocket(url, opts), store: model.NewStore()}
	pump := feed.NewPump(m.store, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		m.src.Run(ctx, func(msg feed.Message) {
			m.mu.Lock()
			if len(m.first) < 100 {
				ev, err := model.Decode(msg.Data)
				m.first = append(m.first, fmt.Sprint(ev.Type, err))
			}
			m.mu.Unlock()
			pump.Handle(msg)
		})
	}()
	t.Cleanup(func() { cancel(); <-done })
	return m
}

// quiet waits until the store stops changing, the stream having ended.
func (m *monitor) quiet(t *testing.T) *model.Snapshot {
	t.Helper()
	var last uint64
	waitFor(t, "the store to settle", func() bool {
		v := m.store.Version()
		settled := v == last && v > 0
		last = v
		time.Sleep(150 * time.Millisecond)
		return settled
	})
	return m.store.Snapshot()
}

// truth is the server's state, as a fresh subscriber's welcome describes it.
func truth(t *testing.T, url string) *model.Snapshot {
	t.Helper()
	c, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	st := model.NewStore()
	ended := false // the welcome ends with DESKWATCH_RESYNC_END
	for {
		c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		_, data, err := c.ReadMessage()
		if err != nil {
			if !ended {
				t.Fatal("the welcome did not end with DESKWATCH_RESYNC_END")
			}
			return st.Snapshot()
		}
		ev, err := model.Decode(data)
		if err != nil {
			t.Fatalf("welcome message %s: %v", data, err)
		}
		ended = ended || ev.Type == model.EvResyncEnd
		st.Apply(ev, ev.TS)
	}
}

// sameDesk compares the open interactions and the agents of two snapshots.
func sameDesk(t *testing.T, got, want *model.Snapshot) {
	t.Helper()
	open := func(sn *model.Snapshot) map[string]*model.Interaction {
		m := map[string]*model.Interaction{}
		for _, r := range sn.Rows {
			if !r.Ended {
				m[r.Key] = r.Data
			}
		}
		return m
	}
	g, w := open(got), open(want)
	if len(w) == 0 {
		t.Fatal("the server has no open interactions; the comparison would prove nothing")
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("open interactions differ: got %d, want %d", len(g), len(w))
		for k := range w {
			if !reflect.DeepEqual(g[k], w[k]) {
				t.Errorf("  %s: got %+v\n  want %+v", k, g[k], w[k])
			}
		}
	}
	type agent struct {
		LoggedIn      bool
		State         model.AgentState
		Reason, Front string
		Seq           int64
	}
	agents := func(sn *model.Snapshot) map[string]agent {
		m := map[string]agent{}
		for _, a := range sn.Agents {
			m[a.ID] = agent{a.LoggedIn, a.State, a.Reason, a.ActiveInteraction, a.LastSeq}
		}
		return m
	}
	if ga, wa := agents(got), agents(want); !reflect.DeepEqual(ga, wa) {
		t.Errorf("agents differ:\n got %+v\nwant %+v", ga, wa)
	}
}

func TestSubscriberGetsSnapshotThenCleanEvents(t *testing.T) {
	ts := newTestSim(t, Config{Seed: 3, Agents: 4, Rate: 3000, Warmup: time.Second, Events: 4000})
	ts.start()
	waitFor(t, "the warm-up", func() bool { return ts.Stats().Events > 1000 })
	m := newMonitor(t, ts.url, feed.WSOptions{})
	waitFor(t, "the stream's end", func() bool { return ts.Stats().Events == 4000 })
	sn := m.quiet(t)

	m.mu.Lock()
	first := strings.Join(m.first[:12], " ")
	m.mu.Unlock()
	// Four agents' presence (login and state, or logout), then their four snapshots.
	if n := strings.Count(first, "INTERACTIONS_STATE"); n != 4 || !strings.HasPrefix(first, "ON_") ||
		strings.Contains(first[strings.Index(first, "INTERACTIONS_STATE"):], "ON_") {
		t.Errorf("welcome out of order: %s", first)
	}
	if sn.Stats.Rejected != 0 || sn.Stats.Lost != 0 || sn.Stats.Events < 500 {
		t.Errorf("stats %+v: want many events, none rejected or lost", sn.Stats)
	}
	sameDesk(t, sn, truth(t, ts.url))
}

func TestSubscribersSeeTheSameStream(t *testing.T) {
	ts := newTestSim(t, Config{Seed: 9, Agents: 5, Rate: 5000, Events: 1500})
	read := func(c *websocket.Conn) []string {
		var out []string
		for {
			c.SetReadDeadline(time.Now().Add(time.Second))
			_, data, err := c.ReadMessage()
			if err != nil {
				return out
			}
			out = append(out, string(data))
		}
	}
	var conns []*websocket.Conn
	for range 2 {
		c, _, err := websocket.DefaultDialer.Dial(ts.url, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		conns = append(conns, c)
	}
	waitFor(t, "two subscribers", func() bool { return ts.Stats().Subscribers == 2 })
	ts.start()
	var a, b []string
	var wg sync.WaitGroup
	wg.Go(func() { a = read(conns[0]) })
	wg.Go(func() { b = read(conns[1]) })
	wg.Wait()
	if len(a) < 1500 || !reflect.DeepEqual(a, b) {
		t.Errorf("streams differ or are short: %d and %d messages", len(a), len(b))
	}
}

func TestDropShowsLostEventsAndMalformedIsRejected(t *testing.T) {
	ts := newTestSim(t, Config{Seed: 5, Agents: 3, Rate: 4000, Events: 2000,
		Chaos: Chaos{Drop: 0.05, Malformed: 0.02}})
	m := newMonitor(t, ts.url, feed.WSOptions{})
	waitFor(t, "the subscriber", func() bool { return ts.Stats().Subscribers == 1 })
	ts.start()
	waitFor(t, "the stream's end", func() bool { return ts.Stats().Events == 2000 })
	sn := m.quiet(t)
	st := ts.Stats()
	if st.Dropped == 0 || st.Malformed == 0 {
		t.Fatalf("no faults injected: %+v", st)
	}
	// A drop shows once a later event of the same agent arrives, so only the last few can hide.
	if sn.Stats.Lost == 0 || sn.Stats.Lost > st.Dropped || sn.Stats.Lost < st.Dropped-10 {
		t.Errorf("lost %d, dropped %d", sn.Stats.Lost, st.Dropped)
	}
	var lostAlert bool
	for _, a := range sn.Alerts {
		lostAlert = lostAlert || (a.Kind == model.AlertLostEvents && strings.Contains(a.Text, " lost from "))
	}
	if !lostAlert {
		t.Errorf("no lost-events alert in %+v", sn.Alerts)
	}
	if sn.Stats.Rejected != st.Malformed {
		t.Errorf("rejected %d, malformed sent %d", sn.Stats.Rejected, st.Malformed)
	}
	for _, r := range sn.Rejections {
		if r.Reason == "" || r.Origin.Conn != 1 || r.Origin.Msg == 0 {
			t.Errorf("rejection without a reason or origin: %+v", r)
		}
	}
}

func TestReconnectsRecoverTheServersTruth(t *testing.T) {
	ts := newTestSim(t, Config{Seed: 11, Agents: 6, Rate: 2500, Warmup: 10 * time.Minute, Events: 6000,
		CloseEvery: 300 * time.Millisecond})
	ts.start()
	m := newMonitor(t, ts.url, feed.WSOptions{Backoff: feed.Backoff{Initial: 50 * time.Millisecond,
		Max: 100 * time.Millisecond}})
	waitFor(t, "the stream's end", func() bool { return ts.Stats().Events == 6000 })
	waitFor(t, "a reconnect after the end", func() bool {
		return ts.Stats().Connections >= 3 && m.src.Status().State == "connected"
	})
	sn := m.quiet(t)
	if sn.Stats.Rejected != 0 {
		t.Errorf("%d rejected", sn.Stats.Rejected)
	}
	sameDesk(t, sn, truth(t, ts.url))
}

// smallBuffers makes the first accepted connection's socket buffer small, so that a subscriber
// that stops reading fills its queue after kilobytes rather than megabytes.
type smallBuffers struct {
	net.Listener
	n *atomic.Int64
}

func (l smallBuffers) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok && l.n.Add(1) == 1 {
		tc.SetWriteBuffer(8 << 10)
	}
	return c, err
}

func TestSlowSubscriberIsDisconnected(t *testing.T) {
	// The fast subscriber may stall for Queue/Rate (a second) before it too is cut off.
	s := New(Config{Seed: 2, Agents: 20, Rate: 2000, Queue: 2048})
	hs := httptest.NewUnstartedServer(s)
	hs.Listener = smallBuffers{hs.Listener, new(atomic.Int64)}
	hs.Start()
	defer hs.Close()
	url := wstest.WSURL(hs.URL)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	d := websocket.Dialer{NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if tc, ok := c.(*net.TCPConn); ok {
			tc.SetReadBuffer(8 << 10)
		}
		return c, err
	}}
	slow, _, err := d.Dial(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	fast := newMonitor(t, url, feed.WSOptions{})
	waitFor(t, "two subscribers", func() bool { return s.Stats().Subscribers == 2 })
	go s.Run(ctx)
	waitFor(t, "the slow subscriber to be cut off", func() bool { return s.Stats().Slow > 0 })
	before := fast.src.Status().Messages
	waitFor(t, "the fast subscriber to go on", func() bool { return fast.src.Status().Messages > before+1000 })
	if st := s.Stats(); st.Slow != 1 || st.Connections != 2 || fast.src.Status().State != "connected" {
		t.Errorf("%+v, fast %+v: want only the slow subscriber cut off", st, fast.src.Status())
	}
	// Reading on, the slow subscriber reaches the close frame and its reason.
	var ce *websocket.CloseError
	for {
		if _, _, err = slow.ReadMessage(); err != nil {
			break
		}
	}
	if !errors.As(err, &ce) || ce.Code != websocket.ClosePolicyViolation || !strings.Contains(ce.Text, "too slow") {
		t.Errorf("slow subscriber ended with %v", err)
	}
}
