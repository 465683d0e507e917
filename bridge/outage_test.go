package bridge_test

import (
	"flag"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/hub"
	"github.com/deskwatch/deskwatch/model"
)

// outage is how long TestHubDownForAMinute keeps the hub down. The bridge's backoff is scaled to
// it as the defaults are to a minute (0.5 s doubling to 30 s), so the default 6 s is a minute's
// outage at a tenth of the time; -bridge.outage=60s runs the real one with the real defaults.
var outage = flag.Duration("bridge.outage", 6*time.Second, "TestHubDownForAMinute's outage")

// TestHubDownForAMinute: the hub is down for twice the bridge's backoff cap while the desktop
// raises an event every sixtieth of it. The page's thread is never held up (a heartbeat every
// 10 ms records the longest gap), no exception reaches the page, the bridge retries with backoff
// rather than hammering, reconnects within a backoff cap of the hub's return, and every event
// arrives once, in order.
func TestHubDownForAMinute(t *testing.T) {
	maxBackoff := *outage / 2
	minBackoff := maxBackoff / 60
	period := *outage / 60
	b, p, mon := startRig(t, hub.Config{})
	pg := b.open(hostPage(t, map[string]string{
		"HUB": p.httpURL(),
		"BEFORE": fmt.Sprintf(`window.deskwatchBridgeConfig = {minBackoff: %d, maxBackoff: %d};`,
			minBackoff.Milliseconds(), maxBackoff.Milliseconds()),
		"AFTER": `window.lag = {max: 0, last: performance.now()};
			setInterval(() => { const now = performance.now(); lag.max = Math.max(lag.max, now - lag.last); lag.last = now; }, 10);`,
	}))
	pg.waitFor(10*time.Second, `deskwatchBridge.stats().state === "open"`)
	pg.run(`fakeAdApis[0].emit('ON_NEW_INTERACTION', fakeInteraction('i1', 'delivered'))`)
	mon.waitFor("the first event", func(evs []model.Event) bool { return len(seqs(evs, "A1")) == 1 })
	// Its acknowledgement too: an event the hub had not acknowledged when it stopped is sent again
	// to the new hub, which cannot know it saw it (the monitor would see it twice).
	pg.waitFor(10*time.Second, `deskwatchBridge.stats().buffered === 0`)

	p.stop()
	pg.waitFor(5*time.Second, `deskwatchBridge.stats().state !== "open"`)
	pg.run(fmt.Sprintf(`(() => {
		window.attemptsBefore = deskwatchBridge.stats().attempts;
		lag.max = 0;
		window.emitted = 0;
		const timer = setInterval(() => {
			emitted++;
			fakeAdApis[0].emit('ON_INTERACTION_STATE_CHANGE', fakeInteraction('i1', emitted %% 2 ? 'hold' : 'delivered',
				{description: 'event ' + emitted}));
			if (emitted === 60) clearInterval(timer);
		}, %d);
	})()`, period.Milliseconds()))
	time.Sleep(*outage)
	pg.waitFor(*outage, `emitted === 60`)

	// The hub returns; the monitor subscribes before the bridge is let in, so it sees every event.
	p.gate = make(chan struct{})
	back := time.Now()
	p.start()
	mon.connect(p.wsURL()+"/stream", "")
	close(p.gate)
	pg.waitFor(maxBackoff*2+10*time.Second, `deskwatchBridge.stats().state === "open"`)
	pg.run(`fakeAdApis[0].emit('ON_INTERACTION_STATE_CHANGE', fakeInteraction('i1', 'delivered', {description: 'after'}))`)
	pg.waitFor(10*time.Second, `deskwatchBridge.stats().buffered === 0`)
	mon.waitFor("all 62 events", func(evs []model.Event) bool { return len(seqs(evs, "A1")) >= 62 })

	want := make([]int64, 62)
	for i := range want {
		want[i] = int64(i + 1)
	}
	if got := seqs(mon.events(), "A1"); !slices.Equal(got, want) {
		t.Errorf("seqs %v: lost, doubled or out of order", got)
	}
	checkOutage(t, pg, back, minBackoff, maxBackoff)
	assertPageUnharmed(t, b, pg, nil)
}

// checkOutage reads the page's figures for the outage: its thread's longest gap, the bridge's
// connection attempts, when it was back (against the hub's return at back) and its drops.
func checkOutage(t *testing.T, pg *page, back time.Time, minBackoff, maxBackoff time.Duration) {
	t.Helper()
	var st struct {
		Lag      float64 `json:"lag"`
		Attempts int     `json:"attempts"`
		LastOpen int64   `json:"lastOpen"`
		Dropped  int     `json:"dropped"`
	}
	if err := pg.eval(`({lag: lag.max, attempts: deskwatchBridge.stats().attempts - attemptsBefore,
		lastOpen: deskwatchBridge.stats().lastOpen, dropped: deskwatchBridge.stats().dropped})`, &st); err != nil {
		t.Fatal(err)
	}
	reconnect := time.UnixMilli(st.LastOpen).Sub(back)
	t.Logf("outage %v, backoff %v..%v: %d attempts, longest main-thread gap %.0f ms, reconnected %v after the hub returned",
		*outage, minBackoff, maxBackoff, st.Attempts, st.Lag, reconnect.Round(time.Millisecond))
	// Doubling from minBackoff to the cap takes 7 attempts, then one per cap: about 8 in all.
	if st.Attempts < 4 || st.Attempts > 16 {
		t.Errorf("%d connection attempts during the outage: want backoff, not hammering nor giving up", st.Attempts)
	}
	// A bridge that blocked its page (a busy wait, a synchronous request) would hold the thread for
	// the whole outage; a loaded test machine can delay a timer by a second or so on its own.
	if st.Lag > 2000 {
		t.Errorf("the page's thread was held up for %.0f ms", st.Lag)
	}
	if reconnect > maxBackoff*6/5+2*time.Second {
		t.Errorf("reconnected %v after the hub returned; the backoff cap is %v", reconnect, maxBackoff)
	}
	if st.Dropped != 0 {
		t.Errorf("%d events dropped", st.Dropped)
	}
}
