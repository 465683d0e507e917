package feed

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/deskwatch/deskwatch/internal/wsfan"
	"github.com/deskwatch/deskwatch/model"
)

// read delivers the connection's messages until it fails or ctx ends; got reports whether any
// message arrived. Pings go out from a second goroutine; every message and every pong received
// pushes the read deadline back, so a silent peer is noticed within PingInterval+PongTimeout. A
// message has MessageTimeout to arrive, which no pong pushes back: one still arriving then (an
// endless message dripped in fragments) is rejected, and the connection dropped.
func (w *WebSocket) read(ctx context.Context, conn *websocket.Conn, connN int64, emit Emit) (got bool, err error) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	defer func() {
		close(done)
		conn.Close()
		wg.Wait()
	}()
	// Cancelling says goodbye and closes the connection, which unblocks the read below.
	stop := context.AfterFunc(ctx, func() {
		_ = conn.WriteControl(websocket.CloseMessage,
			websocket.FormatCloseMessage(websocket.CloseGoingAway, "monitor stopped"), time.Now().Add(250*time.Millisecond))
		conn.Close()
	})
	defer stop()

	idle := w.opts.PingInterval + w.opts.PongTimeout
	dl := wsfan.NewDeadline(conn, idle, w.opts.MessageTimeout)
	wg.Add(1)
	go func() {
		defer wg.Done()
		wsfan.Ping(conn, w.opts.PingInterval, wsWriteTimeout, done)
	}()

	var msgN int64
	for {
		dl.Idle()
		typ, r, err := conn.NextReader()
		if err != nil {
			return got, readError(ctx, err, idle)
		}
		dl.Arriving()
		msgN++
		w.msgs.Add(1)
		m, err := w.readMessage(typ, r, dl.MessageTimedOut)
		m.Origin = model.Origin{Source: w.name, Conn: connN, Msg: msgN}
		m.Received = time.Now()
		if err == nil || m.Problem != "" {
			emit(m) // a message cut short is emitted when it is known to be rejected anyway
		}
		if err != nil {
			// A message abandoned (endless, too slow) does not make the connection healthy: a
			// server that sends one per connection is retried with backoff, not at once.
			return got, w.messageError(ctx, err, idle, msgN)
		}
		got = true
	}
}

// Reasons a message is abandoned before its end: the connection is dropped after them.
var (
	errMessageTimeout = errors.New("message timeout")
	errMessageEndless = wsfan.ErrTooLong
)

// messageError explains why a connection ended in the middle of message msgN.
func (w *WebSocket) messageError(ctx context.Context, err error, idle time.Duration, msgN int64) error {
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case errors.Is(err, errMessageTimeout):
		return fmt.Errorf("message %d was still arriving after %s (--message-timeout); dropped the connection",
			msgN, w.opts.MessageTimeout)
	case errors.Is(err, errMessageEndless):
		return fmt.Errorf("message %d went on past %d MiB (16 times --max-message, at least 16 MiB); "+
			"dropped the connection", msgN, oversizeReadMax(w.opts.MaxMessage)>>20)
	}
	return readError(ctx, err, idle)
}

// readMessage reads one message up to the size limit. A binary frame or an oversized message is
// returned with a Problem, so that the pump rejects it and the connection goes on; of an oversized
// one, Data keeps the first KeepOversize bytes and Size says how large it was, the rest being read
// and discarded, up to oversizeReadMax. Every byte read is counted in the status as it arrives.
//
// A message whose read fails with what timedOut reports as the message's own deadline fails
// with errMessageTimeout, and one that goes on past
// oversizeReadMax with errMessageEndless; both are returned with a Problem, to be rejected. Other
// errors return a Problem only when the message was already known to be oversized.
func (w *WebSocket) readMessage(typ int, r io.Reader, timedOut func(error) bool) (m Message, err error) {
	cr := &countingReader{r: r, total: &w.bytes}
	limit := int64(w.opts.MaxMessage)
	m.Binary = typ == websocket.BinaryMessage
	m.Data, _, err = wsfan.ReadMessage(cr, limit, int64(w.opts.KeepOversize), oversizeReadMax(int(limit)))
	n := cr.n
	switch {
	case err != nil && timedOut(err):
		m.Problem = fmt.Sprintf("message still arriving after %s (%d bytes so far; --message-timeout); abandoned",
			w.opts.MessageTimeout, n)
		err = errMessageTimeout
	case errors.Is(err, errMessageEndless):
		m.Problem = fmt.Sprintf("message too large (over %d bytes; limit %d, --max-message); abandoned", n, limit)
	case err != nil && n > limit:
		m.Problem = fmt.Sprintf("message too large (%d bytes and more before the connection ended; limit %d, "+
			"--max-message)", n, limit)
	case err != nil:
		return Message{}, err
	case m.Binary:
		m.Problem = fmt.Sprintf("binary frame (%d bytes); events are text", n)
	case n > limit:
		m.Problem = fmt.Sprintf("message too large (%d bytes; limit %d, --max-message)", n, limit)
	}
	if m.Problem != "" {
		m = w.cut(m)
	}
	if int64(len(m.Data)) < n {
		m.Size = n
	}
	return m, err
}

// cut keeps the first KeepOversize bytes of m.Data, in a slice of their own size.
func (w *WebSocket) cut(m Message) Message {
	if keep := w.opts.KeepOversize; len(m.Data) > keep {
		m.Data = bytes.Clone(m.Data[:keep])
	}
	return m
}

// countingReader counts what it reads, in n and, as it arrives, in total (a WebSocket's bytes for
// the status line; a replay's bytes read, for what a stop left unapplied).
type countingReader struct {
	r     io.Reader
	n     int64
	total *atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	c.total.Add(int64(n))
	return n, err
}
