package bridge_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/hub"
	"github.com/deskwatch/deskwatch/model"
)

// TestPerAgentTokenInChromium: the real bridge needs nothing new for a token bound to its agent.
// A page whose desktop reports another agent (a token copied from another page) gets every event
// rejected by the hub, acknowledged and never relayed; revoking the token closes the bridge's open
// connection and the page stays unharmed.
func TestPerAgentTokenInChromium(t *testing.T) {
	b := startBrowser(t)
	path := writeFile(t, filepath.Join(t.TempDir(), "ingest.tokens"), "a1-secret agent=A1   # ann's desk\n")
	in, err := hub.LoadTokens(path)
	if err != nil {
		t.Fatal(err)
	}
	p := startHubProc(t, hub.Config{IngestTokens: in})
	mon := newMonitor(t)
	mon.connect(p.wsURL()+"/stream", "")
	page := func(options string) *page {
		return b.open(hostPage(t, map[string]string{"HUB": p.httpURL(), "ATTRS": ` data-token="a1-secret"`,
			"OPTIONS": options, "BEFORE": `window.deskwatchBridgeConfig = {minBackoff: 100, maxBackoff: 800};`}))
	}
	own := page("")
	own.waitFor(5*time.Second, `deskwatchBridge.stats().state === "open" && deskwatchBridge.stats().agentId === "A1"`)
	mon.waitFor("A1's snapshot", func(evs []model.Event) bool { return countType(evs, model.EvInteractionsState) == 1 })

	other := page(`, agentId: 'B2'`)
	other.waitFor(5*time.Second, `deskwatchBridge.stats().state === "open" && deskwatchBridge.stats().agentId === "B2"`)
	other.run(`fakeAdApis[0].emit('ON_NEW_INTERACTION', fakeInteraction('x1', 'delivered'))`)
	p.waitLog(`rejected: ON_NEW_INTERACTION for agent "B2", but the token (` + path + `:1) is for agent A1; not relayed`)
	other.waitFor(5*time.Second, `deskwatchBridge.stats().acked >= 1 && deskwatchBridge.stats().buffered === 0`)

	own.run(`fakeAdApis[0].emit('ON_NEW_INTERACTION', fakeInteraction('i1', 'delivered'))`)
	mon.waitFor("A1's call", func(evs []model.Event) bool { return countType(evs, model.EvNewInteraction) == 1 })
	for _, ev := range mon.events() {
		if ev.AgentID != "A1" && ev.Type != model.EvResyncEnd { // the end of the hub's snapshot is of no agent
			t.Errorf("the monitor got an event of %q: %+v", ev.AgentID, ev)
		}
	}

	// Revoked: the open connections close within seconds and reconnects are refused.
	tmp := path + ".new"
	writeFile(t, tmp, "another-secret agent=A1\n")
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
	p.waitLog("closing: token revoked")
	own.waitFor(10*time.Second, `deskwatchBridge.stats().state !== "open"`)
	p.waitLog("refused: wrong token")
	assertPageUnharmed(t, b, own, nil)
	assertPageUnharmed(t, b, other, nil)
}
