package bridge_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/hub"
)

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
