package cmd_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/internal/e2e"
)

// floorEvent is one event line of a hand-made file for the floor's figures.
func floorEvent(typ, agent string, ts int64, param string) string {
	return fmt.Sprintf(`{"type":%q,"agentId":%q,"ts":%d,"params":[%s]}`+"\n", typ, agent, ts, param)
}

// floorCall is a voice call's interaction object.
func floorCall(id, state, service string, start int64, muted bool) string {
	return fmt.Sprintf(`{"interactionId":%q,"state":%q,"type":"voice","subject":"s","associatedObjects":{"list":[]},`+
		`"callParties":[],"callMuted":%t,"callRecording":false,"attachedData":{},"service":%q,"startTime":%d}`,
		id, state, muted, service, start)
}

// Times may span 1970 to 2200 (7.3e18 ns, near int64's end): three agents logged in all that time,
// three calls that waited all of it, muted all of it, must not wrap the sums into negative or
// tiny figures. Before the sums were held at int64's bounds, the floor's logged-in time and the
// service's ASA wrapped round.
func TestPrintFloorHugeSpansDoNotWrap(t *testing.T) {
	t.Parallel()
	const last = 7258118400000 // the latest ts allowed
	var b strings.Builder
	for _, a := range []string{"a1", "a2", "a3"} {
		b.WriteString(floorEvent("ON_AGENT_STATE_CHANGE", a, 1, `"ready"`))
	}
	for i := range 3 {
		b.WriteString(floorEvent("ON_NEW_INTERACTION", "a1", 1, floorCall(fmt.Sprint("w", i), "queued", "S", 1, false)))
	}
	for i := range 3 {
		b.WriteString(floorEvent("ON_INTERACTION_STATE_CHANGE", "a1", 2, floorCall(fmt.Sprint("w", i), "delivered", "S", 1, true)))
	}
	for i := range 3 {
		b.WriteString(floorEvent("ON_INTERACTION_STATE_CHANGE", "a1", last, floorCall(fmt.Sprint("w", i), "queued", "S", 1, false)))
		b.WriteString(floorEvent("ON_INTERACTION_STATE_CHANGE", "a1", last, floorCall(fmt.Sprint("v", i), "delivered", "S", 1, false)))
	}
	file := e2e.WriteFile(t, "huge.jsonl", b.String())
	out, errOut, code := e2e.Run(t, nil, "--print", "--view", "agents", "--window", "all", file)
	floor := ""
	for l := range strings.Lines(out) {
		if strings.HasPrefix(l, "floor ") {
			floor = l
		}
	}
	// Each agent was logged in 84006 days; the floor's sum is held at int64's 106751 days.
	if code != 0 || !strings.Contains(floor, " 106751d ") || strings.Contains(out, "-") {
		t.Errorf("--view agents: exit %d, stderr %q\n%s\nwant the floor's time held at 106751d", code, errOut, out)
	}
	out, errOut, code = e2e.Run(t, nil, "--print", "--view", "services", "--window", "all", "--format", "json", file)
	var got []map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &got) != nil || len(got) != 1 {
		t.Fatalf("--view services: exit %d, stderr %q\n%s", code, errOut, out)
	}
	// w0..w2 waited 1 ms, v0..v2 7258118399.999 s each; held at int64's end, the mean of the six
	// is a sixth of 2^63 ns (wrapped, it came out near 0 or negative).
	if asa, _ := got[0]["asa_s"].(float64); asa < 1.5e9 || asa > 3.7e9 {
		t.Errorf("asa_s %v, want between 1.5e9 and 3.7e9 (positive, not wrapped)", got[0]["asa_s"])
	}
	out, _, _ = e2e.Run(t, nil, "--print", "--view", "agents", "--window", "all", "--format", "json", file)
	if strings.Contains(out, ": -") {
		t.Errorf("--view agents --format json has a negative figure:\n%s", out)
	}
}

// A not-ready reason's initial on the timeline is the first letter of the reason as shown: an
// escape sequence's parameters ("\x1b[31mred" shows as "red") are not its initial. Before, the
// line showed "3xxx".
func TestTimelineReasonInitialIsSanitized(t *testing.T) {
	const t0 = int64(1700000000000)
	path := eventFile(t, "esc.jsonl",
		event(t0, "ON_AGENT_STATE_CHANGE", "not_ready", "\x1b[31mred\x1b[0m"),
		event(t0+20*60000, "ON_AGENT_STATE_CHANGE", "ready"),
	)
	term := replayInTerminal(t, 100, 24, "--theme mono "+path)
	term.Keys("T")
	screen := term.WaitFor(10*time.Second, "Agent state timeline", "floor then:")
	if !strings.Contains(screen, "Rxxx") || strings.Contains(screen, "3xxx") {
		t.Errorf("want the not-ready stretch to start with R (for red):\n%s", screen)
	}
	term.Quit()
}
