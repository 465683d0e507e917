package hub

import (
	"strconv"
	"sync"
	"time"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/gorilla/websocket"

	"github.com/deskwatch/deskwatch/internal/broadcast"
	"github.com/deskwatch/deskwatch/internal/wsfan"
)

// Bounds on the acknowledgements waiting to be written to one bridge (README, "Hub limits").
// An agent the bridge may publish for (its bound token's agents; without a bound token, those
// admitted under --max-agents-per-bridge) always has its ack recorded. Acks for other agents
// (messages refused as agent_not_allowed, oversize messages naming any agentId) are recorded only
// while fewer than maxForeignAcks acks wait, and only for an agentId of at most maxForeignAckID
// bytes: such a message is sent again after a reconnect and refused again.
const (
	maxForeignAcks  = 64
	maxForeignAckID = 256
	// maxKeptAck bounds the room for one ack a bridge's writer keeps between acks.
	maxKeptAck = 512
)

// acker tells a bridge which events arrived, so it can forget them: only events not acknowledged
// are sent again after a reconnect. It writes from its own goroutine, coalescing to the latest seq
// per agent, so a bridge that does not read never blocks the hub reading from it. A bridge that
// asked for acks and does not read them is closed once a write times out (writeWait).
type acker struct {
	conn *websocket.Conn
	// mayPublish reports whether the bridge may publish for an agent; ack calls it, from the
	// goroutine reading the bridge, which owns what it reads.
	mayPublish func(agent string) bool
	// fail is called once, from the writer, when a write fails before the acker is stopped.
	fail func(err error)

	mu     sync.Mutex
	latest map[string]int64
	spare  map[string]int64 // the writer's: the map it wrote last, emptied, latest's next turn
	buf    []byte           // the writer's: the last ack it wrote, its room reused
	err    error            // why the writer stopped; once set, ack records nothing more
	peak   int              // the most acks that waited at once, for tests and the log

	wake chan struct{}
	done chan struct{}
}

func newAcker(conn *websocket.Conn, mayPublish func(string) bool, fail func(error)) *acker {
	a := &acker{conn: conn, mayPublish: mayPublish, fail: fail, latest: make(map[string]int64),
		wake: make(chan struct{}, 1), done: make(chan struct{})}
	go a.run()
	return a
}

// ackMsg is what the hub sends a bridge: every event of agentId up to seq Ack has arrived.
type ackMsg struct {
	Ack     int64  `json:"ack"`
	AgentID string `json:"agentId"`
}

// ack records that agentID's events up to seq arrived, within the bounds above. It does nothing
// once the writer has stopped. Only the goroutine reading the bridge calls it.
func (a *acker) ack(agentID string, seq int64) {
	a.mu.Lock()
	if a.err != nil {
		a.mu.Unlock()
		return
	}
	prev, pending := a.latest[agentID]
	if !pending && !a.mayPublish(agentID) &&
		(len(a.latest) >= maxForeignAcks || len(agentID) > maxForeignAckID) {
		a.mu.Unlock()
		return
	}
	if !pending || seq > prev {
		a.latest[agentID] = seq
	}
	a.peak = max(a.peak, len(a.latest))
	a.mu.Unlock()
	broadcast.Wake(a.wake)
}

// timedOut reports whether the writer stopped because the bridge did not read its acks.
func (a *acker) timedOut() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return wsfan.IsTimeout(a.err)
}

// pending returns how many acks wait now and the most that waited at once.
func (a *acker) pending() (now, peak int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.latest), a.peak
}

func (a *acker) stop() { close(a.done) }

func (a *acker) run() {
	for {
		select {
		case <-a.done:
			return
		case <-a.wake:
		}
		next := a.spare
		if next == nil {
			next = make(map[string]int64)
		}
		a.mu.Lock()
		pending := a.latest
		a.latest = next
		a.mu.Unlock()
		err := a.write(pending)
		clear(pending)
		a.spare = pending // the writer's own: latest of the next turn
		if err != nil {
			a.mu.Lock()
			a.err = err
			a.latest = nil
			a.mu.Unlock()
			select {
			case <-a.done: // the connection is ending anyway
			default:
				a.fail(err)
			}
			return
		}
	}
}

func (a *acker) write(pending map[string]int64) error {
	for agent, seq := range pending {
		msg, err := appendAck(a.buf[:0], seq, agent)
		if err != nil {
			continue // an agentId that is not valid UTF-8: the bridge cannot match it anyway
		}
		if a.buf = msg; cap(msg) > maxKeptAck {
			a.buf = nil // a long agentId's: not kept for every connection
		}
		_ = a.conn.SetWriteDeadline(time.Now().Add(writeWait))
		if err := a.conn.WriteMessage(websocket.TextMessage, msg); err != nil {
			return err
		}
	}
	return nil
}

// appendAck appends the JSON of ackMsg{Ack: seq, AgentID: agent} to b, as json.Marshal writes it
// (each bridge's acks are written one at a time: this is on the hub's hot path); it fails for an
// agent that is not valid UTF-8.
func appendAck(b []byte, seq int64, agent string) ([]byte, error) {
	b = strconv.AppendInt(append(b, `{"ack":`...), seq, 10)
	b, err := jsontext.AppendQuote(append(b, `,"agentId":`...), agent)
	return append(b, '}'), err
}

// mayPublish reports whether the bridge may publish for agent: its bound token's agents, or
// without one the agents admitted under the per-bridge cap. Called only by the bridge's reader.
func (b *bridgeConn) mayPublish(agent string) bool {
	if b.grant != nil && b.grant.agents != nil {
		return b.grant.agents[agent]
	}
	return b.agents[agent]
}

// dropAckReader closes a bridge whose acknowledgements could not be written, which ends its
// reader. A bridge that asked for them (?ack=1) and does not read them is logged and sent close
// code 1013; a connection that broke is just closed (its reader says why).
func (h *Hub) dropAckReader(b *bridgeConn, err error) {
	if !wsfan.IsTimeout(err) {
		b.closer.Stop(0, "")
		return
	}
	_, peak := b.acks.pending()
	h.log.Printf("ingest conn %d: closing: acknowledgements not read for %s (the bridge asked for them "+
		"with ?ack=1): %s; at most %d acks waited at once", b.id, writeWait, logText(err.Error()), peak)
	b.closer.Stop(websocket.CloseTryAgainLater, "acknowledgements not read")
}
