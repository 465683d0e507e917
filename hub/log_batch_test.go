package hub

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/deskwatch/deskwatch/model"
)

// TestResendStoredTwiceIsRelayedOnce: the log keeps no message id for a bridge's event (events
// share batches), so a resend that raced its original through another hub is stored twice. The
// apply loop drops the second by its seq, as it drops any resend: a live monitor and one asking
// for history each see every event once, and /metrics counts the drop.
func TestResendStoredTwiceIsRelayedOnce(t *testing.T) {
	t.Parallel()
	l, th, live := watchedLogHub(t)
	evs := deskEvents("a1", 4)
	addToLog(t, l, "a1", "s1", evs[0], evs[1], evs[2], evs[1], evs[3]) // seq 2 stored twice
	want := []string{"a1:1", "a1:2", "a1:3", "a1:4"}
	if got := seqsOf(t, readRaw(t, live, 4)); !slices.Equal(got, want) {
		t.Errorf("live monitor: %v, want %v", got, want)
	}
	expectSilence(t, live)
	hist := th.dial(t, "/stream?since=1h", nil)
	if got := seqsOf(t, readRaw(t, hist, 5)); !slices.Equal(got, append([]string{"END"}, want...)) {
		t.Errorf("history monitor: %v, want END then %v", got, want)
	}
	expectSilence(t, hist)
	if m, _ := th.get(t, "/metrics"); !strings.Contains(m, "deskwatch_hub_log_duplicates_total 1\n") {
		t.Errorf("/metrics does not count the one duplicate:\n%s", m)
	}
}

// TestManyBridgesShareBatches: events of many bridges at once reach the log in fewer messages than
// events, and a monitor gets each of them once, every agent's in order. Each bridge's first event
// waits until every bridge has sent one, so that they are added to the log at once however the
// machine schedules the connections.
func TestManyBridgesShareBatches(t *testing.T) {
	t.Parallel()
	const bridges, each = 40, 6
	var firsts sync.WaitGroup
	firsts.Add(bridges)
	th := startHubOnLogWith(t, tempLog(t), Config{}, func(h *Hub) {
		h.appendHook = func(ev model.Event) error {
			if ev.Type != model.EvDesktop && ev.Seq == 1 {
				firsts.Done()
				firsts.Wait()
			}
			return nil
		}
	})
	_, mon := snapshotOf(t, th.testHub, "/stream")
	var wg sync.WaitGroup
	for b := range bridges {
		br := th.dial(t, "/ingest?session=s1", nil)
		wg.Go(func() { send(t, br, deskEvents(fmt.Sprint("a", b), each)...) })
	}
	wg.Wait()
	next := map[string]int64{}
	desktops := 0
	for n := 0; n < bridges*each; {
		ev, err := model.Decode([]byte(readN(t, mon, 1)[0]))
		if err != nil {
			t.Fatal(err)
		}
		if ev.Type == model.EvDesktop { // the hub's own (a bridge connected): in the log too
			desktops++
			continue
		}
		n++
		if next[ev.AgentID]++; ev.Seq != next[ev.AgentID] {
			t.Fatalf("agent %s: seq %d, want %d", ev.AgentID, ev.Seq, next[ev.AgentID])
		}
	}
	expectSilence(t, mon)
	th.mu.Lock()
	stored := th.lg.seq
	th.mu.Unlock()
	if total := uint64(bridges*each + desktops); stored >= total {
		t.Errorf("%d events in %d messages of the log: want them batched", total, stored)
	}
}
