package cmd_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/internal/e2e"
)

// TestHubSkippedReachesMonitors runs the real binary's hub with a cap of one open interaction per
// agent and a monitor (`deskwatch --print` of its stream) following it live: the bridge's second
// interaction is rejected, and the monitor lists the hub's reason where it came from and reports
// no event lost (it reported "1 event lost from A1"), with the exit status of a run with rejected
// messages.
func TestHubSkippedReachesMonitors(t *testing.T) {
	t.Parallel()
	h, addr := startHubCmd(t, "--max-interactions-per-agent", "1")
	type result struct {
		stdout, stderr string
		code           int
	}
	done := make(chan result, 1)
	go func() {
		stdout, stderr, code := e2e.Run(t, nil, "--print", "--for", "6s", "ws://"+addr+"/stream")
		done <- result{stdout, stderr, code}
	}()
	if !e2e.Until(10*time.Second, 10*time.Millisecond, func() bool { return strings.Contains(h.Output(), "stream conn 1 from") }) {
		t.Fatalf("the monitor never connected; the hub printed:\n%s", h.Output())
	}
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
