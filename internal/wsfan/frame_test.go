package wsfan

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// Frames of every length class (7-bit, 16-bit, 64-bit), gathered into batches and written alone,
// mixed with gorilla's own writes, reach a real client whole and in order.
func TestFramesReachTheClientWholeAndInOrder(t *testing.T) {
	t.Parallel()
	s, c := pair(t, Config{Queue: 64, WriteWait: 5 * time.Second, CloseWait: 5 * time.Second})
	sizes := []int{0, 1, 125, 126, 127, 1000, 65535, 65536, batchBytes - 3, batchBytes, 200_000, 5, 5, 5}
	msgs := make([]string, len(sizes))
	for i, n := range sizes {
		msgs[i] = strings.Repeat(string(rune('a'+i%26)), n)
		if o := s.Push(msgs[i], n); o != nil {
			t.Fatalf("push %d: %+v", i, o)
		}
	}
	drained := make(chan error, 1)
	go func() {
		drained <- s.Drain(time.Millisecond, func(m string) error {
			if len(m) == 127 { // one message through gorilla's writer, between gathered frames
				if err := s.Flush(); err != nil {
					return err
				}
				return s.WriteText([]byte(m))
			}
			return s.WriteFrame(Frame([]byte(m)))
		})
	}()
	c.SetPingHandler(func(string) error { // the pings go on until the close: a late pong may fail
		_ = c.WriteControl(websocket.PongMessage, nil, time.Now().Add(time.Second))
		return nil
	})
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	for i, want := range msgs {
		typ, b, err := c.ReadMessage()
		if err != nil || typ != websocket.TextMessage || !bytes.Equal(b, []byte(want)) {
			t.Fatalf("message %d (%d bytes): got type %d, %d bytes, %v", i, len(want), typ, len(b), err)
		}
	}
	s.Stop(websocket.CloseGoingAway, "bye")
	if err := <-drained; err != nil {
		t.Fatalf("drain: %v", err)
	}
	if ce, _ := closeOf(t, c); ce.Code != websocket.CloseGoingAway || ce.Text != "bye" {
		t.Fatalf("close: %v", ce)
	}
}

// A subscriber stopped while its writer keeps writing large batches still ends with a clean close
// frame: the close never lands inside a batch (the client would see a broken frame instead).
func TestStopDuringBatchedWritesClosesCleanly(t *testing.T) {
	t.Parallel()
	for range 20 {
		s, c := pair(t, Config{Queue: 1 << 10, WriteWait: 5 * time.Second, CloseWait: 5 * time.Second})
		frame := Frame(bytes.Repeat([]byte("x"), 3000))
		written := make(chan struct{})
		go func() {
			defer close(written)
			for s.WriteFrame(frame) == nil {
			}
		}()
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		if _, _, err := c.ReadMessage(); err != nil { // the writer is under way
			t.Fatal(err)
		}
		s.Stop(websocket.ClosePolicyViolation, "revoked")
		ce, _ := closeOf(t, c)
		if ce.Code != websocket.ClosePolicyViolation || ce.Text != "revoked" {
			t.Fatalf("close: %v", ce)
		}
		<-written
	}
}

// The deadline of a gathered write is its own: frames written longer than WriteWait after a ping
// (whose deadline gorilla leaves on the connection) still go out.
func TestFramesLongAfterAPingGoOut(t *testing.T) {
	t.Parallel()
	s, c := pair(t, Config{Queue: 4, WriteWait: 100 * time.Millisecond, CloseWait: time.Second})
	go func() { _, _, _ = c.NextReader() }() // reads the ping (a pong goes back)
	if err := s.conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(s.cfg.WriteWait)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(3 * s.cfg.WriteWait)
	if err := s.WriteFrame(Frame([]byte("late"))); err != nil {
		t.Fatal(err)
	}
	if err := s.Flush(); err != nil {
		t.Fatalf("a frame written after the ping's deadline: %v", err)
	}
}

// A write of gathered frames under way when the subscription stops goes out whole before the close
// frame, and none begins after it: the client reads that write's message, then the close (RFC
// 6455: no data frame after a close frame; it went out first before, the write after it).
func TestCloseFrameWaitsForTheWriteUnderWay(t *testing.T) {
	t.Parallel()
	s, c := pair(t, testConfig)
	if !s.beginWrite() {
		t.Fatal("no write could begin on a live subscription")
	}
	s.Stop(websocket.CloseGoingAway, "bye")
	select {
	case <-s.Closed():
		t.Fatal("the close frame went out while a write was under way")
	case <-time.After(200 * time.Millisecond): // not a wait for a condition: the close's chance to go first
	}
	if _, err := s.conn.NetConn().Write(Frame([]byte("last"))); err != nil {
		t.Fatal(err)
	}
	s.endWrite()
	if err := s.writeRaw(Frame([]byte("after"))); !errors.Is(err, errStopped) {
		t.Errorf("a write after Stop: %v; want %v", err, errStopped)
	}
	ce, got := closeOf(t, c)
	if strings.Join(got, ",") != "last" || ce.Code != websocket.CloseGoingAway || ce.Text != "bye" {
		t.Errorf("the client read %q then %v; want [last] then %d bye", got, ce, websocket.CloseGoingAway)
	}
}
