package hub

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/deskwatch/deskwatch/internal/wsfan"
)

// TestOversizeIsAcknowledgedNotResent: a bridge that asked for acks gets one for the oversized
// event (its agentId and seq precede params), so it forgets it instead of resending it forever; a
// message too large even to skip ends the connection.
func TestOversizeIsAcknowledgedNotResent(t *testing.T) {
	const limit = 64 << 10
	th := startHub(t, Config{MaxMessage: limit})
	mon := th.firstMonitor(t)
	br := th.dial(t, "/ingest?session=s1&ack=1", nil)
	big := `{"type":"ON_NEW_INTERACTION","agentId":"a1","ts":1767600000000,"seq":7,"params":[` +
		strings.Replace(interaction("i1", "delivered", "S"), `"subject":"s"`, `"subject":"`+strings.Repeat("€", 400000)+`"`, 1) + "]}"
	send(t, br, big)
	waitAck(t, br, 7)
	th.log.waitLog(t, `msg 1 (agent "") rejected: 1200`)
	th.log.waitLog(t, "skipped, seq 7 acknowledged")
	next := event("ON_LOGOUT", "a1", t0, 8, `[]`)
	send(t, br, next)
	if got := readN(t, mon, 1); got[0] != next {
		t.Fatalf("got %.80s, want %s", got[0], next)
	}
	waitAck(t, br, 8)
	// The monitor's store sees seq 7 missing: the event was lost, and says so.
	if _, agents := monitorView(t, []string{event("ON_LOGOUT", "a1", t0, 6, `[]`), next}); !strings.Contains(agents["a1"], "lost 1") {
		t.Errorf("agents %v: want one lost", agents)
	}

	// Beyond discardFactor times the limit the hub stops reading and closes.
	if err := br.WriteMessage(websocket.TextMessage, []byte(`"`+strings.Repeat("x", limit*discardFactor)+`"`)); err != nil {
		t.Fatal(err)
	}
	th.log.waitLog(t, "msg 3 (agent \"a1\") rejected: larger than 4194304 bytes (64 times --max-message); connection closed")
}

// TestCloseLogsHubClosing: a bridge's connection ended by the hub's shutdown says so.
func TestCloseLogsHubClosing(t *testing.T) {
	th := startHub(t, Config{})
	br := th.dial(t, "/ingest", nil)
	send(t, br, event("ON_LOGOUT", "a1", t0, 1, `[]`))
	th.log.waitLog(t, "ingest conn 1 from")
	deadline := time.Now().Add(5 * time.Second)
	for metricValue(t, first(th.get(t, "/metrics")), "deskwatch_hub_events_in_total") != 1 {
		if time.Now().After(deadline) {
			t.Fatal("the event never arrived")
		}
		time.Sleep(10 * time.Millisecond)
	}
	th.Close()
	th.log.waitLog(t, `ingest conn 1 (agent "a1") closed after 1 messages (0 rejected, 0 duplicates): hub closing`)
}

func first(s string, _ http.Header) string { return s }

func TestResentEventsAreAckedAndNotRelayedTwice(t *testing.T) {
	th := startHub(t, Config{})
	mon := th.firstMonitor(t)
	e := func(seq int64) string {
		return event("ON_INTERACTION_STATE_CHANGE", "a1", t0+seq, seq, "["+interaction("i1", "delivered", "S")+"]")
	}
	state := event("ON_AGENT_STATE_CHANGE", "a1", t0, 0, `["ready"]`)
	br := th.dial(t, "/ingest?session=s1&ack=1", nil)
	send(t, br, e(1), e(2), state, e(3))
	if got := readN(t, mon, 4); !slices.Equal(got, []string{e(1), e(2), state, e(3)}) {
		t.Fatalf("got %q", got)
	}
	waitAck(t, br, 3)
	_ = br.Close()
	if got := readN(t, mon, 1)[0]; !strings.Contains(got, `"status":"disconnected"`) {
		t.Fatalf("after the bridge closed got %s, want its desktop disconnected", got)
	}

	// The same page reconnects and sends again what it had not seen acknowledged, and its state.
	br2 := th.dial(t, "/ingest?session=s1&ack=1", nil)
	send(t, br2, e(2), e(3), state, e(4))
	if got := readN(t, mon, 1); got[0] != e(4) {
		t.Fatalf("after resend got %s, want only seq 4", got[0])
	}
	waitAck(t, br2, 4)
	// A reloaded page (a new session) starts again at seq 1 and is relayed.
	br3 := th.dial(t, "/ingest?session=s2", nil)
	send(t, br3, e(1))
	if got := readN(t, mon, 1); got[0] != e(1) {
		t.Fatalf("new session: got %s", got[0])
	}
	expectSilence(t, mon)
	metrics, _ := th.get(t, "/metrics")
	if v := metricValue(t, metrics, "deskwatch_hub_events_duplicate_total"); v != 3 {
		t.Fatalf("duplicates = %v, want 3", v)
	}
}

// waitAck reads acknowledgements until one for seq arrives.
func waitAck(t *testing.T, c *websocket.Conn, seq int64) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	want := fmt.Sprintf(`{"ack":%d,"agentId":"a1"}`, seq)
	for {
		_, data, err := c.ReadMessage()
		if err != nil {
			t.Fatalf("waiting for %s: %v", want, err)
		}
		if string(data) == want {
			return
		}
	}
}

// TestBridgeConnectionIsClosedWhenItsReaderEnds: a bridge whose connection the hub stops reading
// (a message too large even to skip) has it closed, not left open until the bridge goes.
func TestBridgeConnectionIsClosedWhenItsReaderEnds(t *testing.T) {
	t.Parallel()
	const limit = 1 << 10
	th := startHub(t, Config{MaxMessage: limit})
	br := th.dial(t, "/ingest", nil)
	if err := br.WriteMessage(websocket.TextMessage, []byte(`"`+strings.Repeat("x", limit*discardFactor)+`"`)); err != nil {
		t.Fatal(err)
	}
	_ = br.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, _, err := br.ReadMessage(); !websocket.IsCloseError(err, websocket.CloseMessageTooBig) {
		t.Fatalf("read: %v, want close 1009", err)
	}
	_ = br.NetConn().SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := br.NetConn().Read(make([]byte, 1)); err == nil || wsfan.IsTimeout(err) {
		t.Fatalf("after the close frame: %v, want the connection closed", err)
	}
}

// TestSlowMessageEndsTheConnection: a bridge that answers pings while it drips one message in
// fragments, never ending it, is closed once the message has taken --message-timeout, and the log
// says which message and why (the idle deadline alone, pushed back by every pong, never would).
func TestSlowMessageEndsTheConnection(t *testing.T) {
	t.Parallel()
	th := startHub(t, Config{PingInterval: 50 * time.Millisecond, Limits: Limits{MessageTimeout: 400 * time.Millisecond}})
	br := th.dial(t, "/ingest?session=s1", nil)
	send(t, br, event("ON_LOGOUT", "a1", t0, 1, `[]`))
	go func() { // reading answers the hub's pings, until the hub closes the connection
		for {
			if _, _, err := br.NextReader(); err != nil {
				return
			}
		}
	}()
	w, err := br.NextWriter(websocket.TextMessage)
	if err != nil {
		t.Fatal(err)
	}
	begin := time.Now()
	chunk := []byte(strings.Repeat("x", 5000)) // over the writer's buffer: each write sends a fragment
	for time.Since(begin) < 5*time.Second {
		if _, err := w.Write(chunk); err != nil {
			break // the hub closed the connection
		}
		time.Sleep(20 * time.Millisecond)
	}
	th.log.waitLog(t, `ingest conn 1 msg 2 (agent "a1") rejected: still arriving after 400ms (`)
	th.log.waitLog(t, "--message-timeout); connection closed")
	th.log.waitLog(t, "message 2 still arriving after 400ms")
	if took := time.Since(begin); took > 3*time.Second {
		t.Errorf("the connection was closed %s after the message began, want about 400ms", took)
	}
}

// TestLogFloodIsBounded: a peer that reconnects and sends bad messages in a loop makes the hub
// log at most a burst of lines and then logLinesPerSecond; the rest are counted in /metrics and
// said in one line.
func TestLogFloodIsBounded(t *testing.T) {
	t.Parallel()
	th := startHub(t, Config{})
	bad := make([]string, maxLoggedRejections+1)
	for i := range bad {
		bad[i] = "not json"
	}
	const conns = 25 // each logs its connection, 100 rejections, "further rejections …", its close
	for range conns {
		br := th.dial(t, "/ingest", nil)
		send(t, br, bad...)
		_ = br.Close()
	}
	deadline := time.Now().Add(10 * time.Second)
	for metricValue(t, first(th.get(t, "/metrics")), "deskwatch_hub_log_lines_dropped_total") < 400 {
		if time.Now().After(deadline) {
			t.Fatalf("the hub logged every line of a flood:\n%s", first(th.get(t, "/metrics")))
		}
		time.Sleep(20 * time.Millisecond)
	}
	// A line let through after the flood says how many were left out. The flood's last lines may
	// still be arriving (a loaded machine) and take the tokens as they come back: a line comes now
	// and then until one passes.
	br := th.dial(t, "/ingest", nil)
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(th.log.String(), "lines left out since"); {
		if time.Now().After(deadline) {
			t.Fatalf("no line after the flood says what was left out:\n%s", th.log.String())
		}
		send(t, br, "not json")
		time.Sleep(50 * time.Millisecond)
	}
	if n := strings.Count(th.log.String(), "\n"); n > logLinesBurst+200 {
		t.Errorf("the hub logged %d lines of a flood, over its burst of %d", n, logLinesBurst)
	}
}
