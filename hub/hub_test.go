package hub

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/deskwatch/deskwatch/model"
)

const t0 = int64(1767600000000)

// monitorView applies messages as the monitor does and returns its open rows (key -> state) and
// its agents' states.
func monitorView(t *testing.T, msgs []string) (open map[string]string, agents map[string]string) {
	t.Helper()
	st := model.NewStore()
	for i, m := range msgs {
		ev, err := model.Decode([]byte(m))
		if err != nil {
			t.Fatalf("message %d does not decode: %v\n%s", i+1, err, m)
		}
		at := ev.TS
		if at.IsZero() {
			at = time.UnixMilli(t0)
		}
		st.Apply(ev, at)
	}
	sn := st.Snapshot()
	open, agents = map[string]string{}, map[string]string{}
	for _, r := range sn.Rows {
		if !r.Ended {
			open[r.Key] = string(r.Data.State)
		}
	}
	for _, a := range sn.Agents {
		agents[a.ID] = fmt.Sprintf("%s/%s since %d lost %d", a.State, a.Reason, a.Since.UnixMilli(), a.Lost)
	}
	if sn.Stats.Rejected != 0 {
		t.Fatalf("%d rejected", sn.Stats.Rejected)
	}
	return open, agents
}

func TestRelayIngestToStream(t *testing.T) {
	th, mon, br := startRelay(t, Config{})
	msgs := []string{
		event("ON_LOGIN", "a1", t0, 1, `[{"isLoggedIn":true,"agentId":"a1","username":"ann"}]`),
		event("ON_NEW_INTERACTION", "a1", t0+1000, 2, "["+interaction("i1", "delivered", "Sales")+"]"),
		// Unknown fields and types are relayed exactly as they came.
		`{"type":"ON_SOMETHING_NEW","params":[1,2],"agentId":"a1","ts":1767600002000,"seq":3,"extra":{"x":1}}`,
	}
	send(t, br, msgs...)
	got := readN(t, mon, len(msgs))
	if !slices.Equal(got, msgs) {
		t.Fatalf("relayed\n%q\nwant\n%q", got, msgs)
	}
	th.log.waitLog(t, "ingest conn 2 from")
	th.log.waitLog(t, "stream conn 1 from")
}

func TestSnapshotOnSubscribe(t *testing.T) {
	th, early, br := startRelay(t, Config{})
	before := []string{
		event("ON_LOGIN", "a1", t0, 1, `[{"isLoggedIn":true,"agentId":"a1","username":"ann"}]`),
		event("ON_AGENT_STATE_CHANGE", "a1", t0+10, 2, `["not_ready","Lunch"]`),
		event("ON_NEW_INTERACTION", "a1", t0+20, 3, "["+interaction("i1", "delivered", "Sales")+"]"),
		event("ON_NEW_INTERACTION", "a1", t0+30, 4, "["+interaction("i2", "queued", "Support")+"]"),
		event("ON_INTERACTION_STATE_CHANGE", "a1", t0+40, 5, "["+interaction("i1", "hold", "Sales")+"]"),
		event("ON_INTERACTION_REMOVED", "a1", t0+50, 6, "["+interaction("i2", "completed", "Support")+"]"),
		event("ON_CALL_AUDIO_QUALITY_ALERT", "a1", t0+55, 7, `["i1","jitter"]`),
		event("ON_NEW_INTERACTION", "b2", t0+60, 1, "["+interaction("j1", "delivered", "Support")+"]"),
	}
	send(t, br, before...)
	all := readN(t, early, len(before))

	late := th.dial(t, "/stream", nil)
	th.waitSubscribers(t, 2)
	after := event("ON_INTERACTION_STATE_CHANGE", "a1", t0+70, 8, "["+interaction("i1", "delivered", "Sales")+"]")
	send(t, br, after)
	all = append(all, readN(t, early, 1)...)

	// The late monitor gets a snapshot: a1's login, state, interactions and alert, then b2's
	// interactions, then the end of the snapshot; then the live event.
	snap := readUntil(t, late, after)
	types := make([]string, len(snap))
	for i, m := range snap {
		ev, err := model.Decode([]byte(m))
		if err != nil {
			t.Fatalf("snapshot message %d: %v\n%s", i, err, m)
		}
		types[i] = ev.AgentID + " " + ev.Type
	}
	want := []string{"a1 ON_LOGIN", "a1 ON_AGENT_STATE_CHANGE", "a1 INTERACTIONS_STATE",
		"a1 ON_CALL_AUDIO_QUALITY_ALERT", "b2 INTERACTIONS_STATE", " DESKWATCH_RESYNC_END", "a1 ON_INTERACTION_STATE_CHANGE"}
	if !slices.Equal(types, want) {
		t.Fatalf("late monitor got %q, want %q\n%s", types, want, strings.Join(snap, "\n"))
	}
	// The snapshot brings a monitor to the same state as one that saw everything, with the same
	// time in state and without a false seq gap.
	openAll, agentsAll := monitorView(t, all)
	openLate, agentsLate := monitorView(t, snap)
	if fmt.Sprint(openAll) != fmt.Sprint(openLate) || fmt.Sprint(agentsAll) != fmt.Sprint(agentsLate) {
		t.Fatalf("late monitor %v %v\nfull monitor %v %v", openLate, agentsLate, openAll, agentsAll)
	}
	if !strings.Contains(snap[0], `"seq":7`) {
		t.Errorf("snapshot does not carry the agent's last seq: %s", snap[0])
	}
}

func TestSlowSubscriberIsDroppedOthersGetEverything(t *testing.T) {
	th := startHub(t, Config{QueueSize: 8, Limits: Limits{MaxInteractionsPerAgent: 1000,
		MaxBridgeBytes: 1 << 30}}) // a bridge as fast as the test can send (throttle.go)
	slow := th.dial(t, "/stream", nil) // never reads until the end
	fast := th.dial(t, "/stream", nil)
	th.waitSubscribers(t, 2)
	// Connection ids are given after the upgrade, so which monitor got which is found in the log
	// by its address.
	slowID := th.log.connID(t, "stream", slow.LocalAddr().String())
	fastID := th.log.connID(t, "stream", fast.LocalAddr().String())
	br := th.dial(t, "/ingest", nil)

	pad := strings.Repeat("x", 32<<10)
	const n = 1000 // 32 MB: far more than loopback socket buffers hold
	// The fast monitor keeps up: the bridge never runs more than a few messages ahead of it.
	progress := make(chan int, n)
	done := make(chan []string)
	go func() {
		var got []string
		_ = fast.SetReadDeadline(time.Now().Add(30 * time.Second))
		for len(got) < n {
			data, err := readMessage(fast)
			if err != nil {
				break
			}
			got = append(got, string(data))
			progress <- len(got)
		}
		close(progress)
		done <- got
	}()
	received := 0
	for i := 1; i <= n; i++ {
		for received < i-4 {
			r, ok := <-progress
			if !ok {
				t.Fatalf("fast monitor stopped after %d messages\n%s", received, th.log.String())
			}
			received = r
		}
		ia := strings.Replace(interaction(fmt.Sprint("i", i), "delivered", "Sales"), `"subject":"s"`,
			`"subject":"`+pad+`"`, 1)
		send(t, br, event("ON_NEW_INTERACTION", "a1", t0+int64(i), int64(i), "["+ia+"]"))
	}
	got := <-done
	if len(got) != n {
		t.Fatalf("fast monitor got %d of %d messages", len(got), n)
	}
	for i, m := range got {
		if !strings.Contains(m, fmt.Sprintf(`"seq":%d}`, i+1)) {
			t.Fatalf("fast monitor message %d out of order: %.80s", i, m)
		}
	}
	th.log.waitLog(t, fmt.Sprintf("stream conn %d closed after", slowID))
	if line := th.log.line(t, fmt.Sprintf("stream conn %d closed after", slowID)); !strings.Contains(line,
		"too slow: 8 messages waiting") {
		t.Errorf("the slow monitor's close: %s", line)
	}
	if strings.Contains(th.log.String(), fmt.Sprintf("stream conn %d closed", fastID)) {
		t.Errorf("the fast monitor was disconnected too:\n%s", th.log.String())
	}
	metrics, _ := th.get(t, "/metrics")
	if v := metricValue(t, metrics, "deskwatch_hub_subscriber_drops_total"); v != 1 {
		t.Fatalf("drops = %v, want 1", v)
	}
	// The slow monitor's connection ends after what was already on the wire.
	_ = slow.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		if _, _, err := slow.ReadMessage(); err != nil {
			if ne, ok := err.(interface{ Timeout() bool }); ok && ne.Timeout() {
				t.Fatal("slow monitor's connection was not closed")
			}
			break
		}
	}
}

func TestBadMessagesAreRejectedLoggedAndCounted(t *testing.T) {
	th, mon, br := startRelay(t, Config{MaxMessage: 4096})
	send(t, br, `not json`, `{"params":[]}`,
		event("ON_NEW_INTERACTION", "a1", t0, 1, `[{"interactionId":"i1","state":"delivered","type":"voice","callMuted":"yes"}]`))
	if err := br.WriteMessage(websocket.BinaryMessage, []byte{1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	good := event("ON_LOGOUT", "a1", t0, 2, `[]`)
	send(t, br, good)
	if got := readN(t, mon, 1); got[0] != good {
		t.Fatalf("got %s, want %s", got[0], good)
	}
	th.log.waitLog(t, `ingest conn 2 msg 1 (agent "") rejected: not valid JSON`)
	th.log.waitLog(t, `ingest conn 2 msg 2 (agent "") rejected: missing "type"`)
	th.log.waitLog(t, `msg 3 (agent "") rejected: params[0].callMuted: want boolean, got string`)
	th.log.waitLog(t, "msg 4 (agent \"\") rejected: binary frame")

	// An oversized message is read to its end and skipped; the connection goes on.
	send(t, br, event("ON_LOGOUT", "a1", t0, 3, `["`+strings.Repeat("€", 5000)+`"]`))
	after := event("ON_LOGOUT", "a1", t0, 4, `[]`)
	send(t, br, after)
	if got := readN(t, mon, 1); got[0] != after {
		t.Fatalf("after the oversized message got %.80s, want %s", got[0], after)
	}
	th.log.waitLog(t, `msg 6 (agent "a1") rejected: 15076 bytes, larger than the limit of 4096 (--max-message); skipped, not acknowledged`)
	metrics, _ := th.get(t, "/metrics")
	for reason, want := range map[string]float64{"invalid": 3, "binary": 1, "oversize": 1} {
		if v := metricValue(t, metrics, `deskwatch_hub_events_rejected_total{reason="`+reason+`"}`); v != want {
			t.Errorf("rejected %s = %v, want %v", reason, v, want)
		}
	}
	expectSilence(t, mon)
}

func TestFilters(t *testing.T) {
	th := startHub(t, Config{})
	byAgent := th.dial(t, "/stream?agent=a1", nil)
	bySvc := th.dial(t, "/stream?service=Sales,Billing", nil)
	th.waitSubscribers(t, 2)
	if code := th.dialStatus(t, "/stream?team=x", nil); code != http.StatusBadRequest {
		t.Fatalf("unknown parameter: HTTP %d, want 400", code)
	}
	br := th.dial(t, "/ingest", nil)
	msgs := []string{
		event("ON_NEW_INTERACTION", "a1", t0, 1, "["+interaction("i1", "delivered", "Sales")+"]"),
		event("ON_NEW_INTERACTION", "b2", t0, 1, "["+interaction("j1", "delivered", "Support")+"]"),
		event("ON_AGENT_STATE_CHANGE", "b2", t0, 2, `["ready"]`),
		// Transferred from Sales to Support: the Sales monitor still sees it, until it ends.
		event("ON_INTERACTION_STATE_CHANGE", "a1", t0, 2, "["+interaction("i1", "hold", "Support")+"]"),
		event("ON_CALL_AUDIO_QUALITY_ALERT", "b2", t0, 3, `["j1","jitter"]`),
		event("INTERACTIONS_STATE", "b2", t0, 4, `[{"activeInteractionId":"j1","interactions":[`+
			interaction("j1", "delivered", "Support")+","+interaction("j2", "delivered", "Billing")+`]}]`),
	}
	send(t, br, msgs...)
	got := readN(t, byAgent, 2)
	if !slices.Equal(got, []string{msgs[0], msgs[3]}) {
		t.Fatalf("agent filter got %q", got)
	}
	got = readN(t, bySvc, 4)
	if !slices.Equal(got[:3], []string{unnumbered(t, msgs[0]), unnumbered(t, msgs[2]), unnumbered(t, msgs[3])}) {
		t.Fatalf("service filter got %q, want them without seq", got)
	}
	ev, err := model.Decode([]byte(got[3]))
	if err != nil {
		t.Fatal(err)
	}
	st := ev.Payload.(*model.InteractionsState)
	if len(st.Interactions) != 1 || st.Interactions[0].ID != "j2" || ev.HasSeq || model.Str(st.ActiveInteractionID) != "j1" {
		t.Fatalf("service filter's snapshot: %s", got[3])
	}
	// b2's first INTERACTIONS_STATE: the hub says its desktop is connected (an agent's, not a service's).
	if got := readN(t, bySvc, 1)[0]; !strings.Contains(got, `"DESKWATCH_DESKTOP","agentId":"b2"`) {
		t.Fatalf("service filter got %s, want b2's desktop connected", got)
	}
	expectSilence(t, byAgent)
	expectSilence(t, bySvc)
}

func TestMetricsHealthAndBridgeScript(t *testing.T) {
	th, mon, br := startRelay(t, Config{BridgeJS: []byte("// the bridge\n")})
	msg := event("ON_LOGOUT", "a1", t0, 1, `[]`)
	send(t, br, msg, msg[:10])
	readN(t, mon, 1)
	th.log.waitLog(t, "rejected")
	metrics, _ := th.get(t, "/metrics")
	// The writer counts a message once written, which may be after the monitor has read it.
	for deadline := time.Now().Add(5 * time.Second); metricValue(t, metrics, "deskwatch_hub_messages_out_total") < 2 &&
		time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		metrics, _ = th.get(t, "/metrics")
	}
	for name, want := range map[string]float64{
		"deskwatch_hub_bridges":            1,
		"deskwatch_hub_subscribers":        1,
		"deskwatch_hub_events_in_total":    1,
		"deskwatch_hub_bytes_in_total":     float64(len(msg) + 10),
		"deskwatch_hub_messages_out_total": 2, // subscribed before any event: an empty snapshot and its end
		"deskwatch_hub_bytes_out_total": float64(len(msg) +
			len(model.AppendEvent(nil, model.EvResyncEnd, "", time.Now().UnixMilli(), model.NoSeq, nil))),
		"deskwatch_hub_agents": 1,
	} {
		if v := metricValue(t, metrics, name); v != want {
			t.Errorf("%s = %v, want %v", name, v, want)
		}
	}
	if !strings.Contains(metrics, "go_goroutines") {
		t.Error("no Go runtime metrics")
	}
	if body, _ := th.get(t, "/healthz"); body != "ok\n" {
		t.Errorf("healthz: %q", body)
	}
	body, hdr := th.get(t, "/bridge.js")
	if body != "// the bridge\n" || !strings.HasPrefix(hdr.Get("Content-Type"), "text/javascript") {
		t.Errorf("bridge.js: %q %v", body, hdr)
	}
}

// metricValue finds one sample in Prometheus' text format.
func metricValue(t *testing.T, text, name string) float64 {
	t.Helper()
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + ` (\S+)$`)
	m := re.FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("no sample %s in:\n%s", name, text)
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
