package cmd_test

import (
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/deskwatch/deskwatch/internal/e2e"
)

// restartEvents are two agents' events as a bridge (session s1) sends them: a.jones with a call
// on hold that is picked up again, b.smith with a call that ends (and is removed) and one that
// opens.
func restartEvents(now time.Time) []string {
	call := func(id, state, subject string) string {
		return fmt.Sprintf(`{"interactionId":%q,"state":%q,"type":"voice","subject":%q,"associatedObjects":`+
			`{"list":[],"selected":null},"callParties":[],"callMuted":false,"callRecording":true,"attachedData":{},`+
			`"startTime":%d}`, id, state, subject, now.Add(-time.Minute).UnixMilli())
	}
	seq := map[string]int{}
	ev := func(agent, typ, params string) string {
		seq[agent]++
		return fmt.Sprintf(`{"type":%q,"params":%s,"agentId":%q,"ts":%d,"seq":%d}`, typ, params, agent,
			now.UnixMilli()+int64(len(seq)*10+seq[agent]), seq[agent])
	}
	login := func(agent string) string { return fmt.Sprintf(`[{"isLoggedIn":true,"agentId":%q}]`, agent) }
	return []string{
		ev("a.jones", "ON_LOGIN", login("a.jones")),
		ev("a.jones", "ON_AGENT_STATE_CHANGE", `["busy"]`),
		ev("a.jones", "INTERACTIONS_STATE", `[{"activeInteractionId":"c-1","interactions":[`+call("c-1", "hold", "Renewal")+`]}]`),
		ev("b.smith", "ON_LOGIN", login("b.smith")),
		ev("b.smith", "ON_NEW_INTERACTION", "["+call("c-2", "delivered", "Refund")+"]"),
		// The hub is killed after these: the rest arrive at the hub started again.
		ev("b.smith", "ON_INTERACTION_STATE_CHANGE", "["+call("c-2", "completed", "Refund")+"]"),
		ev("b.smith", "ON_INTERACTION_REMOVED", "["+call("c-2", "completed", "Refund")+"]"),
		ev("a.jones", "ON_INTERACTION_STATE_CHANGE", "["+call("c-1", "connected", "Renewal")+"]"),
		ev("b.smith", "ON_NEW_INTERACTION", "["+call("c-3", "delivered", "Upgrade")+"]"),
	}
}

// bridgeSend connects to the hub's /ingest as a bridge (query: its parameters, e.g. "?session=s1"
// for page load s1) and sends msgs.
func bridgeSend(t *testing.T, addr, query string, msgs []string) *websocket.Conn {
	t.Helper()
	br, _, err := websocket.DefaultDialer.Dial("ws://"+addr+"/ingest"+query, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = br.Close() })
	for _, m := range msgs {
		if err := br.WriteMessage(websocket.TextMessage, []byte(m)); err != nil {
			t.Fatal(err)
		}
	}
	return br
}

// waitMetrics waits until every sample named in want has its value on the hub's /metrics, and
// returns the page.
func waitMetrics(t *testing.T, addr string, want map[string]int) string {
	t.Helper()
	var page string
	ok := e2e.Until(20*time.Second, 50*time.Millisecond, func() bool {
		page = metricsPage(t, addr)
		for name, v := range want {
			if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + fmt.Sprintf(` %d$`, v)).MatchString(page) {
				return false
			}
		}
		return true
	})
	if !ok {
		t.Fatalf("metrics never had %v:\n%s", want, page)
	}
	return page
}

// metricsPage is the hub's /metrics ("" when it does not answer).
func metricsPage(t *testing.T, addr string) string {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return string(body)
}

// durations matches the DURATION column's values, which depend on when a table is printed.
var durations = regexp.MustCompile(`\b\d+:\d\d\b`)

// TestHubKilledAndStartedAgainKeepsTheFloor runs the real hub with --data, kill -9s it and starts
// it again on the same data: a monitor that was watching reconnects and ends with the table of
// what the source sent, and the bridge that resends everything after reconnecting has nothing
// relayed twice.
func TestHubKilledAndStartedAgainKeepsTheFloor(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	h, addr := startHubCmd(t, "--data", dir)
	evs := restartEvents(time.Now())
	bridgeSend(t, addr, "?session=s1", evs[:5])
	// Five events and the hub's own DESKWATCH_DESKTOP "connected" of a.jones.
	waitMetrics(t, addr, map[string]int{"deskwatch_hub_log_last_seq": 6, "deskwatch_hub_log_apply_lag": 0})
	// The monitor prints its table after 40s: time for the kill, the restart, its reconnect and the
	// bridge's resend on a loaded machine.
	mon := e2e.StartProcess(t, e2e.ProcessOptions{Env: []string{"NO_COLOR=1"}}, "--print", "--for", "40s",
		"ws://"+addr+"/stream")
	waitMetrics(t, addr, map[string]int{"deskwatch_hub_subscribers": 1})

	h.Kill()
	again := e2e.StartProcess(t, e2e.ProcessOptions{}, "hub", "--listen", addr, "--data", dir)
	again.WaitLine(regexp.MustCompile(`hub restored: no checkpoint; 6 messages replayed`), 30*time.Second)
	wantAll(t, "the hub started again", again.Output(), "hub data: "+dir,
		`agent "a.jones": desktop disconnected (hub restarted)`)
	// The monitor reconnects and gets the floor it had from the hub started again.
	if !e2e.Until(30*time.Second, 50*time.Millisecond, func() bool {
		return strings.Contains(mon.Output(), "connected (connection 2)")
	}) {
		t.Fatalf("the monitor did not reconnect:\n%s", mon.Output())
	}
	// The hub said a.jones's desktop was disconnected when it started again. The bridge reconnects
	// and sends everything again (none was acknowledged), then the rest: the hub says a.jones's
	// desktop is connected again, and logs the four new events alone.
	bridgeSend(t, addr, "?session=s1", evs)
	waitMetrics(t, addr, map[string]int{"deskwatch_hub_log_last_seq": 12, "deskwatch_hub_log_apply_lag": 0,
		"deskwatch_hub_events_in_total": 4, "deskwatch_hub_events_duplicate_total": 5})

	want := printSource(t, evs)
	if err := mon.Wait(120 * time.Second); err != nil {
		t.Fatalf("the monitor: %v\n%s", err, mon.Output())
	}
	got := mon.Output()
	if strings.Contains(got, "lost") {
		t.Errorf("the monitor reports events lost:\n%s", got)
	}
	if !strings.Contains(durations.ReplaceAllString(got, "m:ss"), durations.ReplaceAllString(want, "m:ss")) {
		t.Errorf("the monitor's final table:\n%s\nwant the source's:\n%s", got, want)
	}
}

// TestMonitorSinceGetsTheHubsHistory: `deskwatch --since 1h ws://…/stream` starts with the hub's
// history, so a monitor that joins late also lists the call that ended before it joined, which
// the hub's snapshot alone does not hold.
func TestMonitorSinceGetsTheHubsHistory(t *testing.T) {
	t.Parallel()
	_, addr := startHubCmd(t)
	bridgeSend(t, addr, "?session=s1", restartEvents(time.Now()))
	waitMetrics(t, addr, map[string]int{"deskwatch_hub_log_last_seq": 10, "deskwatch_hub_log_apply_lag": 0})
	url := "ws://" + addr + "/stream"
	now, _, code := e2e.Run(t, nil, "--print", "--for", "2s", url)
	if code != 0 || strings.Contains(now, "c-2") || !strings.Contains(now, "c-3") {
		t.Errorf("a monitor without --since (exit %d) should list c-3 alone:\n%s", code, now)
	}
	history, stderr, code := e2e.Run(t, nil, "--print", "--for", "2s", "--since", "1h", url)
	if code != 0 || !regexp.MustCompile(`c-2 .* completed +yes`).MatchString(history) || !strings.Contains(history, "c-3") {
		t.Errorf("a monitor with --since 1h (exit %d) should list c-2, ended, and c-3:\n%s%s", code, history, stderr)
	}
}

// TestHubDataThatCannotBeUsed: --data that is a file, or that another hub holds, stops the hub with
// a message naming the directory and why; so do bad --history and --history-size.
func TestHubDataThatCannotBeUsed(t *testing.T) {
	t.Parallel()
	file := e2e.WriteFile(t, "not-a-dir", "x")
	dir := t.TempDir()
	startHubCmd(t, "--data", dir)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--data", file}, "--data " + file + ": cannot create it"},
		{[]string{"--data", dir}, "--data " + dir + ": in use by another hub"},
		{[]string{"--history", "0s"}, "--history 0s: want a positive duration"},
		{[]string{"--history", "1ns"}, "--history 1ns: want at least 1s"}, // JetStream's own refusal blamed --data
		{[]string{"--history-size", "lots"}, `--history-size "lots": want a positive size`},
	} {
		_, stderr, code := e2e.Run(t, nil, append([]string{"hub", "--listen", "127.0.0.1:0"}, c.args...)...)
		if code == 0 || !strings.Contains(stderr, c.want) {
			t.Errorf("hub %v: exit %d, stderr:\n%s\nwant %q", c.args, code, stderr, c.want)
		}
	}
}

// TestMonitorSinceRefusesWhatItCannotAsk: --since of a file, a duration not above zero, or a time
// that does not parse stops the monitor with a message saying why; a hub kept in memory refuses it.
func TestMonitorSinceRefusesWhatItCannotAsk(t *testing.T) {
	t.Parallel()
	hub, mem := startHubCmd(t, "--in-memory")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--since", "15m", "events.jsonl"}, "SOURCE must be the hub's ws:// or wss:// stream URL"},
		{[]string{"--since", "0s", "ws://127.0.0.1:1/stream"}, "--since 0s: want a positive duration"},
		{[]string{"--since", "noon", "ws://127.0.0.1:1/stream"}, `--since "noon": want a duration (15m, 2h) or an RFC 3339 time`},
		{[]string{"--since", "2099-01-01T00:00:00Z", "ws://127.0.0.1:1/stream"}, "--since 2099-01-01T00:00:00Z: a time in the future"},
		{[]string{"--since", "15m", "ws://" + mem + "/stream"}, "this hub keeps no history (--in-memory)"},
	} {
		_, stderr, code := e2e.Run(t, nil, append([]string{"--print", "--for", "2s"}, c.args...)...)
		if code == 0 || !strings.Contains(stderr, c.want) {
			t.Errorf("deskwatch %v: exit %d, stderr:\n%s\nwant %q", c.args, code, stderr, c.want)
		}
	}
	// The hub in memory said so when it started; it restored nothing, and does not say it did.
	hub.Stop(syscall.SIGTERM, 30*time.Second)
	if out := hub.Output(); !strings.Contains(out, "hub data: in memory only") || strings.Contains(out, "hub restored") {
		t.Errorf("an --in-memory hub printed:\n%s\nwant it in memory only, with nothing restored", out)
	}
}

// publishDesk opens a raw bridge connection on the hub's /ingest for agent and sends its login,
// state and a snapshot with one call on hold (started a minute ago).
func publishDesk(t *testing.T, addr, agent, call string) *websocket.Conn {
	t.Helper()
	now := time.Now()
	var msgs []string
	for i, ev := range []string{
		`{"type":"ON_LOGIN","params":[{"isLoggedIn":true,"agentId":"` + agent + `"}]`,
		`{"type":"ON_AGENT_STATE_CHANGE","params":["busy"]`,
		`{"type":"INTERACTIONS_STATE","params":[{"activeInteractionId":"` + call + `","interactions":[` +
			`{"interactionId":"` + call + `","state":"hold","type":"voice","subject":"Renewal","associatedObjects":` +
			`{"list":[],"selected":null},"callParties":[],"callMuted":false,"callRecording":true,"attachedData":{},` +
			fmt.Sprintf(`"startTime":%d}]}]`, now.Add(-time.Minute).UnixMilli()),
	} {
		msgs = append(msgs, fmt.Sprintf(`%s,"agentId":%q,"ts":%d,"seq":%d}`, ev, agent, now.UnixMilli(), i+1))
	}
	return bridgeSend(t, addr, "", msgs)
}

// TestStaleIsNotShownAsLive runs the real hub and the real monitor in a terminal: a bridge that
// drops its connection (1006) shows as disconnected in the agents view (of a monitor that joins
// later too); a hub that goes away dims the monitor's view under a banner that says since when; a
// hub that comes back empty ends what the monitor had open.
func TestStaleIsNotShownAsLive(t *testing.T) {
	parallelTerminal(t)
	e2e.Require(t, "tmux")
	bin := e2e.Binary(t)
	h, addr := startHubCmd(t, "--gone-after", "10m")
	term := e2e.Start(t, 120, 20, nil, bin+" ws://"+addr+"/stream")
	term.WaitFor(15*time.Second, "connected since")
	publishDesk(t, addr, "a.jones", "c-1")
	smith := publishDesk(t, addr, "b.smith", "c-2")
	term.WaitFor(15*time.Second, "2 open", "c-1", "c-2")
	term.Keys("Tab")
	term.WaitFor(5*time.Second, "DESKTOP", "a.jones", "b.smith", "connected")

	_ = smith.UnderlyingConn().Close() // the page is gone: no close frame
	screen := term.WaitFor(10*time.Second, "disconnected")
	for _, l := range strings.Split(screen, "\n") {
		if strings.Contains(l, "a.jones") && strings.Contains(l, "disconnected") {
			t.Errorf("a.jones's desktop is still connected:\n%s", screen)
		}
	}
	term.Keys("Tab", "Tab") // agents → services → interactions
	term.WaitFor(5*time.Second, "c-1", "c-2")

	// A monitor that joins now learns it from the hub's snapshot.
	late := e2e.Start(t, 120, 20, nil, bin+" ws://"+addr+"/stream")
	late.WaitFor(15*time.Second, "2 open")
	late.Keys("Tab")
	late.WaitFor(5*time.Second, "DESKTOP", "disconnected")

	h.Stop(syscall.SIGTERM, 10*time.Second)
	screen = term.WaitFor(10*time.Second, "source down since", "— retrying in")
	if !strings.Contains(screen, "c-2") {
		t.Errorf("the table should still show what was received while the source is down:\n%s", screen)
	}

	// The hub comes back empty (restarted): its resync says the floor is empty, and the monitor's
	// open interactions end, gone at resync.
	e2e.StartProcess(t, e2e.ProcessOptions{}, "hub", "--listen", addr, "--in-memory").WaitLine(hubBridges, 30*time.Second)
	term.WaitGone(40*time.Second, "source down since")
	term.WaitFor(10*time.Second, "0 open")
}
