package cmd_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/internal/e2e"
)

// The hub's own events reach a monitor: the real binary's hub, a bridge on its /ingest, and
// `deskwatch --print` of its /stream following it live.

// printResult is what a `deskwatch --print` run printed, and its exit status.
type printResult struct {
	stdout, stderr string
	code           int
}

// printFollowing starts a hub with hubArgs and a monitor, `deskwatch --print --for 6s --format
// json` of its stream, and returns once the monitor is connected: the hub's address and the
// monitor's result to come.
func printFollowing(t *testing.T, hubArgs ...string) (string, <-chan printResult) {
	t.Helper()
	h, addr := startHubCmd(t, hubArgs...)
	done := make(chan printResult, 1)
	go func() {
		stdout, stderr, code := e2e.Run(t, nil, "--print", "--for", "6s", "--format", "json", "ws://"+addr+"/stream")
		done <- printResult{stdout, stderr, code}
	}()
	if !e2e.Until(10*time.Second, 10*time.Millisecond, func() bool { return strings.Contains(h.Output(), "stream conn 1 from") }) {
		t.Fatalf("the monitor never connected; the hub printed:\n%s", h.Output())
	}
	return addr, done
}

// TestHubSkippedReachesMonitors runs the real binary's hub with a cap of one open interaction per
// agent and a monitor (`deskwatch --print` of its stream) following it live: the bridge's second
// interaction is rejected, and the monitor lists the hub's reason where it came from and reports
// no event lost (it reported "1 event lost from A1"), with the exit status of a run with rejected
// messages.
func TestHubSkippedReachesMonitors(t *testing.T) {
	t.Parallel()
	addr, done := printFollowing(t, "--max-interactions-per-agent", "1")
	ts := time.Now().UnixMilli()
	var msgs []string
	for i, ev := range [][2]string{{"ON_NEW_INTERACTION", "i1"}, {"ON_NEW_INTERACTION", "i2"}, {"ON_INTERACTION_REMOVED", "i1"}} {
		msgs = append(msgs, fmt.Sprintf(`{"type":%q,"params":[{"interactionId":%q,"state":"delivered","type":"voice",`+
			`"subject":"Refund %[2]s","associatedObjects":{"list":[],"selected":null},"callParties":[],"callMuted":false,`+
			`"callRecording":false,"attachedData":{},"service":"Sales"}],"agentId":"A1","ts":%d,"seq":%d}`, ev[0], ev[1],
			ts+int64(i), i+1))
	}
	bridgeSend(t, addr, "", msgs)
	r := <-done
	want := `ws://` + addr + `/stream conn 1 msg 3: rejected by the hub (interaction-cap): agent "A1"'s event seq 2: ` +
		`interaction "i2" would be agent "A1"'s open interaction number 2, over the limit of 1 (--max-interactions-per-agent)`
	if r.code != 1 || !strings.Contains(r.stderr, want) || strings.Contains(r.stderr, "lost") ||
		!strings.Contains(r.stdout, "Refund i1") || strings.Contains(r.stdout, "Refund i2") ||
		strings.Contains(r.stderr, "warning") {
		t.Errorf("deskwatch --print of the hub's stream (exit %d), want exit 1, %q on stderr and nothing lost:\n%s\n%s",
			r.code, want, r.stdout, r.stderr)
	}
}

// TestHubReclaimedReachesMonitors runs the real binary's hub with a small memory bound and a
// monitor (`deskwatch --print --format json` of its stream) following it live: an agent over its
// share has its oldest interaction ended at the bound to make room for a new agent's, and the
// monitor ends it too, with the hub's reason; it kept it open, though the hub's floor had ended it.
func TestHubReclaimedReachesMonitors(t *testing.T) {
	t.Parallel()
	addr, done := printFollowing(t, "--max-memory", "3584")
	ts := time.Now().UnixMilli()
	var msgs []string
	for i, ev := range [][2]string{{"A1", "i0"}, {"A1", "i1"}, {"A1", "i2"}, {"A2", "j0"}} {
		msgs = append(msgs, fmt.Sprintf(`{"type":"ON_NEW_INTERACTION","params":[{"interactionId":%q,"state":"delivered","type":"voice",`+
			`"subject":"s","associatedObjects":{"list":[],"selected":null},"callParties":[],"callMuted":false,`+
			`"callRecording":false,"attachedData":{},"service":"Sales"}],"agentId":%q,"ts":%d,"seq":%d}`, ev[1], ev[0],
			ts+int64(i), i%3+1))
	}
	bridgeSend(t, addr, "", msgs)
	stdout := (<-done).stdout
	var rows []struct {
		AgentID     string `json:"agentId"`
		Ended       bool   `json:"ended"`
		Interaction struct {
			ID string `json:"interactionId"`
		} `json:"interaction"`
		Timeline []struct{ Text string } `json:"timeline"`
	}
	if err := json.Unmarshal([]byte(stdout), &rows); err != nil {
		t.Fatalf("%v\n%s", err, stdout)
	}
	ended := map[string]string{}
	for _, r := range rows {
		if r.Ended {
			ended[r.AgentID+"/"+r.Interaction.ID] = r.Timeline[len(r.Timeline)-1].Text
		}
	}
	if text := ended["A1/i0"]; len(ended) != 1 || !strings.HasPrefix(text, "ended at the hub's memory bound (--max-memory 3.5 KiB): its agent's interactions held ") {
		t.Errorf("the monitor ended %q, want A1's i0 alone, at the hub's memory bound; the monitor printed:\n%s", ended, stdout)
	}
}
