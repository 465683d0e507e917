package bridge_test

import (
	"slices"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/hub"
	"github.com/deskwatch/deskwatch/model"
)

// snapshotOf returns the interaction ids and the active id of the first INTERACTIONS_STATE of agent.
func snapshotOf(evs []model.Event, agent string) (ids []string, active string, ok bool) {
	for _, ev := range evs {
		if ev.AgentID != agent || ev.Type != model.EvInteractionsState {
			continue
		}
		st := ev.Payload.(*model.InteractionsState)
		for _, in := range st.Interactions {
			ids = append(ids, in.ID)
		}
		slices.Sort(ids)
		return ids, model.Str(st.ActiveInteractionID), true
	}
	return nil, "", false
}

// TestSnapshotFromTheDesktopOrThePage: the desktop knows an interaction the page never heard of
// (pre1, active), so the snapshot shows whose answer it is. getInteractionsState's answer is used
// when it gives one; when it rejects, throws, answers an error, hangs (after snapshotTimeout) or
// is missing (a desktop before 5.24.1), the page's own view is, and the page sees no exception.
func TestSnapshotFromTheDesktopOrThePage(t *testing.T) {
	b, p, mon := startRig(t, hub.Config{})
	modes := []string{"ok", "reject", "throw", "error", "hang", "missing"}
	pages := map[string]*page{}
	for _, mode := range modes {
		pages[mode] = b.open(hostPage(t, map[string]string{
			"HUB":     p.httpURL(),
			"BEFORE":  `window.deskwatchBridgeConfig = {snapshotTimeout: 1000};`,
			"OPTIONS": `, stateMode: '` + mode + `', agentId: '` + mode + `'`,
			// The bridge attached when the page created adApi: it hears of i1, not of pre1.
			"AFTER": `adApi.interactions.pre1 = fakeInteraction('pre1', 'hold'); adApi.active = 'pre1';
				adApi.emit('ON_NEW_INTERACTION', fakeInteraction('i1', 'delivered'));`,
		}))
	}
	for _, mode := range modes {
		pg := pages[mode]
		pg.waitFor(10*time.Second, `deskwatchBridge.stats().state === "open" && deskwatchBridge.stats().buffered === 0`)
		mon.waitFor(mode+"'s snapshot", func(evs []model.Event) bool { _, _, ok := snapshotOf(evs, mode); return ok })
		ids, active, _ := snapshotOf(mon.events(), mode)
		var st struct {
			SnapshotSource string
			SnapshotWait   int
		}
		if err := pg.eval(`deskwatchBridge.stats()`, &st); err != nil {
			t.Fatal(err)
		}
		wantIDs, wantActive, wantSource := []string{"i1"}, "", "page"
		if mode == "ok" {
			wantIDs, wantActive, wantSource = []string{"i1", "pre1"}, "pre1", "desktop"
		}
		if !slices.Equal(ids, wantIDs) || active != wantActive || st.SnapshotSource != wantSource {
			t.Errorf("%s: snapshot %v active %q from the %s, want %v active %q from the %s", mode, ids, active,
				st.SnapshotSource, wantIDs, wantActive, wantSource)
		}
		// Only a hanging desktop makes the bridge wait, and then for snapshotTimeout.
		if hang := mode == "hang"; hang != (st.SnapshotWait >= 1000) || st.SnapshotWait > 5000 {
			t.Errorf("%s: the snapshot waited %d ms (snapshotTimeout 1000)", mode, st.SnapshotWait)
		}
		if got := seqs(mon.events(), mode); !slices.Equal(got, []int64{1}) {
			t.Errorf("%s: seqs %v, want the page's event after the snapshot", mode, got)
		}
		assertPageUnharmed(t, b, pg, nil)
	}
}

// TestAgentFromOnLogin: a desktop without getLoginState, or one that does not know the agent yet,
// leaves the bridge waiting (and buffering) until ON_LOGIN names the agent; then it connects and
// every event carries that agent's id and seq.
func TestAgentFromOnLogin(t *testing.T) {
	b, p, mon := startRig(t, hub.Config{})
	for _, mode := range []string{"missing", "unknown"} {
		agent := "L-" + mode
		pg := b.open(hostPage(t, map[string]string{
			"HUB":     p.httpURL(),
			"BEFORE":  `window.deskwatchBridgeConfig = {agentWait: 600000};`,
			"OPTIONS": `, loginMode: '` + mode + `'`,
			"AFTER":   `adApi.emit('ON_NEW_INTERACTION', fakeInteraction('i1', 'delivered'));`,
		}))
		time.Sleep(500 * time.Millisecond)
		var st struct {
			State    string
			AgentID  *string
			Buffered int
		}
		if err := pg.eval(`deskwatchBridge.stats()`, &st); err != nil {
			t.Fatal(err)
		}
		if st.State != "idle" || st.AgentID != nil || st.Buffered != 1 {
			t.Fatalf("%s: before ON_LOGIN the bridge is %+v, want idle with no agent and one event buffered", mode, st)
		}
		pg.run(`fakeAdApis[0].emit('ON_LOGIN', {isLoggedIn: true, agentId: '` + agent + `', username: 'lee'})`)
		pg.waitFor(10*time.Second, `deskwatchBridge.stats().state === "open" && deskwatchBridge.stats().agentId === "`+agent+`"`)
		mon.waitFor(agent+"'s events", func(evs []model.Event) bool { return len(seqs(evs, agent)) == 2 })
		var types []string
		for _, ev := range mon.events() {
			if ev.AgentID == agent && ev.HasSeq {
				types = append(types, ev.Type)
			}
		}
		if !slices.Equal(types, []string{model.EvNewInteraction, model.EvLogin}) {
			t.Errorf("%s: %s's events %q, want the buffered interaction then the login", mode, agent, types)
		}
		assertPageUnharmed(t, b, pg, nil)
	}
	if got := mon.table(); got != "L-missing/i1 delivered muted=false\nL-unknown/i1 delivered muted=false\n"+
		"agent L-missing / loggedIn=true lost=0 active=\nagent L-unknown / loggedIn=true lost=0 active=\n" {
		t.Errorf("monitor's table:\n%s", got)
	}
}
