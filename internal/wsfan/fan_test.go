package wsfan

import (
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// TestFanSnapshotThenLiveLeavesNoGapNorOverlap: subscribers join while messages are broadcast;
// each one's snapshot (the count broadcast so far) is followed by exactly the messages after it.
func TestFanSnapshotThenLiveLeavesNoGapNorOverlap(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	n := 0
	f := NewFan[string](&mu, Snapshots[int]{Take: func() int { return n }},
		func(*Overflow) (int, string) { return websocket.CloseTryAgainLater, "slow" })
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
			}
			mu.Lock()
			n++
			f.Broadcast("", strconv.Itoa(n), 1)
			mu.Unlock()
			time.Sleep(100 * time.Microsecond)
		}
	}()
	cfg := Config{Queue: 1 << 16, WriteWait: 5 * time.Second, CloseWait: 5 * time.Second}
	for range 5 {
		s, _ := pair(t, cfg)
		welcome, ok := f.Subscribe(s)
		if !ok {
			t.Fatal("Subscribe refused an open fan")
		}
		snap := <-welcome
		time.Sleep(2 * time.Millisecond)
		for want := snap + 1; want <= snap+3; want++ {
			select {
			case q := <-s.queue:
				if q.m != strconv.Itoa(want) {
					t.Fatalf("after snapshot %d: got %s, want %d", snap, q.m, want)
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("after snapshot %d: no message %d", snap, want)
			}
		}
		f.Leave(s)
	}
	close(stop)
	<-done
}

// TestFanSharesACurrentSnapshotAndWaitsOutTheInterval: a current snapshot is shared; one that is
// not is taken again only after Interval, for every subscriber that joined meanwhile at once.
func TestFanSharesACurrentSnapshotAndWaitsOutTheInterval(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	version, takes := 1, 0
	f := NewFan[string](&mu, Snapshots[int]{
		Take:     func() int { takes++; return version },
		Current:  func(v int) bool { return v == version },
		Interval: 200 * time.Millisecond,
	}, nil)
	a, _ := pair(t, testConfig)
	b, _ := pair(t, testConfig)
	c, _ := pair(t, testConfig)
	wa, _ := f.Subscribe(a)
	wb, _ := f.Subscribe(b)
	if got, got2 := <-wa, <-wb; got != 1 || got2 != 1 {
		t.Fatalf("snapshots %d, %d, want 1, 1", got, got2)
	}
	mu.Lock()
	version = 2
	mu.Unlock()
	wc, _ := f.Subscribe(c) // within Interval of the first: waits for the next
	if got := <-wc; got != 2 {
		t.Fatalf("snapshot %d after the change, want 2", got)
	}
	mu.Lock()
	defer mu.Unlock()
	if takes != 2 {
		t.Fatalf("%d snapshots taken, want 2", takes)
	}
}

// TestFanCloseStopsSubscribersEvenWaitingOnesAndRefusesNewOnes.
func TestFanCloseStopsSubscribersEvenWaitingOnesAndRefusesNewOnes(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	v := 0
	f := NewFan[string](&mu, Snapshots[int]{Take: func() int { return v }, Current: func(int) bool { return false },
		Interval: time.Hour}, nil)
	a, ca := pair(t, testConfig)
	b, cb := pair(t, testConfig)
	<-func() <-chan int { w, _ := f.Subscribe(a); return w }()
	if _, ok := f.Subscribe(b); !ok { // waits an hour for its snapshot
		t.Fatal("Subscribe refused an open fan")
	}
	f.Close(websocket.CloseGoingAway, "bye")
	for _, s := range []*Subscriber[string]{a, b} { // sent before Close returns: a server exiting next keeps them
		select {
		case <-s.Closed():
		default:
			t.Fatal("Close returned before a subscriber's close frame was sent")
		}
	}
	for _, c := range []*websocket.Conn{ca, cb} {
		if ce, _ := closeOf(t, c); ce.Code != websocket.CloseGoingAway || ce.Text != "bye" {
			t.Fatalf("close %d %q, want %d bye", ce.Code, ce.Text, websocket.CloseGoingAway)
		}
	}
	c, _ := pair(t, testConfig)
	if _, ok := f.Subscribe(c); ok {
		t.Fatal("Subscribe accepted a closed fan")
	}
	waited := make(chan struct{})
	go func() { f.Wait(); close(waited) }()
	f.Leave(a)
	f.Leave(b)
	select {
	case <-waited:
	case <-time.After(10 * time.Second):
		t.Fatal("Wait did not return once every subscriber left")
	}
}

// TestFanRoutesByKey: a subscriber without Keys gets every message, one with Keys only those
// broadcast under one of them, one with empty Keys none; a subscriber dropped as slow leaves every
// key it was under, so later messages of those keys neither reach nor retry it.
func TestFanRoutesByKey(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	f := NewFan[string](&mu, Snapshots[int]{Take: func() int { return 0 }},
		func(*Overflow) (int, string) { return websocket.CloseTryAgainLater, "slow" })
	cfg := Config{Queue: 8, WriteWait: 5 * time.Second, CloseWait: 5 * time.Second}
	join := func(keys []string, queue int) *Subscriber[string] {
		c := cfg
		c.Queue = queue
		s, _ := pair(t, c)
		s.Keys = keys
		if _, ok := f.Subscribe(s); !ok {
			t.Fatal("Subscribe refused an open fan")
		}
		return s
	}
	all := join(nil, 8)
	ab := join([]string{"a", "b"}, 8)
	b := join([]string{"b"}, 1)
	none := join([]string{}, 8)
	mu.Lock()
	for _, k := range []string{"a", "b", "c", "b", "a"} {
		f.Broadcast(k, k, 1)
	}
	mu.Unlock()
	got := func(s *Subscriber[string]) (out string) {
		for len(s.queue) > 0 {
			out += (<-s.queue).m
		}
		return out
	}
	for _, c := range []struct {
		name string
		s    *Subscriber[string]
		want string
	}{{"no keys", all, "abcba"}, {"keys a, b", ab, "abba"}, {"key b, queue of 1", b, "b"}, {"empty keys", none, ""}} {
		if g := got(c.s); g != c.want {
			t.Errorf("%s: got %q, want %q", c.name, g, c.want)
		}
	}
	select {
	case <-b.Done(): // the second "b" overflowed its queue of one
	default:
		t.Fatal("the subscriber whose queue overflowed was not stopped")
	}
	if n := f.Len(); n != 3 {
		t.Errorf("Len after one drop: %d, want 3", n)
	}
	mu.Lock()
	_, still := f.byKey["b"][b]
	mu.Unlock()
	if still {
		t.Error("the dropped subscriber is still routed under key b")
	}
	for _, s := range []*Subscriber[string]{all, ab, none} {
		f.Leave(s)
	}
	if len(f.byKey) != 0 || len(f.every) != 0 {
		t.Errorf("after every subscriber left: %d keys and %d keyless subscribers remain", len(f.byKey), len(f.every))
	}
}

// JoinLocked joins a subscriber to the live messages from the next one broadcast, with no snapshot
// (one the server brought up to date itself); it leaves as one that subscribed, and a closed fan
// takes none.
func TestFanJoinLockedIsLiveFromTheNext(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	f := NewFan[string](&mu, Snapshots[int]{Take: func() int { t.Error("a snapshot was taken"); return 0 }},
		func(*Overflow) (int, string) { return websocket.CloseTryAgainLater, "slow" })
	cfg := Config{Queue: 16, WriteWait: 5 * time.Second, CloseWait: 5 * time.Second}
	s, _ := pair(t, cfg)
	mu.Lock()
	f.Broadcast("", "before", 1)
	if !f.JoinLocked(s) {
		t.Fatal("JoinLocked refused an open fan")
	}
	f.Broadcast("", "after", 1)
	mu.Unlock()
	if q := <-s.queue; q.m != "after" || len(s.queue) != 0 {
		t.Errorf("got %q (and %d more), want the message after joining only", q.m, len(s.queue))
	}
	f.Leave(s)
	if f.Len() != 0 {
		t.Errorf("%d subscribers after Leave", f.Len())
	}
	f.Close(websocket.CloseGoingAway, "bye")
	f.Wait() // it left: Wait does not hang
	s2, _ := pair(t, cfg)
	mu.Lock()
	defer mu.Unlock()
	if f.JoinLocked(s2) {
		t.Error("a closed fan took a subscriber")
	}
}
