package bridge_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/hub"
	"github.com/deskwatch/deskwatch/model"
)

// bigSubject is a subject of 400k "€": 400k characters, 1.2 MB in UTF-8.
const bigSubject = `'\u20ac'.repeat(400000)`

// TestOversizedEventDoesNotStallTheFeed: an interaction whose subject is 1.2 MB in UTF-8 (but
// 400k characters) is dropped by the bridge before it reaches the hub, counted and reported by a
// seq jump; the events after it flow on the same connection. After a reconnect, the snapshot
// carries the interaction trimmed, so it fits too and the feed goes on.
func TestOversizedEventDoesNotStallTheFeed(t *testing.T) {
	b, p, mon := startRig(t, hub.Config{})
	pg := b.open(hostPage(t, map[string]string{
		"HUB":    p.httpURL(),
		"BEFORE": `window.deskwatchBridgeConfig = {minBackoff: 100, maxBackoff: 800};`,
	}))
	pg.waitFor(10*time.Second, `deskwatchBridge.stats().state === "open"`)
	pg.run(`(() => { const api = fakeAdApis[0];
		api.emit('ON_NEW_INTERACTION', fakeInteraction('i1', 'delivered'));
		api.emit('ON_NEW_INTERACTION', fakeInteraction('big', 'delivered', {subject: ` + bigSubject + `}));
		api.emit('ON_AGENT_STATE_CHANGE', 'ready');
		api.emit('ON_INTERACTION_STATE_CHANGE', fakeInteraction('big', 'hold', {subject: ` + bigSubject + `}));
		api.emit('ON_NEW_INTERACTION', fakeInteraction('c1', 'delivered', {type: 'chat'}));
	})()`)
	mon.waitFor("the events that fit", func(evs []model.Event) bool { return len(seqs(evs, "A1")) == 3 })
	if got := seqs(mon.events(), "A1"); !slices.Equal(got, []int64{1, 3, 5}) {
		t.Fatalf("seqs %v, want 1 3 5 (2 and 4 too large)", got)
	}
	pg.waitFor(5*time.Second, `deskwatchBridge.stats().buffered === 0`)
	var st struct{ Dropped, TooLarge, Connects, Trimmed int }
	if err := pg.eval(`deskwatchBridge.stats()`, &st); err != nil {
		t.Fatal(err)
	}
	if st.Dropped != 2 || st.TooLarge != 2 || st.Connects != 1 {
		t.Fatalf("bridge stats %+v: want both big events dropped as too large, on one connection", st)
	}
	if got := mon.table(); !strings.Contains(got, "lost=2") || strings.Contains(got, "big") {
		t.Errorf("monitor's table:\n%s", got)
	}

	// The hub restarts: the page's view (here the desktop's answer) holds the big interaction,
	// and the snapshot carries it cut down to size.
	p.stop()
	pg.waitFor(5*time.Second, `deskwatchBridge.stats().state !== "open"`)
	p.start()
	pg.waitFor(10*time.Second, `deskwatchBridge.stats().state === "open" && deskwatchBridge.stats().connects === 2`)
	pg.run(`fakeAdApis[0].emit('ON_AGENT_STATE_CHANGE', 'busy')`)
	late := newMonitor(t)
	late.connect(p.wsURL()+"/stream", "")
	late.waitFor("the hub's snapshot with the trimmed interaction", func(evs []model.Event) bool {
		ids, _, _ := snapshotOf(evs, "A1")
		return len(ids) == 3
	})
	for _, ev := range late.events() {
		if ev.Type != model.EvInteractionsState {
			continue
		}
		for _, in := range ev.Payload.(*model.InteractionsState).Interactions {
			if in.ID == "big" && (len([]rune(in.Subject)) != 1025 || !strings.HasSuffix(in.Subject, "€…") || in.State != "hold") {
				t.Errorf("the big interaction in the snapshot: state %s, subject of %d characters", in.State, len([]rune(in.Subject)))
			}
		}
	}
	if err := pg.eval(`deskwatchBridge.stats()`, &st); err != nil || st.Trimmed != 1 {
		t.Errorf("trimmed %d (%v), want 1", st.Trimmed, err)
	}
	mon2 := newMonitor(t)
	mon2.connect(p.wsURL()+"/stream", "")
	pg.run(`fakeAdApis[0].emit('ON_INTERACTION_REMOVED', fakeInteraction('c1', 'completed', {type: 'chat'}))`)
	mon2.waitFor("the next event", func(evs []model.Event) bool { return slices.Contains(seqs(evs, "A1"), 7) })
	if log := p.log.String(); strings.Contains(log, "rejected:") {
		t.Errorf("the hub rejected something:\n%s", log)
	}
	assertPageUnharmed(t, b, pg, nil)
}

// TestHubSkipsOversizedMessage: a bridge that believes the hub takes more than it does sends an
// event over the hub's limit. The hub rejects it with a log line and an acknowledgement, and keeps
// the connection: the bridge forgets the event rather than resending it, and later events flow.
func TestHubSkipsOversizedMessage(t *testing.T) {
	const limit = 64 << 10
	b, p, mon := startRig(t, hub.Config{MaxMessage: limit})
	pg := b.open(hostPage(t, map[string]string{
		"HUB":    p.httpURL(),
		"ATTRS":  ` data-max-message="1048576"`,
		"BEFORE": `window.deskwatchBridgeConfig = {minBackoff: 100, maxBackoff: 800};`,
	}))
	pg.waitFor(10*time.Second, `deskwatchBridge.stats().state === "open"`)
	pg.run(`(() => { const api = fakeAdApis[0];
		api.emit('ON_AGENT_STATE_CHANGE', 'busy');
		api.emit('ON_NEW_INTERACTION', fakeInteraction('big', 'delivered', {subject: 'x'.repeat(200000)}));
		api.emit('ON_AGENT_STATE_CHANGE', 'ready');
	})()`)
	p.waitLog(fmt.Sprintf(`larger than the limit of %d (--max-message); skipped, seq 2 acknowledged`, limit))
	mon.waitFor("the next event", func(evs []model.Event) bool { return slices.Contains(seqs(evs, "A1"), 3) })
	pg.waitFor(5*time.Second, `deskwatchBridge.stats().buffered === 0 && deskwatchBridge.stats().acked === 3`)
	time.Sleep(500 * time.Millisecond) // a reconnect would have happened by now
	var st struct{ Connects, Dropped int }
	if err := pg.eval(`deskwatchBridge.stats()`, &st); err != nil || st.Connects != 1 || st.Dropped != 0 {
		t.Errorf("bridge stats %+v (%v): want one connection, nothing dropped by the bridge", st, err)
	}
	if n := strings.Count(p.log.String(), "rejected:"); n != 1 {
		t.Errorf("%d rejections, want 1 (no resend):\n%s", n, p.log.String())
	}
	if got := mon.table(); !strings.Contains(got, "agent A1 ready/ loggedIn=true lost=1") {
		t.Errorf("monitor's table:\n%s", got)
	}
	assertPageUnharmed(t, b, pg, nil)
}
