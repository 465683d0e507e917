package sim

import (
	"bytes"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/deskwatch/deskwatch/model"
)

// seqEvent is what the seq tests read of a message.
type seqEvent struct {
	data  []byte
	typ   string
	agent string
	seq   int64
}

// readSeq reads messages from c until done says the last one read is the last wanted.
func readSeq(t *testing.T, c *websocket.Conn, done func(n int, last []byte) bool) []seqEvent {
	t.Helper()
	var out []seqEvent
	for len(out) == 0 || !done(len(out), out[len(out)-1].data) {
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		_, data, err := c.ReadMessage()
		if err != nil {
			t.Fatalf("after %d messages: %v", len(out), err)
		}
		ev, err := model.Decode(data)
		if err == nil && ev.Type == model.EvResyncEnd {
			continue // the welcome's end, of no agent
		}
		if err != nil || !ev.HasSeq {
			t.Fatalf("message %d without a seq (%v): %s", len(out), err, data)
		}
		out = append(out, seqEvent{data, ev.Type, ev.AgentID, ev.Seq})
	}
	return out
}

// checkRising checks that each agent's seq rises by exactly one from from on, or, when gaps are
// allowed, only rises; it returns the seq numbers skipped and each agent's last seq.
func checkRising(t *testing.T, who string, evs []seqEvent, from map[string]int64, gaps bool) (int64, map[string]int64) {
	t.Helper()
	last := map[string]int64{}
	for k, v := range from {
		last[k] = v
	}
	var skipped int64
	for i, ev := range evs {
		if d := ev.seq - last[ev.agent]; d != 1 && (!gaps || d < 1) {
			t.Fatalf("%s: message %d: %s seq %d after %d", who, i, ev.agent, ev.seq, last[ev.agent])
		}
		skipped += ev.seq - last[ev.agent] - 1
		last[ev.agent] = ev.seq
	}
	return skipped, last
}

// TestSubscribersSeeSeqRiseByOne checks the seq numbers subscribers get, which the generator
// assigns and nothing rewrites: a subscriber there from the start sees every agent's seq rise by one
// (with gaps only for --drop); one joining mid-stream gets a welcome restating each agent's current
// seq and then the same live events, going on from it.
func TestSubscribersSeeSeqRiseByOne(t *testing.T) {
	t.Parallel()
	for _, drop := range []float64{0, 0.05} {
		t.Run(map[float64]string{0: "clean", 0.05: "drop"}[drop], func(t *testing.T) {
			t.Parallel()
			// A second of history at once, then two seconds live, for the late subscriber to join.
			const agents, history, events = 5, 1000, 3000
			ts := newTestSim(t, Config{Seed: 6, Agents: agents, Rate: 1000, Warmup: time.Second,
				Events: events, Chaos: Chaos{Drop: drop}})
			early, _, err := websocket.DefaultDialer.Dial(ts.url, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer early.Close()
			waitFor(t, "the first subscriber", func() bool { return ts.Stats().Subscribers == 1 })
			ts.start()
			waitFor(t, "the history", func() bool { return ts.Stats().Events >= history })
			late, _, err := websocket.DefaultDialer.Dial(ts.url, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer late.Close()
			waitFor(t, "the stream's end", func() bool { return ts.Stats().Events == events })
			dropped := ts.Stats().Dropped

			// The first subscriber's welcome is every agent logged out at seq 0.
			all := readSeq(t, early, func(n int, _ []byte) bool { return int64(n) == agents*2+events-dropped })
			welcome, live := all[:agents*2], all[agents*2:]
			for _, ev := range welcome {
				if ev.seq != 0 || ev.typ == model.EvLogin {
					t.Fatalf("first welcome has %s %s at seq %d, want every agent logged out at 0", ev.typ, ev.agent, ev.seq)
				}
			}
			skipped, _ := checkRising(t, "first subscriber", live, nil, drop > 0)
			if drop == 0 && skipped != 0 || drop > 0 && (skipped == 0 || skipped > dropped) {
				t.Errorf("%d seq numbers skipped, %d events dropped", skipped, dropped)
			}
			checkLateJoiner(t, late, live, agents, drop > 0)
		})
	}
}

// checkLateJoiner checks a subscriber that joined mid-stream against the stream from the start:
// its live events are the stream's last ones, and its welcome restates each agent's seq as of the
// event before them (or a later one, when the events in between were dropped).
func checkLateJoiner(t *testing.T, c *websocket.Conn, stream []seqEvent, agents int, gaps bool) {
	t.Helper()
	end := stream[len(stream)-1].data
	got := readSeq(t, c, func(_ int, last []byte) bool { return bytes.Equal(last, end) })
	n := 0 // the welcome: each agent's presence, then one INTERACTIONS_STATE per agent
	for snaps := 0; snaps < agents; n++ {
		if n == len(got) {
			t.Fatalf("welcome of %d messages has %d snapshots", n, snaps)
		}
		if got[n].typ == model.EvInteractionsState {
			snaps++
		}
	}
	welcome, live := got[:n], got[n:]
	at := map[string]int64{}
	for _, ev := range welcome {
		if s, ok := at[ev.agent]; ok && s != ev.seq {
			t.Fatalf("welcome: %s at seq %d and %d", ev.agent, s, ev.seq)
		}
		at[ev.agent] = ev.seq
	}
	if len(at) != agents || len(live) == 0 || len(live) >= len(stream) {
		t.Fatalf("welcome for %d agents, %d live events of %d: want all agents and part of the stream",
			len(at), len(live), len(stream))
	}
	k := len(stream) - len(live)
	for i, ev := range live {
		if !bytes.Equal(ev.data, stream[k+i].data) {
			t.Fatalf("live message %d is not the stream's message %d:\n%s\n%s", i, k+i, ev.data, stream[k+i].data)
		}
	}
	checkRising(t, "late subscriber", live, at, gaps)
	before := map[string]int64{}
	for _, ev := range stream[:k] {
		before[ev.agent] = ev.seq
	}
	for a, s := range at {
		if s != before[a] && (!gaps || s < before[a]) {
			t.Errorf("welcome restates %s at seq %d; the stream had reached %d", a, s, before[a])
		}
	}
}
