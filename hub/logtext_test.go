package hub

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// injection is the attacker's ?agent= value (report F): a forged log line after a newline, an
// OSC that retitles the terminal, and a raw C1 CSI and a right-to-left override.
const injection = "x%0A2026/12/06%2002:00:00%20ingest%20conn%201%20from%2010.0.0.1%20connected%20" +
	"(token%20of%20ingest.tokens:1%20for%20agent%20ceo)%1b%5d0%3bOWNED%07%C2%9B31m%E2%80%AE"

// checkOneLine fails unless exactly one log line holds marker, and the log holds no line break,
// escape, C1 control or bidirectional control from the peer.
func checkOneLine(t *testing.T, log string, marker string) {
	t.Helper()
	n := 0
	for l := range strings.SplitSeq(log, "\n") {
		if strings.Contains(l, marker) {
			n++
		}
		if strings.HasPrefix(l, "2026/12/06 02:00:00 ingest") {
			t.Errorf("forged line: %q", l)
		}
	}
	if n != 1 {
		t.Errorf("%d lines hold %q, want 1:\n%s", n, marker, log)
	}
	for _, bad := range []string{"\x1b", "\x07", "\u009b", "\u202e"} {
		if strings.Contains(log, bad) {
			t.Errorf("the log holds %q:\n%q", bad, log)
		}
	}
}

// The attacker's report F: ?agent= reached the log as it came, so a monitor without a token (on
// an open hub) wrote lines of its own and escapes into the hub's stdout.
func TestFilterInjectionIsOneLogLine(t *testing.T) {
	t.Parallel()
	th := startHub(t, Config{})
	th.dial(t, "/stream?agent="+injection+"&service=S%0Aforged", nil)
	th.log.waitLog(t, "stream conn 1 from")
	checkOneLine(t, th.log.String(), "OWNED")
	th.log.waitLog(t, `with filter agent="x\n2026/12/06 02:00:00 ingest conn 1`)
	th.log.waitLog(t, `service="S\nforged"`)
}

// The 403 line of a bound stream token carries the ?agent= it refused: quoted too.
func TestRefusedFilterInjectionIsOneLogLine(t *testing.T) {
	t.Parallel()
	_, st := tokenFile(t, "stream", "mon-tok agent=a1\n")
	th := startHub(t, Config{StreamTokens: st})
	if code := th.dialStatus(t, "/stream?agent="+injection, bearer("mon-tok")); code != http.StatusForbidden {
		t.Fatalf("HTTP %d, want 403", code)
	}
	th.log.waitLog(t, "not allowed by the token")
	checkOneLine(t, th.log.String(), "OWNED")
}

// A filter is bounded: at most maxFilterValues values of maxFilterValue bytes per parameter.
func TestFilterBounds(t *testing.T) {
	t.Parallel()
	th := startHub(t, Config{})
	many := make([]string, maxFilterValues+1)
	for i := range many {
		many[i] = fmt.Sprintf("a%d", i)
	}
	long := url.QueryEscape(strings.Repeat("s", maxFilterValue+1))
	for _, c := range []struct{ query, log string }{
		{"agent=" + strings.Join(many, ","), "?agent= lists more than 256 values, the limit"},
		{"service=ok&service=" + long, "?service= value 2 is 257 bytes long, over the limit of 256"},
	} {
		if code := th.dialStatus(t, "/stream?"+c.query, nil); code != http.StatusBadRequest {
			t.Errorf("%.40s: HTTP %d, want 400", c.query, code)
		}
		th.log.waitLog(t, c.log)
	}
	th.waitMetric(t, `deskwatch_hub_connections_refused_total{endpoint="stream",reason="filter"}`, 2)
	th.dial(t, "/stream?agent="+strings.Join(many[:maxFilterValues], ","), nil)
	th.log.waitLog(t, `with filter agent="a0","a1","a10","a100","a101","a102","a103","a104",…(248 more)`)
}

// A 500 KB agentId reached the log whole in every rejection; now it is cut, with its length.
func TestLongAgentIDIsCutInLog(t *testing.T) {
	t.Parallel()
	th := startHub(t, Config{MaxMessage: 1 << 20})
	huge := strings.Repeat("\u202e", 100) + strings.Repeat("h", 500000)
	br := th.dial(t, "/ingest", nil)
	// The decoder refuses the id by its length, without quoting it; an oversized message's head is
	// only peeked at for its seq, and its agent id is not logged.
	send(t, br, event("ON_LOGOUT", huge, t0, 1, `[]`),
		`{"type":"ON_LOGOUT","agentId":"`+huge+`","seq":2,"params":["`+strings.Repeat("x", 1<<20)+`"]}`)
	th.log.waitLog(t, "agentId: 500300 bytes, longer than 256")
	th.log.waitLog(t, "larger than the limit of 1048576")
	_ = br.Close()
	th.log.waitLog(t, "closed after 2 messages")
	for l := range strings.SplitSeq(th.log.String(), "\n") {
		if len(l) > 2*maxLogText {
			t.Errorf("a log line of %d bytes: %.300q", len(l), l)
		}
	}
	if strings.Contains(th.log.String(), "\u202e") {
		t.Error("a bidirectional override reached the log")
	}
}
