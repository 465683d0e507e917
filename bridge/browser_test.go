package bridge_test

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/hub"
	"github.com/deskwatch/deskwatch/internal/e2e"
	"github.com/deskwatch/deskwatch/model"
)

// TestBridgeInChromium runs the real bridge in headless Chromium, in a page that hosts a stand-in
// for the Agent Desktop widget, against the real hub, and checks what a monitor on the hub's
// /stream receives: every event once, with agentId, ts and seq, across a hub restart.
func TestBridgeInChromium(t *testing.T) {
	b := startBrowser(t)
	monitorToken := writeToken(t, "monitor-secret")
	p := startHubProc(t, hub.Config{IngestTokens: writeToken(t, "bridge-secret"), StreamTokens: monitorToken})
	mon := newMonitor(t)
	mon.connect(p.wsURL()+"/stream", "monitor-secret")

	pg := b.open(hostPage(t, map[string]string{
		"HUB":    p.httpURL(),
		"ATTRS":  ` data-token="bridge-secret"`,
		"BEFORE": `window.deskwatchBridgeConfig = {minBackoff: 100, maxBackoff: 800};`,
	}))
	// The bridge found the instance the page created through window.brightpattern.AdApi.
	pg.waitFor(5*time.Second, `deskwatchBridge.stats().state === "open" && deskwatchBridge.stats().agentId === "A1"`)
	mon.waitFor("the bridge's snapshot", func(evs []model.Event) bool { return countType(evs, model.EvInteractionsState) == 1 })

	start := time.Now()
	pg.run(`(() => { const api = fakeAdApis[0];
		api.emit('ON_AGENT_STATE_CHANGE', 'ready');
		api.emit('ON_NEW_INTERACTION', fakeInteraction('i1', 'delivered'));
		api.emit('ON_ACTIVE_INTERACTION_SWITCHED', 'i1');
		api.emit('ON_INTERACTION_STATE_CHANGE', fakeInteraction('i1', 'delivered', {callMuted: true}));
		api.emit('ON_NEW_INTERACTION', fakeInteraction('c1', 'delivered', {type: 'chat', service: 'Support'}));
	})()`)
	mon.waitFor("seq 1..5", func(evs []model.Event) bool { return len(seqs(evs, "A1")) == 5 })
	for _, ev := range mon.events() {
		if ev.Type == model.EvResyncEnd { // the end of the hub's snapshot, of no agent
			continue
		}
		if ev.AgentID != "A1" || ev.TS.Before(start.Add(-time.Minute)) || ev.TS.After(time.Now().Add(time.Second)) {
			t.Fatalf("event without the agent or a plausible ts: %+v", ev)
		}
	}

	// Their acknowledgements too: an event the hub had not acknowledged when it stopped is sent
	// again to the new hub, which cannot know it saw it.
	pg.waitFor(10*time.Second, `deskwatchBridge.stats().buffered === 0`)

	// The hub restarts. Events while it is down wait in the page; the monitor reconnects first
	// (the new hub holds the bridge back until then), then the bridge resyncs.
	p.stop()
	pg.run(`(() => { const api = fakeAdApis[0];
		api.emit('ON_INTERACTION_STATE_CHANGE', fakeInteraction('i1', 'hold', {callMuted: true}));
		api.emit('ON_INTERACTION_REMOVED', fakeInteraction('c1', 'completed', {type: 'chat', service: 'Support'}));
		api.emit('ON_AGENT_STATE_CHANGE', 'not_ready', 'Break');
	})()`)
	pg.waitFor(5*time.Second, `deskwatchBridge.stats().state !== "open" && deskwatchBridge.stats().buffered >= 3`)
	time.Sleep(300 * time.Millisecond) // let the bridge fail a reconnect or two
	p.gate = make(chan struct{})
	p.start()
	mon.connect(p.wsURL()+"/stream", "monitor-secret")
	time.Sleep(100 * time.Millisecond)
	close(p.gate)
	pg.waitFor(10*time.Second, `deskwatchBridge.stats().state === "open" && deskwatchBridge.stats().buffered === 0`)
	mon.waitFor("seq 6..8", func(evs []model.Event) bool { return len(seqs(evs, "A1")) == 8 })

	evs := mon.events()
	if got := seqs(evs, "A1"); !slices.Equal(got, []int64{1, 2, 3, 4, 5, 6, 7, 8}) {
		t.Fatalf("seqs %v: lost or doubled", got)
	}
	if n := countType(evs, model.EvInteractionsState); n != 2 {
		t.Errorf("%d snapshots, want one per connection", n)
	}
	// The agent's state was still in the page's buffer, so it is not replayed as well.
	if n := countType(evs, model.EvAgentStateChange); n != 2 {
		t.Errorf("%d agent state changes, want 2: doubled", n)
	}
	want := "A1/i1 hold muted=true\nA1/c1 completed muted=false ended\n" +
		"agent A1 not_ready/Break loggedIn=true lost=0 active=i1\n"
	if got := mon.table(); got != want {
		t.Errorf("monitor's table:\n%s\nwant:\n%s", got, want)
	}

	// A monitor joining now gets the same state from the hub's snapshot.
	late := newMonitor(t)
	late.connect(p.wsURL()+"/stream", "monitor-secret")
	late.waitFor("the hub's snapshot", func(evs []model.Event) bool { return countType(evs, model.EvInteractionsState) == 1 })
	if got := late.table(); got != "A1/i1 hold muted=true\nagent A1 not_ready/Break loggedIn=true lost=0 active=i1\n" {
		t.Errorf("late monitor's table:\n%s", got)
	}
	// And so does the real monitor, in batch mode.
	stdout, stderr, code := e2e.Run(t, nil, "--print", "--for", "1s", "--token-file", monitorToken.Path(),
		p.wsURL()+"/stream?agent=A1")
	row := regexp.MustCompile(`(?m)^A1\s+i1\s+voice\s+hold\s+no\s+inbound\s+\+15550100\s+Sales\s+1 Pat Doe\s+yes\s+no\s+\d+:\d\d\s+Order i1$`)
	if code != 0 || !row.MatchString(stdout) || strings.Contains(stdout, "c1") {
		t.Errorf("deskwatch --print of the hub's stream (exit %d):\n%s\n%s", code, stdout, stderr)
	}
	assertPageUnharmed(t, b, pg, nil)

	// The page goes away: the hub tells the monitors the agent's desktop is disconnected.
	pg.close()
	for _, m := range []*monitor{mon, late} {
		m.waitFor("A1's desktop disconnected", func(evs []model.Event) bool {
			d, ok := evs[len(evs)-1].Payload.(*model.Desktop)
			return ok && evs[len(evs)-1].AgentID == "A1" && d.Status == model.DesktopDisconnected
		})
	}
}

// TestBridgeSurvivesFaults: a wrong token, an older desktop (no getInteractionsState, an event
// name it refuses), garbage from the widget, a throwing page handler, an overflowing buffer while
// the hub is down, and the off switch. The page keeps working throughout and no exception reaches it.
func TestBridgeSurvivesFaults(t *testing.T) {
	b := startBrowser(t)
	p := startHubProc(t, hub.Config{IngestTokens: writeToken(t, "bridge-secret")})

	// A page with the wrong token is refused, logged, and retried with backoff, not hammered.
	bad := b.open(hostPage(t, map[string]string{"HUB": p.httpURL(), "ATTRS": ` data-token="nope"`,
		"BEFORE": `window.deskwatchBridgeConfig = {minBackoff: 200, maxBackoff: 1000};`}))
	p.waitLog("refused: wrong token")
	bad.run(`fakeAdApis[0].emit('ON_NEW_INTERACTION', fakeInteraction('x1', 'delivered'))`)
	time.Sleep(2 * time.Second)
	if n := strings.Count(p.log.String(), "refused: wrong token"); n < 2 || n > 8 {
		t.Errorf("%d refusals in 2s: want a few retries with backoff", n)
	}
	assertPageUnharmed(t, b, bad, nil)
	bad.run(`deskwatchBridge.detach()`)

	mon := newMonitor(t)
	mon.connect(p.wsURL()+"/stream", "")
	pg := b.open(hostPage(t, map[string]string{
		"HUB":     p.httpURL(),
		"ATTRS":   ` data-auto="false"`,
		"OPTIONS": `, stateMode: 'missing', unknownEvents: ['ON_SCREEN_RECORDING_STATE_CHANGE']`,
		"AFTER": `deskwatchBridge.attach(adApi, {url: '` + p.wsURL() + `/ingest', token: 'bridge-secret',
			buffer: 5, minBackoff: 100, maxBackoff: 500});`,
	}))
	pg.waitFor(5*time.Second, `deskwatchBridge.stats().state === "open"`)
	pg.run(`(() => { const api = fakeAdApis[0];
		api.emit('ON_NEW_INTERACTION', fakeInteraction('i1', 'delivered'));
		api.emit('ON_NEW_INTERACTION', 'garbage');               // relayed as is, rejected by the hub
		const loop = {interactionId: 'i9'}; loop.self = loop;
		api.emit('ON_NEW_INTERACTION', loop);                    // cannot be serialized: dropped
		api.emit('ON_SERVER_ERROR', {code: 7, name: 'invalid_request', timestamp: 1});  // the page's handler throws
		api.emit('ON_AGENT_STATE_CHANGE', 'ready');
	})()`)
	p.waitLog(`rejected: params[0]: want object, got string`)
	// Every event takes a seq, the unserializable one too: the monitor sees both losses.
	mon.waitFor("the valid events", func(evs []model.Event) bool { return len(seqs(evs, "A1")) == 3 })
	if got := seqs(mon.events(), "A1"); !slices.Equal(got, []int64{1, 4, 5}) {
		t.Fatalf("seqs %v, want 1 4 5 (2 was rejected by the hub, 3 dropped by the bridge)", got)
	}

	// The hub goes down; ten events overflow the page's buffer of five.
	p.stop()
	pg.waitFor(5*time.Second, `deskwatchBridge.stats().state !== "open"`)
	pg.run(`(() => { const api = fakeAdApis[0];
		for (let i = 0; i < 10; i++) api.emit('ON_INTERACTION_STATE_CHANGE', fakeInteraction('i1', i % 2 ? 'hold' : 'delivered'));
	})()`)
	var dropped int
	if err := pg.eval(`deskwatchBridge.stats().dropped`, &dropped); err != nil || dropped != 6 {
		t.Fatalf("dropped %d (%v), want 6: five of the ten, and the unserializable one", dropped, err)
	}
	time.Sleep(time.Second)
	p.start()
	mon.connect(p.wsURL()+"/stream", "")
	pg.waitFor(10*time.Second, `deskwatchBridge.stats().state === "open" && deskwatchBridge.stats().buffered === 0`)
	// The page's view served as the snapshot (this desktop has no getInteractionsState), then
	// the five newest events; the jump from 5 to 11 tells the monitor five were lost.
	mon.waitFor("seq 11..15", func(evs []model.Event) bool { return len(seqs(evs, "A1")) == 8 })
	if got := seqs(mon.events(), "A1"); !slices.Equal(got, []int64{1, 4, 5, 11, 12, 13, 14, 15}) {
		t.Fatalf("seqs %v", got)
	}
	if got := mon.table(); !strings.Contains(got, "A1/i1 hold") || !strings.Contains(got, "lost=7") {
		t.Errorf("monitor's table:\n%s", got)
	}

	// The page turns the bridge off: it disconnects and forwards nothing more.
	pg.run(`window.deskwatchBridgeDisabled = true; fakeAdApis[0].emit('ON_AGENT_STATE_CHANGE', 'busy')`)
	p.waitLog("closed after")
	pg.run(`fakeAdApis[0].emit('ON_AGENT_STATE_CHANGE', 'ready')`)
	time.Sleep(300 * time.Millisecond)
	if got := seqs(mon.events(), "A1"); len(got) != 8 {
		t.Errorf("events after the bridge was turned off: %v", got)
	}
	assertPageUnharmed(t, b, pg, []string{"ON_SERVER_ERROR: page handler failed"})
}

// assertPageUnharmed checks that the page's own code still ran, that the only handler failures
// were the page's own, and that no exception escaped into the page.
func assertPageUnharmed(t *testing.T, b *browser, pg *page, wantHandlerErrors []string) {
	t.Helper()
	var st struct {
		PageErrors    []string `json:"pageErrors"`
		HandlerErrors []string `json:"handlerErrors"`
		PageSaw       int      `json:"pageSaw"`
	}
	if err := pg.eval(`({pageErrors, handlerErrors: fakeAdApis[0].handlerErrors, pageSaw})`, &st); err != nil {
		t.Fatal(err)
	}
	if len(st.PageErrors) > 0 || len(b.exceptions()) > 0 {
		t.Errorf("exceptions reached the page: %q %q", st.PageErrors, b.exceptions())
	}
	if !slices.Equal(st.HandlerErrors, wantHandlerErrors) {
		t.Errorf("handler errors %q, want %q", st.HandlerErrors, wantHandlerErrors)
	}
	if st.PageSaw == 0 {
		t.Error("the page's own handler never ran")
	}
}

// TestBridgeSubscribesToEveryEventType: in Chromium, the handlers the bridge registered with the
// stand-in's on() are exactly the model's event types (INTERACTIONS_STATE is the bridge's own).
func TestBridgeSubscribesToEveryEventType(t *testing.T) {
	b := startBrowser(t)
	p := startHubProc(t, hub.Config{})
	pg := b.open(hostPage(t, map[string]string{
		"HUB":   p.httpURL(),
		"ATTRS": ` data-auto="false"`,
		"AFTER": `window.before = adApi.handlerCounts();
			deskwatchBridge.attach(adApi, {url: '` + p.wsURL() + `/ingest'});
			window.after = adApi.handlerCounts();`,
	}))
	var got struct{ Before, After map[string]int }
	if err := pg.eval(`({before, after})`, &got); err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, typ := range model.EventTypes {
		if typ != model.EvInteractionsState {
			want = append(want, typ)
		}
	}
	var subscribed []string
	for typ, n := range got.After {
		if n-got.Before[typ] == 1 {
			subscribed = append(subscribed, typ)
		} else if n != got.Before[typ] {
			t.Errorf("%s: %d handlers added, want 1", typ, n-got.Before[typ])
		}
	}
	slices.Sort(want)
	slices.Sort(subscribed)
	if !slices.Equal(subscribed, want) {
		t.Errorf("the bridge subscribed to\n%q\nwant\n%q", subscribed, want)
	}
	var names []string
	if err := pg.eval(`deskwatchBridge.events`, &names); err != nil || !slices.Equal(slices.Sorted(slices.Values(names)), want) {
		t.Errorf("deskwatchBridge.events = %q (%v)", names, err)
	}
}
