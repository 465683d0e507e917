package hub

import (
	"net/http"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// TestMonitorJoinsAreBoundedPerToken: a monitor token may join /stream thirty times its rate at
// once and its rate a second after; one more is refused with 429 and Retry-After (logged,
// counted), while another token's monitors join as before.
func TestMonitorJoinsAreBoundedPerToken(t *testing.T) {
	t.Parallel()
	_, st := tokenFile(t, "stream", "lead-tok\nother-tok\n")
	th := startHub(t, Config{StreamTokens: st, Limits: Limits{MaxMonitorJoins: 1}})
	for i := range joinBurstSeconds {
		if got := th.dialStatus(t, "/stream", bearer("lead-tok")); got != 0 {
			t.Fatalf("join %d: HTTP %d", i+1, got)
		}
	}
	_, resp, err := websocket.DefaultDialer.Dial(th.wsURL("/stream"), bearer("lead-tok"))
	if err == nil || resp == nil || resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "1" {
		t.Fatalf("join %d: %v %+v, want 429 with Retry-After 1", joinBurstSeconds+1, err, resp)
	}
	th.log.waitLog(t, "over 1 monitor connections a second (30 at once) for its token (--max-monitor-joins); may retry in 1s")
	if got := th.dialStatus(t, "/stream", bearer("other-tok")); got != 0 {
		t.Errorf("another token's monitor: HTTP %d", got)
	}
	th.waitMetric(t, `deskwatch_hub_connections_refused_total{endpoint="stream",reason="rate"}`, 1)
	time.Sleep(1100 * time.Millisecond) // the rate: one more a second
	if got := th.dialStatus(t, "/stream", bearer("lead-tok")); got != 0 {
		t.Errorf("a join a second later: HTTP %d", got)
	}
}

// TestJoinLimiterForgetsWholeAllowances: the keys it remembers are bounded; one whose allowance
// is whole again makes room for a new key, and while none is, a new key is let through.
func TestJoinLimiterForgetsWholeAllowances(t *testing.T) {
	t.Parallel()
	j := newJoinLimiter(1)
	now := time.Now()
	for i := range maxJoinKeys {
		if ok, _ := j.allow(string(rune(i)), now); !ok {
			t.Fatal("a first join refused")
		}
	}
	if ok, _ := j.allow("new", now); !ok || len(j.keys) != maxJoinKeys {
		t.Fatalf("a new key while every allowance is in use: %v, %d keys", ok, len(j.keys))
	}
	later := now.Add(time.Second) // every allowance is whole again
	if ok, _ := j.allow("newer", later); !ok || len(j.keys) != 1 {
		t.Fatalf("a new key once the others' allowances are whole: %v, %d keys", ok, len(j.keys))
	}
}
