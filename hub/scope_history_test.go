package hub

import (
	"testing"
	"time"
)

// TestScopedHistoryStaysInScope: a scoped monitor that asks for history, from the log's first
// event or from a checkpoint, is sent nothing outside its token's scope, as live monitors are.
func TestScopedHistoryStaysInScope(t *testing.T) {
	t.Parallel()
	_, st := tokenFile(t, "stream", scopeTeams+"sales services=Sales\nlead teams=East services=Sales\n")
	th := startLogHub(t, t.TempDir(), Config{StreamTokens: st, CheckpointEvery: 5})
	br := th.dial(t, "/ingest?session=s1", nil)
	floor := scopeFloor()
	send(t, br, floor...)
	th.waitApplied(t, uint64(len(floor)))
	mark := time.Now()
	time.Sleep(20 * time.Millisecond) // the log's clock passes mark before the live events
	send(t, br, scopeLive()...)
	th.log.waitLog(t, `agent "a1": desktop connected`) // the last event the hub appends
	for _, since := range []string{"1h", mark.UTC().Format(time.RFC3339Nano)} {
		for token, sc := range map[string]scope{
			"sales": {agentLevel: strSet("a1", "b1", "a2"), ids: keys("a1", "i1", "b1", "i4", "b1", "i5", "a2", "i6")},
			"lead":  {agentLevel: strSet("a1", "a2"), ids: keys("a1", "i1", "a2", "i6")},
		} {
			c, snap := watchScoped(t, th.testHub, "/stream?since="+since, bearer(token))
			sc.check(t, token+" since "+since+": snapshot", snap)
			sc.check(t, token+" since "+since+": history", readUntil(t, c, scopeMarker))
		}
	}
}
