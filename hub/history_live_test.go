package hub

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
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
		deadline := time.Now().Add(5 * time.Second)
		for strings.Count(th.log.String(), "caught up with the floor after") <= i {
			if time.Now().After(deadline) {
				t.Fatalf("monitor %d never caught up:\n%s", i+1, th.log.String())
			}
			time.Sleep(10 * time.Millisecond)
		}
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
		release, full := hr.take("tA")
		if release == nil {
			t.Fatalf("refused within the bound: %s", full)
		}
		held = append(held, release)
	}
	if release, full := hr.take("tA"); release != nil || full != "8 monitors reading history for one" {
		t.Errorf("one more of one token: %v %q", release != nil, full)
	}
	held[0]()
	held[0]() // once only
	if release, _ := hr.take("tA"); release == nil {
		t.Error("a place given back was not free again")
	}
	for i := 0; len(held) < maxHistoryMonitors; i++ {
		if release, _ := hr.take(fmt.Sprint("k", i/maxHistoryPerKey)); release != nil {
			held = append(held, release)
		}
	}
	if release, full := hr.take("new"); release != nil || full != "64 monitors reading history, the limit" {
		t.Errorf("one more of all: %v %q", release != nil, full)
	}
}
