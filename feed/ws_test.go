package feed

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/deskwatch/deskwatch/internal/e2e"
	"github.com/deskwatch/deskwatch/internal/wstest"
)

// run starts src in the background; it returns the messages channel and a stop function that
// cancels the run and reports how long Run took to return.
func run(t *testing.T, src *WebSocket) (<-chan Message, func() time.Duration) {
	t.Helper()
	msgs := make(chan Message, 1000)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- src.Run(ctx, func(m Message) { msgs <- m }) }()
	var once sync.Once
	var took time.Duration
	stop := func() time.Duration {
		once.Do(func() {
			start := time.Now()
			cancel()
			if err := e2e.Recv(t, done, 5*time.Second, "return of Run after cancel"); !errors.Is(err, context.Canceled) {
				t.Errorf("Run returned %v, want context.Canceled", err)
			}
			took = time.Since(start)
		})
		return took
	}
	t.Cleanup(func() { stop() })
	return msgs, stop
}

func next(t *testing.T, msgs <-chan Message) Message {
	t.Helper()
	return e2e.Recv(t, msgs, 5*time.Second, "message")
}

// waitStatus polls until ok accepts the source's status.
func waitStatus(t *testing.T, src *WebSocket, what string, ok func(Status) bool) Status {
	t.Helper()
	var st Status
	if !e2e.Until(5*time.Second, 5*time.Millisecond, func() bool { st = src.Status(); return ok(st) }) {
		t.Fatalf("status never became %s; last %+v", what, st)
	}
	return st
}

func fast() WSOptions {
	return WSOptions{Backoff: Backoff{Initial: 20 * time.Millisecond, Max: 100 * time.Millisecond}}
}

func TestWebSocketMessagesInOrder(t *testing.T) {
	srv := wstest.Serve(t, false, func(_ int64, c *websocket.Conn) {
		for _, s := range []string{`{"a":1}`, `{"a":2}`, `{"a":3}`} {
			c.WriteMessage(websocket.TextMessage, []byte(s))
		}
		wstest.Drain(c)
	})
	src := NewWebSocket(srv.WS+"/stream?token=s3cret&agent=x", fast())
	msgs, _ := run(t, src)
	for i, want := range []string{`{"a":1}`, `{"a":2}`, `{"a":3}`} {
		m := next(t, msgs)
		if string(m.Data) != want || m.Problem != "" {
			t.Fatalf("message %d = %q problem %q, want %q", i+1, m.Data, m.Problem, want)
		}
		if m.Origin.Conn != 1 || m.Origin.Msg != int64(i+1) {
			t.Errorf("message %d origin %+v, want conn 1 msg %d", i+1, m.Origin, i+1)
		}
		if strings.Contains(m.Origin.Source, "s3cret") || !strings.Contains(m.Origin.Source, "agent=x") {
			t.Errorf("origin source %q: secret shown or other query lost", m.Origin.Source)
		}
		if m.Received.IsZero() {
			t.Error("Received not set")
		}
	}
	st := waitStatus(t, src, "connected with 3 messages", func(s Status) bool {
		return s.State == "connected" && s.Messages == 3
	})
	if st.Bytes != 21 || strings.Contains(st.Name, "s3cret") {
		t.Errorf("status %+v: want 21 bytes and a redacted name", st)
	}
}

// TestWebSocketBinaryAndOversizeRejectedConnectionGoesOn: a binary frame and an oversized message are
// rejected with their connection and message number, the connection goes on, and what is kept of
// an oversized one is its first KeepOversize bytes (OversizePrefix by default), with its size.
func TestWebSocketBinaryAndOversizeRejectedConnectionGoesOn(t *testing.T) {
	big := strings.Repeat("x", 5000)
	srv := wstest.Serve(t, false, func(_ int64, c *websocket.Conn) {
		c.WriteMessage(websocket.BinaryMessage, []byte{1, 2, 3, 4})
		c.WriteMessage(websocket.TextMessage, []byte(`{"ok":1}`))
		c.WriteMessage(websocket.TextMessage, []byte(big))
		c.WriteMessage(websocket.TextMessage, []byte(`{"ok":2}`))
		wstest.Drain(c)
	})
	for _, tc := range []struct {
		name       string
		keep, want int
	}{
		{"default prefix", 0, OversizePrefix},
		{"all of it", 8000, 5000},
		{"a shorter prefix", 3000, 3000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := fast()
			opts.MaxMessage, opts.KeepOversize = 100, tc.keep
			msgs, _ := run(t, NewWebSocket(srv.WS, opts))

			bin := next(t, msgs)
			if bin.Problem != "binary frame (4 bytes); events are text" || bin.Origin.Msg != 1 ||
				!bin.Binary || !bytes.Equal(bin.Data, []byte{1, 2, 3, 4}) {
				t.Errorf("binary frame: %+v", bin)
			}
			if m := next(t, msgs); string(m.Data) != `{"ok":1}` || m.Origin.Msg != 2 || m.Binary {
				t.Errorf("after binary: %q %+v", m.Data, m.Origin)
			}
			over := next(t, msgs)
			if over.Problem != "message too large (5000 bytes; limit 100, --max-message)" || over.Origin.Msg != 3 {
				t.Errorf("oversize: problem %q origin %+v", over.Problem, over.Origin)
			}
			wantSize := int64(5000)
			if tc.want == 5000 {
				wantSize = 0 // all of it kept
			}
			if string(over.Data) != big[:tc.want] || over.Size != wantSize {
				t.Errorf("oversize keeps %d bytes, size %d; want %d, %d", len(over.Data), over.Size, tc.want, wantSize)
			}
			if m := next(t, msgs); string(m.Data) != `{"ok":2}` || m.Origin.Conn != 1 || m.Origin.Msg != 4 {
				t.Errorf("after oversize: %q %+v (want the same connection, msg 4)", m.Data, m.Origin)
			}
		})
	}
}

func TestWebSocketReconnectsAfterServerClose(t *testing.T) {
	srv := wstest.Serve(t, false, func(n int64, c *websocket.Conn) {
		if n == 1 {
			c.WriteMessage(websocket.TextMessage, []byte(`first`))
			c.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseServiceRestart, "restarting"))
			return
		}
		c.WriteMessage(websocket.TextMessage, []byte(`second`))
		wstest.Drain(c)
	})
	opts := fast()
	opts.Backoff = Backoff{Initial: 400 * time.Millisecond, Max: 400 * time.Millisecond}
	src := NewWebSocket(srv.WS, opts)
	msgs, _ := run(t, src)
	if m := next(t, msgs); string(m.Data) != "first" || m.Origin.Conn != 1 {
		t.Fatalf("first message %q %+v", m.Data, m.Origin)
	}
	st := waitStatus(t, src, "lost", func(s Status) bool { return s.State == "lost" })
	if !strings.Contains(st.Detail, "retrying in") || !strings.Contains(st.Detail, "1012 service restart): restarting") {
		t.Errorf("lost detail %q", st.Detail)
	}
	if !st.Down() || !st.DownSince.Equal(st.Since) {
		t.Errorf("lost: down since %v, want since the loss (%v)", st.DownSince, st.Since)
	}
	m := next(t, msgs)
	if string(m.Data) != "second" || m.Origin.Conn != 2 || m.Origin.Msg != 1 {
		t.Errorf("after reconnect %q %+v, want conn 2 msg 1", m.Data, m.Origin)
	}
	st = waitStatus(t, src, "connected again", func(s Status) bool { return s.State == "connected" && s.Detail == "" })
	if st.Down() {
		t.Errorf("connected again, but down since %v", st.DownSince)
	}
}

func TestWebSocketSendsHeadersAndAuth(t *testing.T) {
	got := make(chan http.Header, 2)
	srv := wstest.ServeHTTP(t, false, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.Header.Clone()
		c, err := wstest.Upgrade(w, r)
		if err == nil {
			wstest.Drain(c)
		}
	}))
	base := srv.WS

	h := http.Header{}
	h.Set("Authorization", "Bearer tok-123")
	h.Set("X-Desk", "north")
	h.Set("Origin", "https://desk.example")
	run(t, NewWebSocket(base, WSOptions{Header: h}))
	hd := <-got
	if hd.Get("Authorization") != "Bearer tok-123" || hd.Get("X-Desk") != "north" || hd.Get("Origin") != "https://desk.example" {
		t.Errorf("headers sent: %v", hd)
	}

	src := NewWebSocket(strings.Replace(base, "ws://", "ws://ann:pw%21@", 1), WSOptions{})
	run(t, src)
	hd = <-got
	if hd.Get("Authorization") != "Basic YW5uOnB3IQ==" {
		t.Errorf("user info sent as %q", hd.Get("Authorization"))
	}
	if strings.Contains(src.Status().Name, "pw") {
		t.Errorf("name shows the password: %s", src.Status().Name)
	}
}

func TestWebSocketCancelStopsPromptly(t *testing.T) {
	srv := wstest.Serve(t, false, func(_ int64, c *websocket.Conn) {
		c.WriteMessage(websocket.TextMessage, []byte(`x`))
		wstest.Drain(c)
	})
	src := NewWebSocket(srv.WS, fast())
	msgs, stop := run(t, src)
	next(t, msgs)
	if took := stop(); took > 300*time.Millisecond {
		t.Errorf("cancel while connected took %v", took)
	}
	if st := src.Status(); st.State != "lost" || st.Detail != "stopped" {
		t.Errorf("status after stop %+v", st)
	}

	// Cancelling during a long backoff wait returns at once too.
	src = NewWebSocket("ws://127.0.0.1:1/", WSOptions{Backoff: Backoff{Initial: time.Hour, Max: time.Hour}})
	_, stop = run(t, src)
	waitStatus(t, src, "lost", func(s Status) bool { return s.State == "lost" })
	if took := stop(); took > 300*time.Millisecond {
		t.Errorf("cancel while waiting to retry took %v", took)
	}
}

func TestWebSocketBadURL(t *testing.T) {
	for _, u := range []string{"http://x/", "ws:///path", "://"} {
		err := NewWebSocket(u, WSOptions{}).Run(context.Background(), func(Message) {})
		if err == nil || !strings.Contains(err.Error(), "bad WebSocket URL") {
			t.Errorf("%q: %v", u, err)
		}
	}
}

func TestBackoffDelay(t *testing.T) {
	b := Backoff{Initial: 500 * time.Millisecond, Max: 30 * time.Second}
	for _, tc := range []struct {
		n      int
		r      float64
		lo, hi time.Duration
	}{
		{0, 0, 250 * time.Millisecond, 250 * time.Millisecond},
		{0, 0.999, 499 * time.Millisecond, 500 * time.Millisecond},
		{3, 0.5, 3 * time.Second, 3 * time.Second},
		{10, 0.999, 29 * time.Second, 30 * time.Second},
		{1000, 0, 15 * time.Second, 15 * time.Second},
	} {
		if d := b.Delay(tc.n, tc.r); d < tc.lo || d > tc.hi {
			t.Errorf("Delay(%d, %v) = %v, want %v..%v", tc.n, tc.r, d, tc.lo, tc.hi)
		}
	}
	if d := (Backoff{}).Delay(0, 0); d != 250*time.Millisecond {
		t.Errorf("default first delay %v", d)
	}
}

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"ws://h:1/s":                         "ws://h:1/s",
		"wss://u:pw@h/s":                     "wss://u@h/s",
		"ws://h/s?access_token=abc&desk=n":   "ws://h/s?access_token=REDACTED&desk=n",
		"ws://h/s?API_KEY=abc":               "ws://h/s?API_KEY=REDACTED",
		"ws://h/s?x=\x1b[31m":                "(unparsable URL)",
		"ws://h/s?sig=1&Session=2&password=": "ws://h/s?sig=REDACTED&Session=REDACTED&password=REDACTED",
		// As written: commas stay commas, the order stays.
		"ws://h/s?service=Sales,Billing&agent=a,b&token=x": "ws://h/s?service=Sales,Billing&agent=a,b&token=REDACTED",
		"ws://h/s?to%6Ben=x&a=1":                           "ws://h/s?to%6Ben=REDACTED&a=1",
	} {
		if got := RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
}
