package feed

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/deskwatch/deskwatch/model"
)

// read delivers the connection's messages until it fails or ctx ends; got reports whether any
// message arrived. Pings go out from a second goroutine; every message and every pong received
// pushes the read deadline back, so a silent peer is noticed within PingInterval+PongTimeout.
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
	extend := func() { _ = conn.SetReadDeadline(time.Now().Add(idle)) }
	extend()
	conn.SetPongHandler(func(string) error { extend(); return nil })
	wg.Add(1)
	go func() {
		defer wg.Done()
		w.ping(conn, done)
	}()

	var msgN int64
	for {
		typ, r, err := conn.NextReader()
		if err != nil {
			return got, readError(ctx, err, idle)
		}
		extend()
		msgN++
		got = true
		m, n, err := w.readMessage(typ, r)
		w.msgs.Add(1)
		w.bytes.Add(n)
		if err != nil {
			return got, readError(ctx, err, idle)
		}
		m.Origin = model.Origin{Source: w.name, Conn: connN, Msg: msgN}
		m.Received = time.Now()
		emit(m)
	}
}

// readMessage reads one message up to the size limit. A binary frame or an oversized message is
// returned with a Problem, so that the pump rejects it and the connection goes on; of an oversized
// one, Data keeps the first KeepOversize bytes (all of it for a recorder, up to OversizeKeep) and
// Size says how large it was. n counts every byte of the message, kept or not.
func (w *WebSocket) readMessage(typ int, r io.Reader) (m Message, n int64, err error) {
	limit := int64(w.opts.MaxMessage)
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	n = int64(len(data))
	if err != nil {
		return Message{}, n, err
	}
	m = Message{Data: data, Binary: typ == websocket.BinaryMessage}
	if n > limit {
		keep := max(int64(w.opts.KeepOversize), 0)
		if keep > n {
			more, err := io.ReadAll(io.LimitReader(r, keep-n))
			data, n = append(data, more...), n+int64(len(more))
			if err != nil {
				return Message{}, n, err
			}
		}
		rest, err := io.Copy(io.Discard, r)
		n += rest
		if err != nil {
			return Message{}, n, err
		}
		m.Data = data[:min(int64(len(data)), keep):min(int64(len(data)), keep)]
		if int64(len(m.Data)) < n {
			m.Size = n
		}
	}
	switch {
	case m.Binary:
		m.Problem = fmt.Sprintf("binary frame (%d bytes); events are text", n)
	case n > limit:
		m.Problem = fmt.Sprintf("message too large (%d bytes; limit %d, --max-message)", n, limit)
	}
	return m, n, nil
}

// ping sends a ping every PingInterval until done is closed.
func (w *WebSocket) ping(conn *websocket.Conn, done <-chan struct{}) {
	t := time.NewTicker(w.opts.PingInterval)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
			if err := conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(wsWriteTimeout)); err != nil {
				return // the read side sees the failure too and reconnects
			}
		}
	}
}
