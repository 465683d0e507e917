package hub

import (
	"fmt"
	"strings"
	"testing"
)

// The attacker's pass: one agent's bridge sent 20,000 events a second, and would fill the log's
// --history-size in 25 s. Past --max-bridge-bytes (and its 16 seconds at once) the hub reads the
// bridge at that rate, saying so once: every event still arrives, none is lost or refused.
func TestBridgeOverItsBytesIsReadSlower(t *testing.T) {
	t.Parallel()
	th := startHub(t, Config{MaxMessage: 64 << 10, Limits: Limits{MaxBridgeBytes: 16 << 10}})
	mon := th.dial(t, "/stream", nil)
	th.waitSubscribers(t, 1)
	_ = mon
	br := th.dial(t, "/ingest", nil)
	big := strings.Repeat("x", 8<<10)
	const n = 40 // 320 KiB: 64 KiB past the 256 KiB at once, four seconds at 16 KiB a second
	for i := range n {
		in := strings.Replace(interaction(fmt.Sprintf("c%d", i), "delivered", "Sales"), `"subject":"s"`,
			`"subject":"`+big+`"`, 1)
		send(t, br, event("ON_NEW_INTERACTION", "a1", t0+int64(i), int64(i+1), "["+in+"]"))
	}
	th.log.waitLog(t, "sending over 16384 bytes a second (--max-bridge-bytes); read at that rate")
	th.waitMetric(t, "deskwatch_hub_events_in_total", n)
	if body, _ := th.get(t, "/metrics"); metricValue(t, body, "deskwatch_hub_bridge_throttled_total") < 1 {
		t.Error("no wait counted")
	}
	for _, reason := range []string{"oversize", "slow-message", "interaction-size"} {
		th.waitMetric(t, `deskwatch_hub_events_rejected_total{reason="`+reason+`"}`, 0)
	}
}

// The second attacker's pass: a bridge that reconnected every megabyte got a whole allowance each
// time, and sent 150 MiB a second. A token bound to agents has one allowance for all its
// connections, whole or after reconnecting.
func TestBridgeTokenAllowanceOutlivesItsConnections(t *testing.T) {
	t.Parallel()
	_, in := tokenFile(t, "ingest", "tokA agents=a1\n")
	th := startHub(t, Config{IngestTokens: in, MaxMessage: 64 << 10, Limits: Limits{MaxBridgeBytes: 16 << 10}})
	big := strings.Repeat("x", 8<<10)
	msg := func(i int) string {
		in := strings.Replace(interaction(fmt.Sprintf("c%d", i), "delivered", "Sales"), `"subject":"s"`,
			`"subject":"`+big+`"`, 1)
		return event("ON_NEW_INTERACTION", "a1", t0+int64(i), int64(i+1), "["+in+"]")
	}
	first := th.dial(t, "/ingest?token=tokA", nil)
	for i := range 28 { // 28 × 8 KiB: within the 256 KiB at once
		send(t, first, msg(i))
	}
	th.waitMetric(t, "deskwatch_hub_events_in_total", 28)
	_ = first.Close()
	again := th.dial(t, "/ingest?token=tokA", nil)
	for i := 28; i < 36; i++ { // 64 KiB more: past the allowance, which the new connection shares
		send(t, again, msg(i))
	}
	th.waitMetric(t, "deskwatch_hub_events_in_total", 36)
	if body, _ := th.get(t, "/metrics"); metricValue(t, body, "deskwatch_hub_bridge_throttled_total") < 1 {
		t.Errorf("the reconnected bridge was read at once, with a whole allowance of its own:\n%s", th.log.String())
	}
}
