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

// TestFailoverToTheNextHub: the bridge is given two hubs in data-url, comma-separated; the first
// is closed while the desktop raises an event every 50 ms. The bridge moves to the second and
// resends what the first had not acknowledged: between the two hubs' monitors every seq arrives,
// and the second hub has each at most once, in order.
func TestFailoverToTheNextHub(t *testing.T) {
	b, first, mon1 := startRig(t, hub.Config{})
	second := startHubProc(t, hub.Config{})
	mon2 := newMonitor(t)
	mon2.connect(second.wsURL()+"/stream", "")
	pg := b.open(hostPage(t, map[string]string{
		"HUB":    first.httpURL(),
		"ATTRS":  fmt.Sprintf(` data-url="%s/ingest, %s/ingest"`, first.wsURL(), second.wsURL()),
		"BEFORE": `window.deskwatchBridgeConfig = {minBackoff: 100, maxBackoff: 400};`,
		"AFTER": `window.emitted = 0;
			const timer = setInterval(() => {
				emitted++;
				fakeAdApis[0].emit(emitted === 1 ? 'ON_NEW_INTERACTION' : 'ON_INTERACTION_STATE_CHANGE',
					fakeInteraction('i1', emitted % 2 ? 'hold' : 'delivered'));
				if (emitted === 60) clearInterval(timer);
			}, 50);`,
	}))
	pg.waitFor(10*time.Second, `deskwatchBridge.stats().state === "open"`)
	mon1.waitFor("ten events on the first hub", func(evs []model.Event) bool { return len(seqs(evs, "A1")) >= 10 })
	first.stop()

	pg.waitFor(20*time.Second, `emitted === 60 && deskwatchBridge.stats().state === "open" && deskwatchBridge.stats().buffered === 0`)
	var st struct {
		Hub       string `json:"hub"`
		Failovers int    `json:"failovers"`
		Dropped   int    `json:"dropped"`
	}
	if err := pg.eval(`deskwatchBridge.stats()`, &st); err != nil {
		t.Fatal(err)
	}
	if st.Hub != second.wsURL()+"/ingest" || st.Failovers < 1 || st.Dropped != 0 {
		t.Errorf("bridge after the first hub closed: %+v, want on %s/ingest", st, second.wsURL())
	}
	mon2.waitFor("the last event on the second hub", func(evs []model.Event) bool {
		s := seqs(evs, "A1")
		return len(s) > 0 && s[len(s)-1] == 60
	})
	got2 := seqs(mon2.events(), "A1")
	if !slices.IsSorted(got2) || len(slices.Compact(slices.Clone(got2))) != len(got2) {
		t.Errorf("second hub's seqs %v: doubled or out of order", got2)
	}
	all := slices.Compact(slices.Sorted(slices.Values(append(seqs(mon1.events(), "A1"), got2...))))
	want := make([]int64, 60)
	for i := range want {
		want[i] = int64(i + 1)
	}
	if !slices.Equal(all, want) {
		t.Errorf("seqs over both hubs %v: some lost", all)
	}
	assertPageUnharmed(t, b, pg, nil)
}

// TestHubListKeepsCommasInAQuery: data-url's list splits only where another ws:// or wss:// URL
// follows a comma (as the monitor's list does), so a hub URL whose query holds a comma stays whole.
func TestHubListKeepsCommasInAQuery(t *testing.T) {
	b, first, _ := startRig(t, hub.Config{})
	second := startHubProc(t, hub.Config{})
	withComma := first.wsURL() + "/ingest?site=a,b"
	pg := b.open(hostPage(t, map[string]string{
		"HUB":   first.httpURL(),
		"ATTRS": fmt.Sprintf(` data-url="%s, %s/ingest"`, withComma, second.wsURL()),
	}))
	pg.waitFor(10*time.Second, `deskwatchBridge.stats().state === "open"`)
	var hubURL string
	if err := pg.eval(`deskwatchBridge.stats().hub`, &hubURL); err != nil {
		t.Fatal(err)
	}
	if hubURL != withComma {
		t.Errorf("the bridge is on %q, want %q", hubURL, withComma)
	}
}
