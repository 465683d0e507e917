package hub

import (
	"context"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/internal/jetlog"
	"github.com/deskwatch/deskwatch/model"
)

// liveSet stands for the hubs routed to each other: tests take hubs away from it.
type liveSet struct {
	mu    sync.Mutex
	names map[string]bool
}

func newLiveSet(names ...string) *liveSet {
	s := &liveSet{names: map[string]bool{}}
	for _, n := range names {
		s.names[n] = true
	}
	return s
}

func (s *liveSet) remove(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.names, name)
}

func (s *liveSet) hubs() (map[string]bool, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]bool, len(s.names))
	for n := range s.names {
		out[n] = true
	}
	return out, true
}

// namedHubOnLog starts a hub named name on the shared log l, the hubs it sees routed to it being live's.
func namedHubOnLog(t *testing.T, l *jetlog.Log, name string, live *liveSet, cfg Config) *logHub {
	t.Helper()
	cfg.Name = name
	return startHubOnLogWith(t, l, cfg, func(h *Hub) { h.own.hubs = live.hubs })
}

// kill stops the hub as kill -9 would: it says nothing more on the log (not even for the
// connections that end with it).
func (lh *logHub) kill() {
	lh.mu.Lock()
	lh.closed = true
	lh.mu.Unlock()
	lh.crash()
}

// desktopEvents reads the log to its end and returns its DESKWATCH_DESKTOP events for agent.
func desktopEvents(t *testing.T, l *jetlog.Log, agent string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := l.State(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	err = l.Follow(ctx, 1, func(m jetlog.Msg) error {
		if m.Agent == agent && strings.Contains(string(m.Data), model.EvDesktop) {
			out = append(out, string(m.Data))
		}
		if m.Seq >= st.LastSeq {
			return context.Canceled
		}
		return nil
	})
	if err != nil && ctx.Err() != nil {
		t.Fatalf("reading the log: %v", err)
	}
	return out
}

// waitDesktop waits until the hub's floor holds agent's desktop in status st.
func (lh *logHub) waitDesktop(t *testing.T, agent string, st model.DesktopStatus) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		for _, ag := range lh.store.Snapshot().Agents {
			if ag.ID == agent && ag.Desktop == st {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("agent %q's desktop not %s within 30s:\n%s", agent, st, lh.log.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// count returns how many of events match re.
func count(events []string, re string) int {
	n := 0
	for _, ev := range events {
		if regexp.MustCompile(re).MatchString(ev) {
			n++
		}
	}
	return n
}

// TestLostHubsDesktopsDisconnectedOnce: three hubs on one log; the agent's bridge publishes through
// hub B, which dies with it. Once B has been away for LostHubAfter, the others say the desktop is
// disconnected ("hub B lost"), then gone after GoneAfter: each once on the log, however many hubs
// said it. On the old code the desktop stayed connected for ever.
func TestLostHubsDesktopsDisconnectedOnce(t *testing.T) {
	t.Parallel()
	l := tempLog(t)
	live := newLiveSet("A", "B", "C")
	cfg := Config{GoneAfter: time.Second, LostHubAfter: time.Second}
	a, b, c := namedHubOnLog(t, l, "A", live, cfg), namedHubOnLog(t, l, "B", live, cfg), namedHubOnLog(t, l, "C", live, cfg)
	send(t, b.dial(t, "/ingest?session=s1", nil), emptyState)
	b.log.waitLog(t, `agent "a1": desktop connected`)
	a.waitApplied(t, 2) // the state, connected
	c.waitApplied(t, 2)
	b.kill()
	live.remove("B")

	a.waitDesktop(t, "a1", model.DesktopDisconnected)
	a.waitDesktop(t, "a1", model.DesktopGone)
	c.waitDesktop(t, "a1", model.DesktopGone)
	// A hub that says it again (the other hub a moment later) is dropped by the log.
	c.retire("a1", deskOwner{Hub: "B", Seq: 2}, "hub B lost")
	evs := desktopEvents(t, l, "a1")
	if count(evs, `"connected".*"hub":"B"`) != 1 || count(evs, `"disconnected".*hub B lost`) != 1 ||
		count(evs, `"gone"`) != 1 || len(evs) != 3 {
		t.Fatalf("want one connected (hub B), one disconnected (hub B lost), one gone; the log has:\n%s",
			strings.Join(evs, "\n"))
	}
}

// TestLostHubsDesktopBackIsNotGone: the bridge of the lost hub's agent comes back through another
// hub after the desktop was said disconnected: it is connected again, and not gone after GoneAfter.
func TestLostHubsDesktopBackIsNotGone(t *testing.T) {
	t.Parallel()
	l := tempLog(t)
	live := newLiveSet("A", "B")
	cfg := Config{GoneAfter: 2 * time.Second, LostHubAfter: time.Second}
	a, b := namedHubOnLog(t, l, "A", live, cfg), namedHubOnLog(t, l, "B", live, cfg)
	send(t, b.dial(t, "/ingest?session=s1", nil), emptyState)
	a.waitApplied(t, 2)
	b.kill()
	live.remove("B")
	a.waitDesktop(t, "a1", model.DesktopDisconnected)
	send(t, a.dial(t, "/ingest?session=s2", nil), emptyState)
	a.waitDesktop(t, "a1", model.DesktopConnected)
	time.Sleep(3 * time.Second) // past GoneAfter
	if evs := desktopEvents(t, l, "a1"); count(evs, `"gone"`) != 0 || count(evs, `"connected".*"hub":"A"`) != 1 {
		t.Fatalf("want the desktop connected through A and not gone; the log has:\n%s", strings.Join(evs, "\n"))
	}
}

// TestRestartedClusteredHubSaysOnlyItsDesktops: hubs A and B share a log; B is killed with its
// bridge and started again under its name: the desktop it owned is disconnected ("hub restarted"),
// then gone; the one A owns is left alone. On the old code a clustered hub said nothing.
func TestRestartedClusteredHubSaysOnlyItsDesktops(t *testing.T) {
	t.Parallel()
	l := tempLog(t)
	live := newLiveSet("A", "B")
	cfg := Config{GoneAfter: time.Second, CheckpointEvery: 1} // a checkpoint keeps the owners
	a, b := namedHubOnLog(t, l, "A", live, cfg), namedHubOnLog(t, l, "B", live, cfg)
	other := event("INTERACTIONS_STATE", "a2", t0, 1, `[{"activeInteractionId":null,"interactions":[]}]`)
	send(t, b.dial(t, "/ingest?session=s1", nil), emptyState)
	send(t, a.dial(t, "/ingest?session=s2", nil), other)
	b.waitApplied(t, 4) // two states, two connected
	b.waitCheckpointed(t, 4)
	b.kill()

	again := namedHubOnLog(t, l, "B", live, cfg)
	again.log.waitLog(t, `agent "a1": desktop disconnected (hub restarted)`)
	a.waitDesktop(t, "a1", model.DesktopGone)
	if strings.Contains(again.log.String(), `"a2": desktop`) {
		t.Errorf("the restarted hub spoke of A's desktop:\n%s", again.log.String())
	}
	for _, ag := range a.store.Snapshot().Agents {
		if ag.ID == "a2" && ag.Desktop != model.DesktopConnected {
			t.Errorf("A's agent a2 is %s, want connected", ag.Desktop)
		}
	}
}

// TestDesktopSaidLostWhileHeldHereIsConnectedAgain: a hub taken for lost by another (cut off from
// it for a while) still has the agent's bridge connection: when the other's "disconnected" is
// applied, it says the desktop is connected again, through it.
func TestDesktopSaidLostWhileHeldHereIsConnectedAgain(t *testing.T) {
	t.Parallel()
	l := tempLog(t)
	live := newLiveSet("A", "B")
	cfg := Config{GoneAfter: time.Minute}
	a, b := namedHubOnLog(t, l, "A", live, cfg), namedHubOnLog(t, l, "B", live, cfg)
	send(t, a.dial(t, "/ingest?session=s1", nil), emptyState)
	b.waitApplied(t, 2) // the state, connected
	b.retire("a1", deskOwner{Hub: "A", Seq: 2}, "hub A lost")
	a.log.waitLog(t, `agent "a1": desktop connected (bridge connection still open)`)
	b.waitApplied(t, 4) // and the disconnected, the connected again
	b.waitDesktop(t, "a1", model.DesktopConnected)
	if evs := desktopEvents(t, l, "a1"); count(evs, `"connected".*"hub":"A"`) != 2 {
		t.Fatalf("want A to say connected twice; the log has:\n%s", strings.Join(evs, "\n"))
	}
}
