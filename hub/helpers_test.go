package hub

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/gorilla/websocket"

	"github.com/deskwatch/deskwatch/internal/e2e"
	"github.com/deskwatch/deskwatch/internal/wstest"
	"github.com/deskwatch/deskwatch/model"
)

// syncBuffer is a log sink the hub writes from many goroutines while a test reads it.
type syncBuffer struct{ e2e.Buffer }

// waitLog waits until the log holds want.
func (b *syncBuffer) waitLog(t *testing.T, want string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(b.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("log lacks %q:\n%s", want, b.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// connID finds the id the hub gave the connection from remote on endpoint ("stream", "ingest").
func (b *syncBuffer) connID(t *testing.T, endpoint, remote string) int64 {
	t.Helper()
	re := regexp.MustCompile(`(?m)^.*` + endpoint + ` conn (\d+) from ` + regexp.QuoteMeta(remote) + ` `)
	deadline := time.Now().Add(5 * time.Second)
	for {
		if m := re.FindStringSubmatch(b.String()); m != nil {
			id, _ := strconv.ParseInt(m[1], 10, 64)
			return id
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s connection from %s in the log:\n%s", endpoint, remote, b.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// line returns the first log line holding want.
func (b *syncBuffer) line(t *testing.T, want string) string {
	t.Helper()
	for l := range strings.SplitSeq(b.String(), "\n") {
		if strings.Contains(l, want) {
			return l
		}
	}
	t.Fatalf("no log line holds %q:\n%s", want, b.String())
	return ""
}

type testHub struct {
	*Hub
	srv *httptest.Server
	log *syncBuffer
}

// startHub runs a hub on a loopback HTTP server for the test's duration.
func startHub(t *testing.T, cfg Config) *testHub {
	t.Helper()
	return startHubWith(t, cfg, nil)
}

// startHubWith is startHub with a change to the hub (a test hook) made before it serves.
func startHubWith(t *testing.T, cfg Config, change func(*Hub)) *testHub {
	t.Helper()
	logs := &syncBuffer{}
	cfg.Log = logs
	h := New(cfg)
	if change != nil {
		change(h)
	}
	srv := httptest.NewServer(h.Handler())
	t.Cleanup(func() {
		h.Close()
		srv.Close()
	})
	return &testHub{Hub: h, srv: srv, log: logs}
}

func (th *testHub) wsURL(path string) string {
	return wstest.WSURL(th.srv.URL) + path
}

// dial opens a WebSocket to path (with its query), failing the test on error.
func (th *testHub) dial(t *testing.T, path string, header http.Header) *websocket.Conn {
	t.Helper()
	c, resp, err := websocket.DefaultDialer.Dial(th.wsURL(path), header)
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		t.Fatalf("dial %s: %v (HTTP %d)", path, err, status)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// dialStatus tries to open a WebSocket and returns the HTTP status of a refusal (0 on success).
func (th *testHub) dialStatus(t *testing.T, path string, header http.Header) int {
	t.Helper()
	c, resp, err := websocket.DefaultDialer.Dial(th.wsURL(path), header)
	if err == nil {
		_ = c.Close()
		return 0
	}
	if resp == nil {
		t.Fatalf("dial %s: %v", path, err)
	}
	return resp.StatusCode
}

func (th *testHub) get(t *testing.T, path string) (string, http.Header) {
	t.Helper()
	resp, err := http.Get(th.srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s\n%s", path, resp.Status, body)
	}
	return string(body), resp.Header
}

// startRelay starts a hub with its first monitor subscribed on /stream and a bridge connected on
// /ingest.
func startRelay(t *testing.T, cfg Config) (th *testHub, mon, br *websocket.Conn) {
	t.Helper()
	th = startHub(t, cfg)
	mon = th.firstMonitor(t)
	return th, mon, th.dial(t, "/ingest", nil)
}

// firstMonitor dials /stream as the hub's first monitor and waits until it is subscribed.
func (th *testHub) firstMonitor(t *testing.T) *websocket.Conn {
	t.Helper()
	c := th.dial(t, "/stream", nil)
	th.waitSubscribers(t, 1)
	return c
}

// waitSubscribers waits until n monitors are registered, so events sent next reach them live.
func (th *testHub) waitSubscribers(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := th.streams.Len()
		if got == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d subscribers, want %d", got, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func send(t *testing.T, c *websocket.Conn, msgs ...string) {
	t.Helper()
	for _, m := range msgs {
		if err := c.WriteMessage(websocket.TextMessage, []byte(m)); err != nil {
			t.Fatalf("send: %v", err)
		}
	}
}

// resyncEnd starts the message that ends a monitor's snapshot (DESKWATCH_RESYNC_END).
const resyncEnd = `{"type":"DESKWATCH_RESYNC_END",`

// readMessage reads the next message, passing over the end of the snapshot
// (TestSnapshotOnSubscribe checks where it comes), so that a test reads the snapshot and the live
// events as they go on.
func readMessage(c *websocket.Conn) ([]byte, error) {
	for {
		_, data, err := c.ReadMessage()
		if err != nil || !strings.HasPrefix(string(data), resyncEnd) {
			return data, err
		}
	}
}

// readN reads n text messages within a few seconds.
func readN(t *testing.T, c *websocket.Conn, n int) []string {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	out := make([]string, 0, n)
	for len(out) < n {
		data, err := readMessage(c)
		if err != nil {
			t.Fatalf("read message %d of %d: %v (got %q)", len(out)+1, n, err, out)
		}
		out = append(out, string(data))
	}
	return out
}

// expectSilence checks that nothing arrives for a moment.
func expectSilence(t *testing.T, c *websocket.Conn) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	if data, err := readMessage(c); err == nil {
		t.Fatalf("unexpected message %s", data)
	}
}

// interaction returns an InteractionData object as JSON.
func interaction(id, state, service string) string {
	return fmt.Sprintf(`{"interactionId":%q,"state":%q,"type":"voice","subject":"s","associatedObjects":`+
		`{"list":[],"selected":null},"callParties":[],"callMuted":false,"callRecording":false,`+
		`"attachedData":{},"service":%q,"startTime":1767600000000}`, id, state, service)
}

// event returns an envelope as JSON; seq 0 means none.
func event(typ, agent string, ts, seq int64, params string) string {
	s := fmt.Sprintf(`{"type":%q,"params":%s,"agentId":%q,"ts":%d`, typ, params, agent, ts)
	if seq > 0 {
		s += fmt.Sprintf(`,"seq":%d`, seq)
	}
	return s + "}"
}

// encodeChecked returns a hub change whose snapshots ask check of each interaction before
// encoding it: its error leaves the interaction out.
func encodeChecked(check func(*model.Interaction) error) func(*Hub) {
	return func(h *Hub) {
		h.encodeInteraction = func(in *model.Interaction) (jsontext.Value, error) {
			if err := check(in); err != nil {
				return nil, err
			}
			return marshalInteraction(in)
		}
	}
}
