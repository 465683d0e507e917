package hub

import (
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/deskwatch/deskwatch/model"
)

// outMsg is one message for monitors, framed once however many receive it.
type outMsg struct {
	pm   *websocket.PreparedMessage
	size int
}

func prepare(data []byte) *outMsg {
	pm, err := websocket.NewPreparedMessage(websocket.TextMessage, data)
	if err != nil {
		return nil // only fails for invalid message types
	}
	return &outMsg{pm: pm, size: len(data)}
}

// subscriber is one monitor on /stream: a bounded queue filled under the hub's lock and drained by
// the subscriber's own writer goroutine, so a slow monitor only ever fills its own queue.
type subscriber struct {
	id     int64
	conn   *websocket.Conn
	filter *filter
	prefix []*outMsg
	queue  chan *outMsg

	once   sync.Once
	done   chan struct{}
	code   int
	reason string
}

func (s *subscriber) push(m *outMsg) bool {
	select {
	case s.queue <- m:
		return true
	default:
		return false
	}
}

// stop ends the subscription with a close code and reason. The close frame is sent with a short
// deadline and the connection then closed, which also unblocks a writer stuck on a full socket.
func (s *subscriber) stop(code int, reason string) {
	s.once.Do(func() {
		s.code, s.reason = code, reason
		close(s.done)
		go func() {
			_ = s.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason),
				time.Now().Add(time.Second))
			_ = s.conn.Close()
		}()
	})
}

// dropLocked disconnects a subscriber whose queue is full. The caller holds h.mu.
func (h *Hub) dropLocked(s *subscriber) {
	delete(h.subs, s)
	h.m.drops.Inc()
	s.stop(websocket.CloseTryAgainLater,
		fmt.Sprintf("too slow: %d messages waiting; reconnect to resync", cap(s.queue)))
}

func (h *Hub) serveStream(w http.ResponseWriter, r *http.Request) {
	token, grant, ok := h.authorize(w, r, "stream", h.cfg.StreamTokens)
	if !ok {
		return
	}
	f, err := parseFilter(r.URL.Query())
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if !h.restrictFilter(w, r, f, grant) {
		return
	}
	conn, err := h.upgrader.Upgrade(w, r, nil)
	if err != nil {
		h.m.refused.WithLabelValues("stream", "upgrade").Inc()
		h.log.Printf("stream from %s refused: %v", r.RemoteAddr, err)
		return
	}
	s := &subscriber{id: h.connSeq.Add(1), conn: conn, filter: f,
		queue: make(chan *outMsg, h.cfg.QueueSize), done: make(chan struct{})}
	if !h.subscribe(s) {
		_ = conn.WriteControl(websocket.CloseMessage,
			websocket.FormatCloseMessage(websocket.CloseGoingAway, "hub shutting down"), time.Now().Add(time.Second))
		_ = conn.Close()
		return
	}
	defer h.register("stream", s.id, h.cfg.StreamTokens, token, grant, s.stop)()
	h.m.subscribers.Inc()
	h.log.Printf("stream conn %d from %s connected%s%s; snapshot of %d messages", s.id, r.RemoteAddr,
		f.describe(), describeGrant(h.cfg.StreamTokens, grant), len(s.prefix))
	go h.readSubscriber(s)
	sent, err := h.writeSubscriber(s)
	h.unsubscribe(s)
	h.m.subscribers.Dec()
	why := s.reason
	if why == "" && err != nil {
		why = err.Error()
	}
	h.log.Printf("stream conn %d closed after %d messages: %s", s.id, sent, why)
}

// subscribe takes the snapshot and registers s in one step under the hub's lock, so that the
// first live event s receives is the first one after its snapshot.
func (h *Hub) subscribe(s *subscriber) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return false
	}
	for _, data := range resyncMessages(h.store.Snapshot(), s.filter) {
		if m := prepare(data); m != nil {
			s.prefix = append(s.prefix, m)
		}
	}
	h.subs[s] = struct{}{}
	h.conns[s.conn] = struct{}{}
	return true
}

func (h *Hub) unsubscribe(s *subscriber) {
	h.mu.Lock()
	delete(h.subs, s)
	delete(h.conns, s.conn)
	h.mu.Unlock()
	s.stop(websocket.CloseNormalClosure, "")
}

// writeSubscriber sends the snapshot, then queued messages and keepalive pings, until the
// subscription stops or a write fails. It returns how many messages it wrote.
func (h *Hub) writeSubscriber(s *subscriber) (int, error) {
	sent := 0
	write := func(m *outMsg) error {
		_ = s.conn.SetWriteDeadline(time.Now().Add(writeWait))
		if err := s.conn.WritePreparedMessage(m.pm); err != nil {
			return err
		}
		sent++
		h.m.messagesOut.Inc()
		h.m.bytesOut.Add(float64(m.size))
		return nil
	}
	for _, m := range s.prefix {
		if err := write(m); err != nil {
			return sent, err
		}
	}
	s.prefix = nil
	ping := time.NewTicker(h.cfg.PingInterval)
	defer ping.Stop()
	for {
		select {
		case <-s.done:
			return sent, nil
		case m := <-s.queue:
			if err := write(m); err != nil {
				return sent, err
			}
		case <-ping.C:
			if err := s.conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(writeWait)); err != nil {
				return sent, err
			}
		}
	}
}

// readSubscriber reads (and discards) what a monitor sends, which processes its pongs and close
// frames; a monitor silent for two ping intervals is taken for dead.
func (h *Hub) readSubscriber(s *subscriber) {
	s.conn.SetReadLimit(4096)
	deadline := func() time.Time { return time.Now().Add(2*h.cfg.PingInterval + writeWait) }
	_ = s.conn.SetReadDeadline(deadline())
	s.conn.SetPongHandler(func(string) error { return s.conn.SetReadDeadline(deadline()) })
	for {
		if _, _, err := s.conn.ReadMessage(); err != nil {
			reason := "monitor went away"
			var ce *websocket.CloseError
			if errors.As(err, &ce) {
				reason = fmt.Sprintf("monitor closed (%d %s)", ce.Code, model.Sanitize(ce.Text))
			} else if !errors.Is(err, websocket.ErrCloseSent) {
				reason = "read: " + err.Error()
			}
			s.stop(websocket.CloseNormalClosure, reason)
			return
		}
		_ = s.conn.SetReadDeadline(deadline())
	}
}
