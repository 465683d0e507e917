package bridge_test

import (
	"slices"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/hub"
	"github.com/deskwatch/deskwatch/model"
)

// TestOffSwitchTurnsAnIdleBridgeOff: setting window.deskwatchBridgeDisabled disconnects a bridge
// that has nothing to send at once (the bridge hooked the property); on a page whose property it
// could not hook (defined non-configurable before the bridge loaded), within a second or two.
func TestOffSwitchTurnsAnIdleBridgeOff(t *testing.T) {
	b, p, mon := startRig(t, hub.Config{})
	hooked := b.open(hostPage(t, map[string]string{"HUB": p.httpURL(), "OPTIONS": `, agentId: 'hooked'`}))
	fixed := b.open(hostPage(t, map[string]string{"HUB": p.httpURL(), "OPTIONS": `, agentId: 'fixed'`,
		"BEFORE": `Object.defineProperty(window, 'deskwatchBridgeDisabled', {value: false, writable: true, configurable: false});`}))
	for _, pg := range []*page{hooked, fixed} {
		pg.waitFor(10*time.Second, `deskwatchBridge.stats().state === "open"`)
	}
	time.Sleep(300 * time.Millisecond) // idle: nothing to send, nothing received

	var state string
	if err := hooked.eval(`window.deskwatchBridgeDisabled = true; deskwatchBridge.stats().state`, &state); err != nil || state != "detached" {
		t.Fatalf("right after the switch the bridge is %q (%v), want detached", state, err)
	}
	p.waitLog(`(agent "hooked") closed after 2 messages (0 rejected, 0 duplicates): bridge closed (1000 bridge detached)`)

	fixed.run(`window.deskwatchBridgeDisabled = true`)
	start := time.Now()
	fixed.waitFor(5*time.Second, `deskwatchBridge.stats().state === "detached"`)
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("the unhooked switch took %v", d)
	}
	p.waitLog(`(agent "fixed") closed after 2 messages (0 rejected, 0 duplicates): bridge closed (1000 bridge detached)`)

	// Off means off: events are not forwarded, and the page's own handlers still run.
	for _, pg := range []*page{hooked, fixed} {
		pg.run(`fakeAdApis[0].emit('ON_NEW_INTERACTION', fakeInteraction('i1', 'delivered'))`)
	}
	time.Sleep(300 * time.Millisecond)
	if n := countType(mon.events(), model.EvNewInteraction); n != 0 {
		t.Errorf("%d interactions reached the monitor after the switch", n)
	}
	for _, pg := range []*page{hooked, fixed} {
		var v bool
		if err := pg.eval(`window.deskwatchBridgeDisabled`, &v); err != nil || !v {
			t.Errorf("the page reads its switch back as %v (%v)", v, err)
		}
		assertPageUnharmed(t, b, pg, nil)
	}
}

// TestFactoryWrapperKeepsTheClass: when window.brightpattern.AdApi is an ES class, the bridge's
// wrapper keeps its static members (enumerable or not, getters, ones using private statics), its
// name, prototype and instanceof, construction with new (and by a subclass), and the TypeError of
// a call without new; and the instance the page constructs is the one the bridge attaches to.
func TestFactoryWrapperKeepsTheClass(t *testing.T) {
	b, p, mon := startRig(t, hub.Config{})
	pg := b.open(hostPage(t, map[string]string{"HUB": p.httpURL(), "BEFORE": `fakeAdApiClass();`, "NEW": "new "}))
	pg.waitFor(10*time.Second, `deskwatchBridge.stats().state === "open" && deskwatchBridge.stats().agentId === "A1"`)
	var got struct {
		Wrapped, IsInstance, IsClassProto, SubOK, CallThrows bool
		Made, SubMade                                        int
		Version, Hidden, Visible, Name                       string
		Names, ClassNames                                    []string
	}
	if err := pg.eval(`(() => {
		const W = brightpattern.AdApi, C = FakeAdApiClass;
		const made = W.made();
		class Mine extends W {}
		const sub = new Mine({agentId: 'sub'});
		let callThrows = false;
		try { W({}); } catch (e) { callThrows = e instanceof TypeError; }
		return {wrapped: W !== C && W.deskwatchWrapped === true, made, subMade: W.made(),
			version: W.apiVersion, hidden: W.hidden, visible: W.visible, name: W.name,
			isInstance: adApi instanceof W, isClassProto: Object.getPrototypeOf(adApi) === C.prototype,
			subOK: sub instanceof Mine && sub instanceof W && sub.login.agentId === 'sub', callThrows,
			names: Object.getOwnPropertyNames(W).sort(), classNames: Object.getOwnPropertyNames(C).sort()};
	})()`, &got); err != nil {
		t.Fatal(err)
	}
	if !got.Wrapped || got.Made != 1 || got.SubMade != 2 || got.Version != "5.24.1" || got.Hidden != "not enumerable" ||
		got.Visible != "enumerable" || got.Name != "AdApi" || !got.IsInstance || !got.IsClassProto || !got.SubOK ||
		!got.CallThrows || !slices.Equal(got.Names, got.ClassNames) {
		t.Errorf("the wrapped class: %+v", got)
	}
	pg.run(`adApi.emit('ON_NEW_INTERACTION', fakeInteraction('i1', 'delivered'))`)
	mon.waitFor("the page's event", func(evs []model.Event) bool { return slices.Equal(seqs(evs, "A1"), []int64{1}) })
	// The page's call without new was its own TypeError, caught by the page: nothing escaped.
	assertPageUnharmed(t, b, pg, nil)
}
