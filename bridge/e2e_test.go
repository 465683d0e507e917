package bridge_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/internal/e2e"
)

// The scripted desktop: every event type, in three parts around a hub restart.
const (
	scriptBefore = `(() => { const api = fakeAdApis[0];
		api.emit('ON_AGENT_STATE_CHANGE', 'ready');
		api.emit('ON_SCREEN_RECORDING_STATE_CHANGE', {allowed: true, active: true, muted: false});
		api.emit('ON_NEW_INTERACTION', fakeInteraction('v1', 'delivered'));
		api.emit('ON_ACTIVE_INTERACTION_SWITCHED', 'v1');
		api.emit('ON_CALL_AUDIO_QUALITY_ALERT', 'v1', 'high_jitter');
		api.emit('ON_NEW_INTERACTION', fakeInteraction('c1', 'delivered', {type: 'chat', service: 'Support'}));
		api.emit('ON_INTERACTION_STATE_CHANGE', fakeInteraction('c1', 'wrap_up', {type: 'chat', service: 'Support'}));
		api.emit('ON_INTERACTION_REMOVED', fakeInteraction('c1', 'completed', {type: 'chat', service: 'Support'}));
		api.emit('ON_SAVE_ACTIVITY_RECORD', fakeInteraction('c1', 'completed', {type: 'chat', service: 'Support', disposition: 'Resolved'}));
		api.emit('ON_SERVER_ERROR', {code: 7, name: 'invalid_request', timestamp: Date.now()});
	})()`
	scriptWhileDown = `(() => { const api = fakeAdApis[0];
		api.emit('ON_INTERACTION_STATE_CHANGE', fakeInteraction('v1', 'hold', {callMuted: true}));
		api.emit('ON_NEW_INTERACTION', fakeInteraction('e1', 'queued', {type: 'email', email: 'kim@example.com', service: 'Billing'}));
		api.emit('ON_AGENT_STATE_CHANGE', 'not_ready', 'Break');
	})()`
	scriptAfter = `(() => { const api = fakeAdApis[0];
		api.emit('ON_INTERACTION_STATE_CHANGE', fakeInteraction('v1', 'delivered', {callMuted: true, callRecording: true}));
		api.emit('ON_LOGOUT');
	})()`
	scriptEvents = 15
)

// TestRealBinaries: Chromium runs bridge.js as the real `deskwatch hub` serves it; the hub is
// stopped with SIGINT mid-stream and started again; three real monitors watch throughout
// (`deskwatch --print --for` as a table and as JSON, each recording what it received, and the
// terminal UI in tmux). Each shows what the script did, every event once; wrong tokens on either
// side are refused with a log line.
func TestRealBinaries(t *testing.T) {
	e2e.Require(t, "tmux")
	ingest, stream, monitorToken, wrongToken := tokenFiles(t)
	h := startHubBin(t, "--ingest-tokens", ingest, "--stream-tokens", stream)
	b := startBrowser(t)

	checkWrongTokens(t, h, b, ingest, stream, wrongToken)

	dir := t.TempDir()
	tableRec, jsonRec := filepath.Join(dir, "table.jsonl"), filepath.Join(dir, "json.jsonl")
	url := "ws://" + h.addr + "/stream"
	const collect = 40 * time.Second
	table := startProc(t, "--print", "--for", collect.String(), "--token-file", monitorToken, "--record", tableRec, url)
	asJSON := startProc(t, "--print", "--for", collect.String(), "--format", "json", "--token-file", monitorToken,
		"--record", jsonRec, url)
	started := time.Now()
	home := t.TempDir()
	term := e2e.Start(t, 160, 30, []string{"HOME=" + home, "XDG_CONFIG_HOME=" + home, "NO_COLOR=1"},
		fmt.Sprintf("%s --token-file %s %s", e2e.Binary(t), monitorToken, url))
	h.waitOutput(3, "; snapshot of 0 messages")

	pg := b.open(hostPage(t, map[string]string{
		"HUB":    "http://" + h.addr,
		"ATTRS":  ` data-token="bridge-secret"`,
		"BEFORE": `window.deskwatchBridgeConfig = {minBackoff: 100, maxBackoff: 1000};`,
	}))
	pg.waitFor(10*time.Second, `deskwatchBridge.stats().state === "open" && deskwatchBridge.stats().agentId === "A1"`)
	pg.run(scriptBefore)
	waitRecorded(t, 10, tableRec, jsonRec)
	term.WaitFor(15*time.Second, "A1 ready", "c1", "v1")

	// SIGINT; the desktop goes on while the hub is away.
	h.interrupt()
	if !regexp.MustCompile(`ingest conn \d+ \(agent "A1"\) closed after \d+ messages \(0 rejected, 0 duplicates\): hub closing`).MatchString(h.output()) {
		t.Errorf("the bridge's connection did not close as the hub's shutdown:\n%s", h.output())
	}
	pg.waitFor(5*time.Second, `deskwatchBridge.stats().state !== "open"`)
	pg.run(scriptWhileDown)
	pg.waitFor(5*time.Second, `deskwatchBridge.stats().buffered === 3`)

	restartBehindMonitors(t, h, ingest, 3)
	pg.waitFor(15*time.Second, `deskwatchBridge.stats().state === "open" && deskwatchBridge.stats().buffered === 0`)
	pg.run(scriptAfter)
	waitRecorded(t, scriptEvents, tableRec, jsonRec)

	checkTerminal(t, term)
	if elapsed := time.Since(started); elapsed > collect-5*time.Second {
		t.Fatalf("the script took %v of the monitors' %v", elapsed, collect)
	}

	checkRecorded(t, scriptEvents, tableRec, jsonRec)
	out, errOut := table.wait(t, collect+30*time.Second)
	checkTable(t, out, errOut)
	out, errOut = asJSON.wait(t, collect+30*time.Second)
	checkJSON(t, out, errOut)

	h.interrupt()
	if strings.Contains(h.output(), "rejected:") {
		t.Errorf("the hub rejected events:\n%s", h.output())
	}
	assertPageUnharmed(t, b, pg, []string{"ON_SERVER_ERROR: page handler failed"})
}

// checkWrongTokens: a monitor's and a bridge's wrong tokens are refused, each with a log line that
// says which endpoint, from where and which file. (What `deskwatch --print` itself reports about
// the refusal is cmd/print.go's business, not this test's.)
func checkWrongTokens(t *testing.T, h *hubBin, b *browser, ingest, stream, wrongToken string) {
	t.Helper()
	e2e.Run(t, nil, "--print", "--for", "1s", "--token-file", wrongToken, "ws://"+h.addr+"/stream")
	h.waitOutput(1, "stream from 127.0.0.1:")
	if !regexp.MustCompile(`stream from 127\.0\.0\.1:\d+ refused: wrong token \(not in ` + regexp.QuoteMeta(stream) + `\)`).MatchString(h.output()) {
		t.Errorf("no refusal of the monitor's wrong token:\n%s", h.output())
	}
	bad := b.open(hostPage(t, map[string]string{"HUB": "http://" + h.addr, "ATTRS": ` data-token="nope"`}))
	h.waitOutput(1, "ingest from 127.0.0.1:")
	if !regexp.MustCompile(`ingest from 127\.0\.0\.1:\d+ refused: wrong token \(not in ` + regexp.QuoteMeta(ingest) + `\)`).MatchString(h.output()) {
		t.Errorf("no refusal of the bridge's wrong token:\n%s", h.output())
	}
	bad.run(`deskwatchBridge.detach()`)

}

// restartBehindMonitors starts the hub again with no bridge token, so that its monitors (as many
// as were connected) are back before the bridge, then rotates the bridge's token into the file:
// no restart is needed, and the bridge gets in on its next try.
func restartBehindMonitors(t *testing.T, h *hubBin, ingest string, monitors int) {
	t.Helper()
	writeFile(t, ingest, "# rotating\n")
	refusals := strings.Count(h.output(), "refused: wrong token (not in "+ingest)
	subscribed := strings.Count(h.output(), "; snapshot of 0 messages")
	h.start()
	h.waitOutput(refusals+1, "refused: wrong token (not in "+ingest)
	h.waitOutput(subscribed+monitors, "; snapshot of 0 messages")
	writeFile(t, ingest, "# rotated\nbridge-secret\n")
}

// checkRecorded checks that each recording holds agent A1's seqs 1 to n, each once, in order.
func checkRecorded(t *testing.T, n int64, recs ...string) {
	t.Helper()
	want := make([]int64, n)
	for i := range want {
		want[i] = int64(i + 1)
	}
	for _, rec := range recs {
		if got := recordedSeqs(t, rec, "A1"); !slices.Equal(got, want) {
			t.Errorf("%s: seqs %v: lost or doubled", filepath.Base(rec), got)
		}
	}
}

// waitRecorded waits until each recording holds agent A1's event seq n.
func waitRecorded(t *testing.T, n int64, recs ...string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for _, rec := range recs {
		for !slices.Contains(recordedSeqs(t, rec, "A1"), n) {
			if time.Now().After(deadline) {
				data, _ := os.ReadFile(rec)
				t.Fatalf("%s lacks seq %d:\n%s", filepath.Base(rec), n, data)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
}

// checkTerminal: the terminal UI shows the agent logged out, its last state not ready (Break) (in
// its detail: the agents view says logged_out, as the figures count it), its screen being recorded,
// an audio alert on v1, and nothing lost.
func checkTerminal(t *testing.T, term *e2e.Term) {
	t.Helper()
	term.WaitFor(15*time.Second, "A1 logged out")
	term.Keys("Tab")
	// The restarted hub's empty snapshot ended A1's calls until its bridge's snapshot reopened them;
	// the agents' alert counts catch up within a second.
	screen := term.WaitFor(15*time.Second, "SCREEN", "audio quality")
	agent := regexp.MustCompile(`(?m)^!\s+A1\s+ann\s+out\s+logged_out\s.*\brec\s+.*audio quality`)
	if !agent.MatchString(screen) || strings.Contains(screen, "lost") {
		t.Errorf("the terminal's agents view:\n%s", screen)
	}
	term.Keys("d")
	term.WaitFor(15*time.Second, "logged_out (last state not_ready (Break) for")
}

// checkTable compares `deskwatch --print`'s table with the script: v1 open, muted and recorded;
// c1 ended; e1 queued.
func checkTable(t *testing.T, out, errOut string) {
	t.Helper()
	rows := []string{
		`A1\s+v1\s+voice\s+delivered\s+no\s+inbound\s+\+15550100\s+Sales\s+1 Pat Doe\s+yes\s+yes\s+\d+:\d\d\s+Order v1`,
		`A1\s+c1\s+chat\s+completed\s+yes\s+inbound\s+\+15550100\s+Support\s+1 Pat Doe\s+no\s+no\s+\d+:\d\d\s+Order c1`,
		`A1\s+e1\s+email\s+queued\s+no\s+inbound\s+kim@example\.com\s+Billing\s+1 Pat Doe\s+no\s+no\s+\d+:\d\d\s+Order e1`,
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 1+len(rows) || !strings.HasPrefix(lines[0], "AGENT") {
		t.Fatalf("deskwatch --print: %d lines, want a header and %d rows:\n%s\n%s", len(lines), len(rows), out, errOut)
	}
	for _, row := range rows {
		if !regexp.MustCompile(`(?m)^` + row + `$`).MatchString(out) {
			t.Errorf("deskwatch --print lacks a row like %s:\n%s", row, out)
		}
	}
	// The hub's restart is the only thing --print reports: it went away and came back.
	if !strings.Contains(errOut, "hub shutting down") || !strings.Contains(errOut, "connected (connection 2)") ||
		strings.Contains(errOut, "rejected") || strings.Contains(errOut, "lost") {
		t.Errorf("deskwatch --print's stderr should tell of the hub's restart and nothing else: %s", errOut)
	}
}

// checkJSON checks what the table does not show: c1's activity record and v1's audio alert.
func checkJSON(t *testing.T, out, errOut string) {
	t.Helper()
	var rows []struct {
		AgentID     string `json:"agentId"`
		Ended       bool   `json:"ended"`
		AudioAlert  string `json:"audioAlert"`
		Interaction struct {
			ID     string `json:"interactionId"`
			State  string `json:"state"`
			Muted  bool   `json:"callMuted"`
			Record bool   `json:"callRecording"`
		} `json:"interaction"`
		Record *struct {
			Disposition string `json:"disposition"`
		} `json:"activityRecord"`
		Timeline []struct{ Text string } `json:"timeline"`
	}
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatalf("deskwatch --print --format json: %v\n%s\n%s", err, out, errOut)
	}
	got := map[string]string{}
	for _, r := range rows {
		var texts []string
		for _, c := range r.Timeline {
			texts = append(texts, c.Text)
		}
		rec := ""
		if r.Record != nil {
			rec = r.Record.Disposition
		}
		got[r.Interaction.ID] = fmt.Sprintf("%s %s ended=%v muted=%v rec=%v alert=%q record=%q | %s", r.AgentID,
			r.Interaction.State, r.Ended, r.Interaction.Muted, r.Interaction.Record, r.AudioAlert, rec, strings.Join(texts, "; "))
	}
	for id, want := range map[string]string{
		"v1": `A1 delivered ended=false muted=true rec=true alert="high_jitter" record=""`,
		"c1": `A1 completed ended=true muted=false rec=false alert="" record="Resolved"`,
		"e1": `A1 queued ended=false muted=false rec=false alert="" record=""`,
	} {
		if !strings.HasPrefix(got[id], want+" |") {
			t.Errorf("--format json row %s:\n%s\nwant\n%s", id, got[id], want)
		}
	}
	if !strings.Contains(got["c1"], "activity record saved (disposition Resolved)") ||
		!strings.Contains(got["v1"], "audio-quality alert: high_jitter") {
		t.Errorf("timelines:\n%s\n%s", got["c1"], got["v1"])
	}
}
