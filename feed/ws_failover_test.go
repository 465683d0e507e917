package feed

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/deskwatch/deskwatch/hub"
	"github.com/deskwatch/deskwatch/internal/wstest"
	"github.com/deskwatch/deskwatch/model"
)

// floorHub runs an in-memory hub on loopback with one bridge that has logged agent in; kill ends
// the hub and every connection to it.
func floorHub(t *testing.T, agent string) (streamURL string, kill func()) {
	t.Helper()
	h := hub.New(hub.Config{})
	srv := httptest.NewServer(h.Handler())
	kill = func() { h.Close(); srv.CloseClientConnections(); srv.Close() }
	t.Cleanup(kill)
	c, _, err := websocket.DefaultDialer.Dial(wstest.WSURL(srv.URL)+"/ingest?session=s1", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	login := model.AppendEvent(nil, model.EvLogin, agent, time.Now().UnixMilli(), 1,
		[]byte(`[{"isLoggedIn":true,"agentId":"`+agent+`"}]`))
	if err := c.WriteMessage(websocket.TextMessage, login); err != nil {
		t.Fatal(err)
	}
	return wstest.WSURL(srv.URL) + "/stream", kill
}

// waitAgent reads messages until one of agent's arrives, and returns its connection number.
func waitAgent(t *testing.T, msgs <-chan Message, agent string) int64 {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		select {
		case m := <-msgs:
			if model.PeekHead(m.Data).AgentID() == agent {
				return m.Origin.Conn
			}
		case <-deadline:
			t.Fatalf("no event of %s", agent)
		}
	}
}

// TestFailoverToTheNextHub: a source given two hubs reads the first; when it dies, the source
// moves to the second (after its backoff), which it reads from its snapshot on as after any
// reconnect, and its status names the hub it is on.
func TestFailoverToTheNextHub(t *testing.T) {
	t.Parallel()
	a, killA := floorHub(t, "a.one")
	b, _ := floorHub(t, "b.two")
	src := NewWebSocket(a+", "+b, WSOptions{Backoff: Backoff{Initial: 50 * time.Millisecond, Max: 200 * time.Millisecond}})
	if st := src.Status(); st.Name != a+" (hub 1 of 2)" {
		t.Errorf("status names %q before connecting, want the first hub", st.Name)
	}
	msgs, _ := run(t, src)
	if conn := waitAgent(t, msgs, "a.one"); conn != 1 {
		t.Errorf("first hub's snapshot on connection %d", conn)
	}
	killA()
	if conn := waitAgent(t, msgs, "b.two"); conn != 2 {
		t.Errorf("second hub's snapshot on connection %d, want 2: a new connection resyncs", conn)
	}
	if st := src.Status(); st.Name != b+" (hub 2 of 2)" || st.State != StateConnected {
		t.Errorf("status after failover: %q %s, want the second hub, connected", st.Name, st.State)
	}
}

func TestSplitStreamURLs(t *testing.T) {
	t.Parallel()
	for in, want := range map[string][]string{
		"ws://a/stream": {"ws://a/stream"},
		"ws://a/stream?agent=x,y, wss://b/stream":        {"ws://a/stream?agent=x,y", "wss://b/stream"},
		"ws://a/stream,ws://b/stream?service=S,T,ws://c": {"ws://a/stream", "ws://b/stream?service=S,T", "ws://c"},
	} {
		if got := SplitStreamURLs(in); strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("SplitStreamURLs(%q) = %q, want %q", in, got, want)
		}
	}
}
