package cmd_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/internal/e2e"
)

// TestLostHubsDesktopsDisconnected runs three clustered `deskwatch hub` processes; the agents'
// bridges publish through hub B only, and B is killed (-9) with them: they never come back. A
// monitor of hub A sees each of those desktops said disconnected ("hub B lost") once B has been
// away for --lost-hub-after, once however many hubs noticed. On the old code they stayed connected.
func TestLostHubsDesktopsDisconnected(t *testing.T) {
	if testing.Short() {
		t.Skip("three hubs")
	}
	t.Parallel()
	hubs := startHubCluster(t, 3, "--gone-after", "10m", "--lost-hub-after", "3s")
	a, b := hubs[0], hubs[1]
	name := b.serverName(t)
	rec := filepath.Join(t.TempDir(), "a.rec")
	// The monitor records what A relays, and ends after 60s: time on a loaded machine for the
	// bridges, the kill, the grace and any hub saying it late.
	mon := e2e.StartProcess(t, e2e.ProcessOptions{Env: []string{"NO_COLOR=1"}}, "--print", "--for", "60s",
		"--record", rec, "ws://"+a.addr+"/stream")
	waitMetrics(t, a.addr, map[string]int{"deskwatch_hub_subscribers": 1})
	agents := []string{"agent.00", "agent.01", "agent.02"}
	for _, agent := range agents {
		bridgeSend(t, b.addr, "?session=s-"+agent, []string{fmt.Sprintf(`{"type":"INTERACTIONS_STATE","agentId":%q,`+
			`"ts":%d,"seq":1,"params":[{"activeInteractionId":null,"interactions":[]}]}`, agent, time.Now().UnixMilli())})
	}
	waitRecordedLines(t, rec, mon, len(agents), `"connected"`, `"hub":"`+name+`"`)

	b.p.Kill()
	killed := time.Now()
	lost := fmt.Sprintf(`"status":"disconnected","reason":"hub %s lost"`, name)
	waitRecordedLines(t, rec, mon, len(agents), lost)
	t.Logf("desktops said disconnected %s after the kill", time.Since(killed).Round(time.Second))
	if err := mon.Wait(90 * time.Second); err != nil {
		t.Fatal(err)
	}
	data := e2e.ReadFile(t, rec)
	for _, agent := range agents {
		if n := countLines(string(data), `"agentId":"`+agent+`"`, lost); n != 1 {
			t.Errorf("%s: said disconnected %d times, want once:\n%s", agent, n, data)
		}
		if n := countLines(string(data), `"agentId":"`+agent+`"`, `"DESKWATCH_DESKTOP"`); n != 2 {
			t.Errorf("%s: %d DESKWATCH_DESKTOP, want connected and disconnected:\n%s", agent, n, data)
		}
	}
}

// waitRecordedLines waits until the recording rec holds n lines with every one of want.
func waitRecordedLines(t *testing.T, rec string, mon *e2e.Process, n int, want ...string) {
	t.Helper()
	if !e2e.Until(60*time.Second, 100*time.Millisecond, func() bool {
		data, _ := os.ReadFile(rec)
		return countLines(string(data), want...) >= n
	}) {
		data, _ := os.ReadFile(rec)
		t.Fatalf("the recording has not %d lines with %q:\n%s\nmonitor:\n%s", n, want, data, mon.Output())
	}
}

// countLines counts the lines of text holding every one of want.
func countLines(text string, want ...string) int {
	n := 0
	for line := range strings.SplitSeq(text, "\n") {
		all := true
		for _, w := range want {
			all = all && strings.Contains(line, w)
		}
		if all {
			n++
		}
	}
	return n
}
