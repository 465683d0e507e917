package cmd_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/internal/e2e"
)

// TestHubReclaimedReachesMonitors runs the real binary's hub with a small memory bound and a
// monitor (`deskwatch --print --format json` of its stream) following it live: an agent over its
// share has its oldest interaction ended at the bound to make room for a new agent's, and the
// monitor ends it too, with the hub's reason; it kept it open, though the hub's floor had ended it.
func TestHubReclaimedReachesMonitors(t *testing.T) {
	t.Parallel()
	h, addr := startHubCmd(t, "--max-memory", "3584")
	done := make(chan string, 1)
	go func() {
		stdout, _, _ := e2e.Run(t, nil, "--print", "--for", "6s", "--format", "json", "ws://"+addr+"/stream")
		done <- stdout
	}()
	if !e2e.Until(10*time.Second, 10*time.Millisecond, func() bool { return strings.Contains(h.Output(), "stream conn 1 from") }) {
		t.Fatalf("the monitor never connected; the hub printed:\n%s", h.Output())
	}
	ts := time.Now().UnixMilli()
	var msgs []string
	for i, ev := range [][2]string{{"A1", "i0"}, {"A1", "i1"}, {"A1", "i2"}, {"A2", "j0"}} {
		msgs = append(msgs, fmt.Sprintf(`{"type":"ON_NEW_INTERACTION","params":[{"interactionId":%q,"state":"delivered","type":"voice",`+
			`"subject":"s","associatedObjects":{"list":[],"selected":null},"callParties":[],"callMuted":false,`+
			`"callRecording":false,"attachedData":{},"service":"Sales"}],"agentId":%q,"ts":%d,"seq":%d}`, ev[1], ev[0],
			ts+int64(i), i%3+1))
	}
	bridgeSend(t, addr, "", msgs)
	stdout := <-done
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
		t.Errorf("the monitor ended %q, want A1's i0 alone, at the hub's memory bound; the hub printed:\n%s\nthe monitor:\n%s", ended, h.Output(), stdout)
	}
}
