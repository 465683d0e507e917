package hub

import (
	"fmt"
	"time"

	"github.com/gorilla/websocket"
)

// subscribe registers s under the hub's lock, so that the first live event s receives is the first
// one after its snapshot. When the store has not changed since the last snapshot, s shares it at
// once; otherwise a new one is taken (a copy of pointers: nothing is encoded under the lock), at
// most once per snapshotInterval: a monitor that joins sooner waits for the next one with the
// others that join meanwhile. It reports false when the hub is closed.
func (h *Hub) subscribe(s *subscriber) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return false
	}
	h.conns[s.Conn()] = struct{}{}
	if len(h.waiting) > 0 {
		h.waiting = append(h.waiting, s)
		return true
	}
	if h.cur == nil || h.cur.sn.Version != h.store.Version() {
		if wait := h.snapshotInterval - time.Since(h.curAt); wait > 0 {
			h.waiting = append(h.waiting, s)
			time.AfterFunc(wait, h.releaseWaiting)
			return true
		}
		h.takeSnapshotLocked()
	}
	h.registerLocked(s)
	return true
}

// takeSnapshotLocked makes the store's current state the one new monitors get.
func (h *Hub) takeSnapshotLocked() {
	if h.cur == nil || h.cur.sn.Version != h.store.Version() {
		h.cur = &snapEntry{sn: h.store.Snapshot()}
	}
	h.curAt = time.Now()
}

func (h *Hub) registerLocked(s *subscriber) {
	s.entry = h.cur
	h.subs[s] = struct{}{}
	close(s.ready)
}

// releaseWaiting takes one snapshot for every monitor waiting for one.
func (h *Hub) releaseWaiting() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed || len(h.waiting) == 0 {
		return
	}
	h.takeSnapshotLocked()
	for _, s := range h.waiting {
		select {
		case <-s.Done(): // gone while waiting
		default:
			h.registerLocked(s)
		}
	}
	h.waiting = nil
}

func (h *Hub) unsubscribe(s *subscriber) {
	h.mu.Lock()
	delete(h.subs, s)
	delete(h.conns, s.Conn())
	h.mu.Unlock()
	s.Stop(websocket.CloseNormalClosure, "")
}

// describeSnapshot says what s is about to be sent, for its connection's log line.
func (h *Hub) describeSnapshot(s *subscriber) string {
	e := s.entry
	if s.filter.services != nil {
		return fmt.Sprintf("snapshot of version %d, encoded for its filter", e.sn.Version)
	}
	e.build(h)
	n := 0
	for _, a := range e.agents {
		if s.filter.agentPasses(a.id) {
			n += len(a.msgs)
		}
	}
	return fmt.Sprintf("snapshot of %d messages", n)
}
