package bridge_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/hub"
	"github.com/deskwatch/deskwatch/model"
)

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
