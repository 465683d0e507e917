package wsfan

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/deskwatch/deskwatch/internal/wstest"
)

// pair returns a subscriber on the server side of a loopback WebSocket and the client's end.
func pair(t *testing.T, cfg Config) (*Subscriber[string], *websocket.Conn) {
	t.Helper()
	subs := make(chan *Subscriber[string], 1)
	up := websocket.Upgrader{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		subs <- New[string](conn, cfg)
	}))
	t.Cleanup(srv.Close)
	client, _, err := websocket.DefaultDialer.Dial(wstest.WSURL(srv.URL), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	s := <-subs
	t.Cleanup(func() { s.Stop(0, "") })
	return s, client
}

var testConfig = Config{Queue: 4, WriteWait: 5 * time.Second, CloseWait: 5 * time.Second}

// closeOf reads until the connection ends and returns the close frame's error.
func closeOf(t *testing.T, c *websocket.Conn) (*websocket.CloseError, []string) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	var got []string
	for {
		_, b, err := c.ReadMessage()
		if err != nil {
			var ce *websocket.CloseError
			if !errors.As(err, &ce) {
				t.Fatalf("read: %v, want a close frame", err)
			}
			return ce, got
		}
		got = append(got, string(b))
	}
}

func send(s *Subscriber[string]) func(string) error {
	return func(m string) error { return s.WriteText([]byte(m)) }
}

func TestQueuedMessagesArriveInOrderThenTheClose(t *testing.T) {
	t.Parallel()
	s, c := pair(t, testConfig)
	for _, m := range []string{"a", "b", "c"} {
		if o := s.Push(m, len(m)); o != nil {
			t.Fatalf("push %s: %+v", m, o)
		}
	}
	drained := make(chan error, 1)
	go func() { drained <- s.Drain(0, send(s)) }()
	for _, want := range []string{"a", "b", "c"} {
		_, b, err := c.ReadMessage()
		if err != nil || string(b) != want {
			t.Fatalf("got %q, %v; want %q", b, err, want)
		}
	}
	s.Stop(websocket.CloseGoingAway, "bye")
	if err := <-drained; err != nil {
		t.Errorf("Drain after Stop: %v", err)
	}
	ce, _ := closeOf(t, c)
	if ce.Code != websocket.CloseGoingAway || ce.Text != "bye" {
		t.Errorf("close %d %q, want %d bye", ce.Code, ce.Text, websocket.CloseGoingAway)
	}
}

func TestFullQueueSaysSoAndTheDropCarriesItsCode(t *testing.T) {
	t.Parallel()
	s, c := pair(t, testConfig)
	for i := range 4 {
		if o := s.Push("m", 1); o != nil {
			t.Fatalf("push %d: %+v", i, o)
		}
	}
	o := s.Push("m", 1)
	if o == nil || o.Messages != 4 || o.Bytes != 0 {
		t.Fatalf("fifth push: %+v, want the queue of 4 full", o)
	}
	s.Stop(websocket.CloseTryAgainLater, "too slow")
	ce, got := closeOf(t, c)
	if ce.Code != websocket.CloseTryAgainLater || ce.Text != "too slow" {
		t.Errorf("close %d %q", ce.Code, ce.Text)
	}
	if len(got) != 0 {
		t.Errorf("nobody drained, yet the client got %q", got)
	}
}

func TestPendingBytesAreCapped(t *testing.T) {
	t.Parallel()
	s, _ := pair(t, Config{Queue: 100, MaxPending: 10, WriteWait: time.Second, CloseWait: time.Second})
	if o := s.Push("123456", 6); o != nil {
		t.Fatalf("first push: %+v", o)
	}
	o := s.Push("12345", 5)
	if o == nil || o.Bytes != 11 || o.Messages != 0 {
		t.Fatalf("second push: %+v, want 11 bytes over the cap", o)
	}
}

func TestDrainGivesBackTheBytesItSent(t *testing.T) {
	t.Parallel()
	s, c := pair(t, Config{Queue: 100, MaxPending: 10, WriteWait: 5 * time.Second, CloseWait: time.Second})
	go func() { _ = s.Drain(0, send(s)) }()
	for i := range 20 { // 120 bytes in all, never more than 6 waiting
		if o := s.Push("123456", 6); o != nil {
			t.Fatalf("push %d: %+v", i, o)
		}
		if _, _, err := c.ReadMessage(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestStopOnceTheFirstReasonWins(t *testing.T) {
	t.Parallel()
	s, c := pair(t, testConfig)
	s.Stop(websocket.ClosePolicyViolation, "first")
	s.Stop(websocket.CloseNormalClosure, "second")
	<-s.Done()
	if code, why := s.Reason(); code != websocket.ClosePolicyViolation || why != "first" {
		t.Errorf("Reason() = %d %q", code, why)
	}
	if err := s.WriteText([]byte("late")); err == nil {
		t.Error("a write after Stop succeeded")
	}
	ce, _ := closeOf(t, c)
	if ce.Code != websocket.ClosePolicyViolation || ce.Text != "first" {
		t.Errorf("close %d %q", ce.Code, ce.Text)
	}
}

func TestReadDrainsControlFramesAndEndsOnTheClientsClose(t *testing.T) {
	t.Parallel()
	s, c := pair(t, testConfig)
	read := make(chan error, 1)
	go func() { read <- s.Read(4096, time.Minute) }()
	pongs := make(chan struct{}, 1)
	c.SetPongHandler(func(string) error {
		select {
		case pongs <- struct{}{}:
		default:
		}
		return nil
	})
	go func() { _, _, _ = c.ReadMessage() }() // the client's reader runs its pong handler
	if err := c.WriteControl(websocket.PingMessage, []byte("hi"), time.Now().Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	go func() { _ = s.Drain(20*time.Millisecond, send(s)) }() // pings, which the client answers
	select {
	case <-pongs: // the subscriber's reader answered the client's ping, or the client got one back
	case <-time.After(10 * time.Second):
		t.Fatal("no pong")
	}
	if err := c.WriteMessage(websocket.TextMessage, []byte("ignored")); err != nil {
		t.Fatal(err)
	}
	msg := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "leaving")
	if err := c.WriteControl(websocket.CloseMessage, msg, time.Now().Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	var ce *websocket.CloseError
	if err := ended(t, read); !errors.As(err, &ce) || ce.Text != "leaving" {
		t.Errorf("Read ended with %v, want the client's close", err)
	}
}

func TestReadLimitEndsAnOversizedMessage(t *testing.T) {
	t.Parallel()
	s, c := pair(t, testConfig)
	read := make(chan error, 1)
	go func() { read <- s.Read(16, 0) }()
	if err := c.WriteMessage(websocket.TextMessage, []byte(strings.Repeat("x", 100))); err != nil {
		t.Fatal(err)
	}
	if err := ended(t, read); !errors.Is(err, websocket.ErrReadLimit) {
		t.Errorf("Read ended with %v, want ErrReadLimit", err)
	}
}

// ended waits for Read to end and returns why.
func ended(t *testing.T, read <-chan error) error {
	t.Helper()
	select {
	case err := <-read:
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("Read did not end")
		return nil
	}
}
