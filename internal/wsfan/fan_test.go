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
			f.Broadcast(strconv.Itoa(n), 1)
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
