package sim

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/url"
	"sync"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/gorilla/websocket"

	"github.com/deskwatch/deskwatch/internal/broadcast"
)

// bridgeWriteWait bounds writing one message to a hub; a hub that takes longer is left.
const bridgeWriteWait = 10 * time.Second

// bridgeWriteBuffers is shared by every bridge's connection: a write buffer is held only while a
// message is written, so 5,000 idle bridges do not hold 5,000 of them.
var bridgeWriteBuffers sync.Pool

// outEvent is an event a bridge has not had acknowledged yet.
type outEvent struct {
	seq   int64
	data  []byte
	sends int // times written (after a reconnect, sends > 0 means a resend)
}

// bridge is one simulated bridge.js: one agent, one connection at a time, to one of the URLs.
type bridge struct {
	l       *load
	idx     int
	agent   string
	session string

	mu      sync.Mutex
	queue   []outEvent // not yet acknowledged, oldest first
	written int64      // the highest seq written on the current connection
	wake    chan struct{}
}

func newBridge(l *load, idx int, agent string) *bridge {
	var s [12]byte
	for i := range s {
		s[i] = "0123456789abcdef"[rand.IntN(16)]
	}
	return &bridge{l: l, idx: idx, agent: agent, session: string(s[:]), wake: make(chan struct{}, 1)}
}

// push queues a live event and wakes the bridge; a full buffer drops its oldest, as bridge.js does.
func (b *bridge) push(data []byte, seq int64) {
	b.mu.Lock()
	b.queue = append(b.queue, outEvent{seq: seq, data: data})
	if len(b.queue) > bridgeBuffer {
		b.queue = append(b.queue[:0], b.queue[1:]...)
		b.l.n.dropped.Add(1)
	}
	b.mu.Unlock()
	broadcast.Wake(b.wake)
}

func (b *bridge) pending() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.queue)
}

// acked forgets the events up to seq.
func (b *bridge) acked(seq int64) {
	b.mu.Lock()
	n := 0
	for n < len(b.queue) && b.queue[n].seq <= seq && b.queue[n].sends > 0 {
		n++
	}
	b.queue = append(b.queue[:0], b.queue[n:]...)
	b.mu.Unlock()
	b.l.n.acked.Add(int64(n))
}

// due takes the events not written on this connection yet.
func (b *bridge) due(out [][]byte) [][]byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	for i := range b.queue {
		e := &b.queue[i]
		if e.seq <= b.written {
			continue
		}
		if e.sends > 0 {
			b.l.n.resent.Add(1)
		}
		e.sends++
		b.written = e.seq
		out = append(out, e.data)
	}
	return out
}

// run connects, sends, and reconnects with backoff, moving to the next URL each time, until ctx ends.
func (b *bridge) run(ctx context.Context) {
	cfg := &b.l.cfg
	u, attempt, connected := b.idx%len(cfg.URLs), 0, false
	last := -1
	for ctx.Err() == nil {
		conn, err := b.dial(ctx, cfg.URLs[u])
		if err == nil {
			if connected {
				b.l.n.reconnects.Add(1)
				if u != last {
					b.l.n.failovers.Add(1)
				}
			}
			connected, last = true, u
			opened := time.Now()
			b.serve(ctx, conn)
			if time.Since(opened) > 10*time.Second {
				attempt = 0
			}
		} else if ctx.Err() == nil {
			b.l.n.dialErrors.Add(1)
			b.l.warn(cfg.URLs[u], err)
		}
		u = (u + 1) % len(cfg.URLs)
		backoff(ctx, cfg.MinBackoff, cfg.MaxBackoff, attempt)
		attempt++
	}
}

// dial opens a connection as bridge.js does (?session=, ?ack=1, ?token=), within the bound on
// connections being opened at once.
func (b *bridge) dial(ctx context.Context, hub string) (*websocket.Conn, error) {
	select {
	case b.l.dialers <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-b.l.dialers }()
	u, err := url.Parse(hub)
	if err != nil {
		return nil, err
	}
	q := u.Query()
	q.Set("session", b.session)
	q.Set("ack", "1")
	if b.l.cfg.Token != "" {
		q.Set("token", b.l.cfg.Token)
	}
	u.RawQuery = q.Encode()
	d := websocket.Dialer{HandshakeTimeout: 10 * time.Second, ReadBufferSize: 512,
		WriteBufferPool: &bridgeWriteBuffers, WriteBufferSize: 8 << 10}
	dctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	conn, resp, err := d.DialContext(dctx, u.String(), nil)
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	if err != nil && resp != nil {
		err = fmt.Errorf("%w (HTTP %s)", err, resp.Status)
	}
	return conn, err
}

// serve runs one connection: the welcome, then every unacknowledged event, then live events as they
// come, while a reader takes the acknowledgements; it returns when the connection ends.
func (b *bridge) serve(ctx context.Context, conn *websocket.Conn) {
	b.l.n.connects.Add(1)
	b.l.n.connected.Add(1)
	defer b.l.n.connected.Add(-1)
	closed := make(chan struct{})
	go func() {
		defer close(closed)
		b.readAcks(conn)
	}()
	defer func() { conn.Close(); <-closed }()
	b.mu.Lock()
	b.written = 0
	b.mu.Unlock()
	if b.write(conn, b.l.welcome(b.idx)) != nil {
		return
	}
	var batch [][]byte
	for {
		batch = b.due(batch[:0])
		if b.write(conn, batch) != nil {
			return
		}
		select {
		case <-ctx.Done():
			conn.WriteControl(websocket.CloseMessage,
				websocket.FormatCloseMessage(websocket.CloseNormalClosure, "simulation over"), time.Now().Add(time.Second))
			return
		case <-closed:
			return
		case <-b.wake:
		}
	}
}

func (b *bridge) write(conn *websocket.Conn, msgs [][]byte) error {
	for _, m := range msgs {
		conn.SetWriteDeadline(time.Now().Add(bridgeWriteWait))
		if err := conn.WriteMessage(websocket.TextMessage, m); err != nil {
			return err
		}
		b.l.n.sent.Add(1)
	}
	return nil
}

// ackMsg is the hub's acknowledgement (hub/ack.go).
type ackMsg struct {
	Ack     *int64 `json:"ack"`
	AgentID string `json:"agentId"`
}

// readAcks reads the hub's acknowledgements until the connection ends.
func (b *bridge) readAcks(conn *websocket.Conn) {
	for {
		_, data, err := conn.ReadMessage()
		if err != nil {
			return
		}
		var a ackMsg
		if json.Unmarshal(data, &a) != nil || a.Ack == nil {
			continue
		}
		if a.AgentID == b.agent {
			b.acked(*a.Ack)
		}
	}
}
