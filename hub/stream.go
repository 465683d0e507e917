package hub

import (
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/deskwatch/deskwatch/internal/wsfan"
	"github.com/deskwatch/deskwatch/model"
)

// outMsg is one message for monitors, framed once however many receive it.
type outMsg struct {
	frame []byte
	size  int
}

func prepare(data []byte) *outMsg {
	return &outMsg{frame: wsfan.Frame(data), size: len(data)}
}

// liveMsg is one applied event as every monitor receives it: shared, never changed but for its
// frame. A monitor with a service filter decides on it (and may cut it down) in its own goroutine.
type liveMsg struct {
	ev   model.Event
	data []byte
	// framed makes msg, data framed once for every monitor that sends it whole, when the first of
	// their writers gets to it (frame): an event no monitor of this hub wants is never framed, and
	// the hub's lock is not held for it.
	framed sync.Once
	msg    *outMsg
	// unnumbered is msg without the agent's seq, for the monitors with a service filter that pass
	// it whole (unnumbered); nil when the message could not be read for it.
	unframed   sync.Once
	unnumbered *outMsg
}

// frame returns m's data framed for monitors.
func (m *liveMsg) frame() *outMsg {
	m.framed.Do(func() { m.msg = prepare(m.data) })
	return m.msg
}

// frameUnnumbered returns m's data without its seq, framed for monitors with a service filter.
func (m *liveMsg) frameUnnumbered() *outMsg {
	m.unframed.Do(func() {
		if data, ok := model.Unnumbered(m.data); ok {
			m.unnumbered = prepare(data)
		}
	})
	return m.unnumbered
}

// subscriber is one monitor on /stream: a fan-out subscriber (its queue filled under the hub's
// lock, with the events of the agents its filter passes, and drained by its own writer goroutine,
// so a slow monitor only ever fills its own queue) with its filter. The writer sends the shared
// snapshot first, then the queue.
type subscriber struct {
	*wsfan.Subscriber[*liveMsg]
	id     int64
	filter *filter // used only by the writer goroutine, apart from the stateless agent check
}

// newSubscriber makes the subscriber of a monitor on conn with filter f.
func (h *Hub) newSubscriber(conn *websocket.Conn, f *filter) *subscriber {
	return &subscriber{id: h.connSeq.Add(1), filter: f,
		Subscriber: wsfan.New[*liveMsg](conn, wsfan.Config{Queue: h.cfg.QueueSize,
			MaxPending: h.cfg.Limits.MaxPendingBytes, WriteWait: writeWait, CloseWait: time.Second})}
}

// slow says how a monitor too slow for its queue is disconnected. The caller holds h.mu.
func (h *Hub) slow(o *wsfan.Overflow) (int, string) {
	h.m.drops.Inc()
	if o.Bytes > 0 {
		return websocket.CloseTryAgainLater, fmt.Sprintf("too slow: %d bytes waiting, over %d (--max-pending-bytes); "+
			"reconnect to resync", o.Bytes, h.cfg.Limits.MaxPendingBytes)
	}
	return websocket.CloseTryAgainLater, fmt.Sprintf("too slow: %d messages waiting; reconnect to resync", o.Messages)
}

func (h *Hub) serveStream(w http.ResponseWriter, r *http.Request) {
	token, grant, ok := h.authorize(w, r, "stream", h.cfg.StreamTokens)
	if !ok {
		return
	}
	q := r.URL.Query()
	since, err := h.parseSince(q, time.Now())
	if err != nil {
		h.refuse(w, r, "stream", "since", http.StatusBadRequest, err.Error(), logText(err.Error()))
		return
	}
	f, err := parseFilter(q)
	if err != nil {
		h.refuse(w, r, "stream", "filter", http.StatusBadRequest, err.Error(), logText(err.Error()))
		return
	}
	if !h.restrictFilter(w, r, f, grant) {
		return
	}
	// A join is counted once it would be served: a request refused above, or not a WebSocket
	// upgrade (refused by the upgrade), spends nothing of its token's allowance.
	if websocket.IsWebSocketUpgrade(r) && !h.admitJoin(w, r, token) {
		return
	}
	if !since.IsZero() {
		h.serveHistory(w, r, f, since, token, grant)
		return
	}
	if !h.waitReady(r.Context()) { // the floor is not caught up with the log yet (log.go)
		return
	}
	conn, release := h.accept(w, r, "stream", token, grant)
	if conn == nil {
		return
	}
	defer release()
	s := h.newSubscriber(conn, f)
	s.Keys = f.agentKeys()
	welcome, ok := h.streams.Subscribe(s.Subscriber)
	if !ok {
		s.Stop(websocket.CloseGoingAway, "hub shutting down")
		return
	}
	defer h.register("stream", s.id, h.cfg.StreamTokens, token, grant, s.Stop)()
	h.m.subscribers.Inc()
	go h.readSubscriber(s)
	var sent int
	select {
	case e := <-welcome:
		h.log.Printf("stream conn %d from %s connected%s%s; %s", s.id, r.RemoteAddr, f.describe(),
			describeGrant(h.cfg.StreamTokens, grant), h.describeSnapshot(s, e))
		sent, err = h.writeSubscriber(s, e)
	case <-s.Done():
		h.log.Printf("stream conn %d from %s connected%s; gone before its snapshot", s.id, r.RemoteAddr, f.describe())
	}
	h.streams.Leave(s.Subscriber)
	s.Stop(websocket.CloseNormalClosure, "")
	h.m.subscribers.Dec()
	_, why := s.Reason()
	if why == "" && err != nil {
		why = err.Error()
	}
	h.log.Printf("stream conn %d closed after %d messages: %s", s.id, sent, logText(why))
}

// streamWriter writes to one monitor, counting what it writes.
type streamWriter struct {
	h    *Hub
	s    *subscriber
	sent int
	// skipped and unfiltered report entries left out of the snapshot and of live events.
	skipped, unfiltered func(string, ...any)
}

func (w *streamWriter) write(m *outMsg) error {
	if err := w.s.WriteFrame(m.frame); err != nil {
		return err
	}
	w.sent++
	w.h.m.messagesOut.Inc()
	w.h.m.bytesOut.Add(float64(m.size))
	return nil
}

// live writes one live event as the monitor's filter decides: the fan queued it by its agent
// (agentKeys), and the agent is asked again here, off the hub's lock, so that no path relies on
// the routing alone. A message the filter cannot cut down is left out (logged and
// counted), never sent whole.
// The message is framed (once for all monitors) when the filter passes it whole.
//
// A monitor with a service filter is sent only some of an agent's events: it gets them without the
// agent's seq (unnumbered), which would show it the others as gaps, lost events, and tell how many
// there were; its snapshot has none either (snapshotEvents).
func (w *streamWriter) live(m *liveMsg) error {
	f := w.s.filter
	if !f.agentPasses(m.ev.AgentID) {
		return nil
	}
	out, ok := []byte(nil), true
	if f.services != nil {
		var err error
		if out, ok, err = f.pass(m.ev, m.data); err != nil {
			w.unfiltered("%s of agent %s left out: filter: %s", logWord(m.ev.Type), logValue(m.ev.AgentID),
				logText(err.Error()))
			return nil
		}
	}
	switch {
	case !ok:
		return nil
	case f.services == nil:
		return w.write(m.frame())
	case out != nil:
		if out, ok = model.Unnumbered(out); ok {
			return w.write(prepare(out))
		}
	case m.frameUnnumbered() != nil:
		return w.write(m.frameUnnumbered())
	}
	w.unfiltered("%s of agent %s left out: its seq could not be taken out", logWord(m.ev.Type), logValue(m.ev.AgentID))
	return nil
}

// snapshot writes the subscriber's snapshot: the shared encoding, or one encoded agent by agent
// for a service filter (so a monitor holds at most one agent's messages of its own).
func (w *streamWriter) snapshot(e *snapEntry) error {
	f := w.s.filter
	if f.services == nil {
		e.build(w.h)
		for _, a := range e.agents {
			if !f.agentPasses(a.id) {
				continue
			}
			if err := w.writeAll(a.msgs); err != nil {
				return err
			}
		}
		return nil
	}
	e.group(w.h)
	b := w.h.snapBudget
	for _, ag := range e.sn.Agents {
		if !f.agentPasses(ag.ID) {
			continue
		}
		rows := e.open[ag.ID]
		n := w.h.agentBound(len(rows))
		if !b.acquire(w.s.Done(), n) {
			return errGoneBeforeSnapshot
		}
		msgs := w.h.encodeAgent(ag, rows, f, w.skipped)
		held := 0
		for _, m := range msgs {
			held += len(m.frame)
		}
		n = b.shrink(n, int64(held)) // while it writes, the monitor holds what it encoded
		err := w.writeAll(msgs)
		b.release(n)
		if err != nil {
			return err
		}
	}
	return nil
}

// errGoneBeforeSnapshot ends a monitor that left while it waited to encode its snapshot.
var errGoneBeforeSnapshot = errors.New("monitor went away while its snapshot waited (the hub's snapshot budget was spent)")

// writeAll writes msgs in order.
func (w *streamWriter) writeAll(msgs []*outMsg) error {
	for _, m := range msgs {
		if err := w.write(m); err != nil {
			return err
		}
	}
	return nil
}

// writeSubscriber sends the snapshot, then queued messages and keepalive pings, until the
// subscription stops or a write fails. It returns how many messages it wrote.
func (h *Hub) writeSubscriber(s *subscriber, e *snapEntry) (int, error) {
	what := fmt.Sprintf("stream conn %d", s.id)
	w := &streamWriter{h: h, s: s, skipped: h.skipLogger(what, "snapshot"), unfiltered: h.skipLogger(what, "filter")}
	if err := w.snapshot(e); err != nil {
		return w.sent, err
	}
	// The snapshot is complete: what the monitor had open that it did not list has ended.
	end := model.AppendEvent(nil, model.EvResyncEnd, "", time.Now().UnixMilli(), model.NoSeq, nil)
	if err := w.write(prepare(end)); err != nil {
		return w.sent, err
	}
	// e is not used past here: the shared snapshot may go once every monitor has sent it.
	err := s.Drain(h.cfg.PingInterval, w.live)
	return w.sent, err
}

// readSubscriber reads (and discards) what a monitor sends, which processes its pongs and close
// frames; a monitor silent for two ping intervals is taken for dead.
func (h *Hub) readSubscriber(s *subscriber) {
	err := s.Read(4096, 2*h.cfg.PingInterval+writeWait)
	reason := "monitor went away"
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		reason = fmt.Sprintf("monitor closed (%d %s)", ce.Code, model.Sanitize(ce.Text))
	} else if !errors.Is(err, websocket.ErrCloseSent) {
		reason = "read: " + err.Error()
	}
	s.Stop(websocket.CloseNormalClosure, reason)
}
