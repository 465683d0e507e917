package hub

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// The attacker's report: a monitor reading history (?since=) kept a floor of its own and a consumer
// of the log for as long as it stayed connected, and its place among the 64 allowed: one stream
// token (scoped to no agent at all) held all 64, each a floor as large as the hub's, 64 times the
// hub's apply work, and every other since= was refused. Once caught up, a history monitor joins the
// live monitors: its floor and its place go, and it is sent every event after exactly once.
func TestHistoryMonitorJoinsLiveOnceCaughtUp(t *testing.T) {
	t.Parallel()
	th := startLogHub(t, t.TempDir(), Config{CheckpointEvery: 3})
	br := th.dial(t, "/ingest?session=s1", nil)
	msgs := deskEvents("a1", 12)
	send(t, br, msgs[:6]...)
	th.waitApplied(t, 6)
	const mons = maxHistoryPerKey + 2 // more than one address may hold at once: each leaves its place
	for i := range mons {
		mon := th.dial(t, "/stream?since=1h", nil)
		readUntil(t, mon, msgs[5])
		waitCaughtUp(t, th.log, i+1)
		if i == 0 {
			send(t, br, msgs[6:]...) // live now: each once, in order
			th.waitApplied(t, 12)
			if got := readUntil(t, mon, msgs[11]); !slices.Equal(got, msgs[6:]) {
				t.Errorf("after catching up the monitor got\n%s\nwant the live events once each", strings.Join(got, "\n"))
			}
			expectSilence(t, mon)
		}
	}
	th.history.mu.Lock()
	n := th.history.n
	th.history.mu.Unlock()
	if n != 0 {
		t.Errorf("%d monitors connected, all caught up: %d places among the history readers held, want none", mons, n)
	}
}

// At most maxHistoryMonitors read history at once, and maxHistoryPerKey of one token or address;
// a place given back is free again.
func TestHistoryReadersBounded(t *testing.T) {
	t.Parallel()
	hr := &historyReaders{per: map[string]int{}}
	var held []func()
	for range maxHistoryPerKey {
		release, full := hr.take("tA", "its token")
		if release == nil {
			t.Fatalf("refused within the bound: %s", full)
		}
		held = append(held, release)
	}
	if release, full := hr.take("tA", "its token"); release != nil || full != "8 monitors reading history for one of its token" {
		t.Errorf("one more of one token: %v %q", release != nil, full)
	}
	held[0]()
	held[0]() // once only
	if release, _ := hr.take("tA", "its token"); release == nil {
		t.Error("a place given back was not free again")
	}
	for i := 0; len(held) < maxHistoryMonitors; i++ {
		if release, _ := hr.take(fmt.Sprint("k", i/maxHistoryPerKey), "its token"); release != nil {
			held = append(held, release)
		}
	}
	if release, full := hr.take("new", "its token"); release != nil || full != "64 monitors reading history, the limit" {
		t.Errorf("one more of all: %v %q", release != nil, full)
	}
}

// The attacker's second pass: a history monitor that started from a checkpoint the hub's floor had
// not got to (another hub on the log saved it while this one was behind) joined only after it read
// another message, so on a quiet floor it never did, holding its floor, its consumer and its place.
// The apply loop joins it when it applies the message the monitor read last, and the events after
// come once each.
func TestHistoryMonitorAheadOfTheFloorJoinsWhenItGetsThere(t *testing.T) {
	t.Parallel()
	l := openLog(t, t.TempDir())
	ahead := startHubOnLog(t, l, Config{CheckpointEvery: 4})
	hold := make(chan struct{})
	behind := startHubOnLogWith(t, l, Config{CheckpointEvery: 4}, func(h *Hub) {
		h.applyHook = func(seq uint64) {
			if seq > 4 {
				<-hold
			}
		}
	})
	br := ahead.dial(t, "/ingest?session=s1", nil)
	msgs := deskEvents("a1", 10)
	send(t, br, msgs[:8]...)
	ahead.waitCheckpointed(t, 8)
	behind.waitApplied(t, 4)
	time.Sleep(20 * time.Millisecond) // the log's clock passes message 8
	mon := behind.dial(t, "/stream?since="+time.Now().UTC().Format(time.RFC3339Nano), nil)
	readUntil(t, mon, `{"type":"DESKWATCH_RESYNC_END"`) // the checkpoint at 8: the floor is at 4
	time.Sleep(100 * time.Millisecond)
	if strings.Contains(behind.log.String(), "caught up with the floor") {
		t.Fatal("joined the live monitors before the floor had applied the checkpoint's messages")
	}
	close(hold)
	waitCaughtUp(t, behind.log, 1) // the floor got there
	send(t, br, msgs[8:]...)
	if got := readUntil(t, mon, msgs[9]); !slices.Equal(got, msgs[8:]) {
		t.Errorf("after joining the monitor got\n%s\nwant the live events once each", strings.Join(got, "\n"))
	}
	expectSilence(t, mon)
	behind.history.mu.Lock()
	defer behind.history.mu.Unlock()
	if behind.history.n != 0 {
		t.Errorf("%d places among the history readers held after it joined", behind.history.n)
	}
}

// The attacker's second pass: a history monitor that connected while the hub was restoring (the
// hub serves during Start) joined the live monitors at once, its checkpoint's seq and the empty
// floor's both 0, and never got the history: the floor Start restored was never sent. It waits for
// the floor to be caught up with the log, as a live monitor does, then gets the history whole.
func TestHistoryMonitorWaitsForTheRestore(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := Config{CheckpointEvery: 4}
	first := startLogHub(t, dir, cfg)
	br := first.dial(t, "/ingest?session=s1", nil)
	msgs := deskEvents("a1", 6)
	send(t, br, msgs...)
	first.waitApplied(t, 6)
	first.waitCheckpointed(t, 4)
	first.crash()

	l := openLog(t, dir)
	t.Cleanup(func() { _ = l.Close() })
	th := unstartedHubOnLog(t, l, cfg)
	dialed := make(chan *websocket.Conn, 1)
	go func() { dialed <- th.dial(t, "/stream?since=1h", nil) }() // answered once restored
	time.Sleep(100 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := th.Start(ctx); err != nil {
		t.Fatal(err)
	}
	mon := <-dialed
	if got := seqsOf(t, readUntil(t, mon, msgs[5])); !slices.Equal(got, []string{"END", "a1:1", "a1:2", "a1:3", "a1:4", "a1:5", "a1:6"}) {
		t.Errorf("history since 1h while the hub restored: %v, want the log's six events", got)
	}
}

// The attacker's second pass: a plain GET of /stream?since= (no WebSocket upgrade) skipped the
// monitors' join allowance and still read the log for the history, a checkpoint decoded each time.
// It is refused as the upgrade refuses it, before any of that.
func TestPlainGetOfHistoryDoesNoWork(t *testing.T) {
	t.Parallel()
	th := startLogHub(t, t.TempDir(), Config{})
	_ = th.l.Close() // the history cannot be read: a request that tried would get 503
	resp, err := http.Get(th.srv.URL + "/stream?since=1h")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("a plain GET of history: HTTP %d, want 400 from the upgrade", resp.StatusCode)
	}
}

// waitCaughtUp waits until the hub has logged n history monitors caught up with its floor.
func waitCaughtUp(t *testing.T, log *syncBuffer, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for strings.Count(log.String(), "caught up with the floor after") < n {
		if time.Now().After(deadline) {
			t.Fatalf("fewer than %d history monitors caught up with the floor:\n%s", n, log.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}
