package hub

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/gorilla/websocket"
)

// TestAckerPendingIsBounded: acks for agents the bridge may not publish for are recorded only up
// to maxForeignAcks (and not at all for a long agentId), its own agents' always; once the writer
// has stopped, ack records nothing.
func TestAckerPendingIsBounded(t *testing.T) {
	t.Parallel()
	a := &acker{mayPublish: func(agent string) bool { return agent == "own" }, latest: make(map[string]int64),
		wake: make(chan struct{}, 1), done: make(chan struct{})} // no writer: every ack stays pending
	a.ack("x"+strings.Repeat("y", maxForeignAckID), 1)
	for i := range 10000 {
		a.ack(fmt.Sprintf("forged-%d", i), int64(i+1))
	}
	a.ack("own", 5)
	a.ack("forged-0", 9) // already waiting: updated
	if now, peak := a.pending(); now != maxForeignAcks+1 || peak != now {
		t.Fatalf("%d acks waiting (peak %d), want %d", now, peak, maxForeignAcks+1)
	}
	if a.latest["forged-0"] != 9 || a.latest["own"] != 5 {
		t.Errorf("latest %v", a.latest)
	}
	a.err = errWriterGone
	a.latest = nil
	a.ack("own", 6) // must not write to a nil map
}

var errWriterGone = fmt.Errorf("test: writer gone")

// The attacker's report D: a bridge with a bound token asked for acks, never read them and forged
// thousands of agents; the pending acks grew without bound and the connection stayed open. Now at
// most maxForeignAcks (and its own agent) wait, and the hub closes it once an ack write times out.
func TestNonReadingAckBridgeIsClosed(t *testing.T) {
	t.Parallel()
	_, in := tokenFile(t, "ingest", "smith-tok agent=smith\n")
	// A bridge as fast as the test can send (throttle.go): the buffers fill sooner.
	th := startHub(t, Config{IngestTokens: in, MaxMessage: 1 << 20, Limits: Limits{MaxBridgeBytes: 1 << 30}})
	br := th.dial(t, "/ingest?ack=1&token=smith-tok", nil) // never read from
	pad := strings.Repeat("f", 200)
	huge := strings.Repeat("h", 500000)
	deadline := time.Now().Add(90 * time.Second) // writeWait (10 s) after the buffers fill
	closed := "closing: acknowledgements not read for 10s"
	for seq, i := int64(1), 0; i%64 != 0 || !strings.Contains(th.log.String(), closed); i++ {
		if time.Now().After(deadline) {
			out := th.log.String()
			t.Fatalf("the bridge was not closed after %d messages:\n%s", i, out[max(0, len(out)-3000):])
		}
		msgs := []string{
			event("ON_LOGOUT", fmt.Sprintf("forged-%d-%s", i, pad), t0, seq, `[]`),
			event("ON_LOGOUT", "smith", t0, seq+1, `[]`),
		}
		if i%500 == 0 {
			msgs = append(msgs, event("ON_LOGOUT", huge+strconv.Itoa(i), t0, seq+2, `[]`))
		}
		seq += 3
		for _, m := range msgs {
			_ = br.SetWriteDeadline(time.Now().Add(30 * time.Second))
			if err := br.WriteMessage(websocket.TextMessage, []byte(m)); err != nil {
				th.log.waitLog(t, closed) // the hub closed it: the log must say why
				break
			}
		}
	}
	line := th.log.line(t, closed)
	m := regexp.MustCompile(`at most (\d+) acks waited at once`).FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("no peak in %q", line)
	}
	if peak, _ := strconv.Atoi(m[1]); peak > maxForeignAcks+1 {
		t.Errorf("%d acks waited at once, over %d", peak, maxForeignAcks+1)
	}
	th.log.waitLog(t, `(agent "smith") closed after`)
	th.log.waitLog(t, "closed by the hub: acknowledgements not read")
	th.waitMetric(t, "deskwatch_hub_bridges", 0)
}

// TestAppendAckIsJSONMarshal: the ack written by hand is json.Marshal's, byte for byte, and an
// agentId that is not valid UTF-8 fails both.
func TestAppendAckIsJSONMarshal(t *testing.T) {
	t.Parallel()
	for _, agent := range []string{"a.jones", "", `quo"te\back`, "<b>&amp;</b>", "ünï €", "ctl\x00\x1f\x7f", "\u2028\u2029", "bad\xff"} {
		for _, seq := range []int64{0, 1, -1, math.MaxInt64, math.MinInt64} {
			want, wantErr := json.Marshal(ackMsg{Ack: seq, AgentID: agent})
			got, err := appendAck([]byte("kept"), seq, agent)
			if (err != nil) != (wantErr != nil) {
				t.Fatalf("agent %q: error %v, json.Marshal's %v", agent, err, wantErr)
			}
			if err == nil && string(got) != "kept"+string(want) {
				t.Errorf("agent %q seq %d: %s, want %s", agent, seq, got, want)
			}
		}
	}
}
