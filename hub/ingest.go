package hub

import (
	"errors"
	"fmt"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/gorilla/websocket"
	"golang.org/x/time/rate"

	"github.com/deskwatch/deskwatch/internal/wsfan"
	"github.com/deskwatch/deskwatch/model"
)

// maxLoggedRejections bounds the log lines one bridge connection can cause with bad messages.
const maxLoggedRejections = 100

// bridgeConn is one bridge on /ingest.
type bridgeConn struct {
	id      int64
	conn    *websocket.Conn
	closer  *wsfan.Closer // ends conn once, with a close frame (a revoked token, acks not read, Close)
	remote  string
	session string // the page load the bridge runs in (?session=), for telling resent events apart
	agentID string // the last agentId seen, for the log

	msgs, rejected, dups int64
	warned               int64           // messages accepted with a warning (logged up to maxLoggedRejections)
	acks                 *acker          // nil unless the bridge asked for acknowledgements (?ack=1)
	grant                *grant          // what its token allows; nil without ingest tokens (auth.go)
	agents               map[string]bool // the agents this connection sent events for (limits.go)
	desk                 map[string]bool // the agents it counts as publishing for (desktop.go)
	rate                 *rate.Limiter   // its bytes a second (throttle.go)
	throttled            bool            // it was once read slower for sending faster (logged once)
}

// maxSessionBytes bounds a bridge's ?session= (the bridge's are 20-odd characters).
const maxSessionBytes = 256

func (h *Hub) serveIngest(w http.ResponseWriter, r *http.Request) {
	token, grant, ok := h.authorize(w, r, "ingest", h.cfg.IngestTokens)
	if !ok {
		return
	}
	q := r.URL.Query()
	if s := q.Get("session"); len(s) > maxSessionBytes {
		// It is stored with every event of the connection in the log, and with its agents.
		h.refuse(w, r, "ingest", "session", http.StatusBadRequest, fmt.Sprintf("?session= over %d bytes", maxSessionBytes),
			fmt.Sprintf("?session= of %d bytes, over the limit of %d: %s", len(s), maxSessionBytes, logValue(s)))
		return
	}
	conn, release := h.accept(w, r, "ingest", token, grant)
	if conn == nil {
		return
	}
	defer release()
	closer := wsfan.NewCloser(conn, time.Second)
	if !h.track(closer) {
		closer.Stop(0, "")
		return
	}
	defer h.untrack(closer)
	defer closer.Stop(0, "") // the connection is closed when its reader ends, whatever ended it
	b := &bridgeConn{id: h.connSeq.Add(1), conn: conn, closer: closer, remote: r.RemoteAddr, session: q.Get("session"),
		grant: grant, rate: h.bridgeRate(token, grant)}
	defer h.register("ingest", b.id, h.cfg.IngestTokens, token, grant, closer.Stop)()
	if q.Get("ack") == "1" {
		b.acks = newAcker(conn, b.mayPublish, func(err error) { h.dropAckReader(b, err) })
		defer b.acks.stop()
	}
	h.m.bridges.Inc()
	defer h.m.bridges.Dec()
	h.log.Printf("ingest conn %d from %s connected (session %s, origin %s%s)", b.id, b.remote, logValue(b.session),
		logValue(r.Header.Get("Origin")), describeGrant(h.cfg.IngestTokens, grant))
	err := h.readBridge(b)
	why := closeReason(err, h.isClosed())
	if b.acks != nil && b.acks.timedOut() {
		why = "closed by the hub: acknowledgements not read"
	}
	h.log.Printf("ingest conn %d (agent %s) closed after %d messages (%d rejected, %d duplicates): %s",
		b.id, logValue(b.agentID), b.msgs, b.rejected, b.dups, logText(why))
	h.deskDetach(b, why)
}

// closeReason says why a bridge's connection ended; once the hub has closed it, the read error
// (the connection closed under the reader) says nothing more than that.
func closeReason(err error, hubClosed bool) string {
	var ce *websocket.CloseError
	switch {
	case hubClosed:
		return "hub closing"
	case err == nil:
		return "end of stream"
	case errors.As(err, &ce):
		return strings.TrimSpace(fmt.Sprintf("bridge closed (%d %s", ce.Code, model.Sanitize(ce.Text))) + ")"
	}
	return err.Error()
}

// discardFactor bounds how much of an oversized message the hub reads and throws away, as a
// multiple of MaxMessage, before it gives up on the connection (a sender that never ends a frame).
const discardFactor = 64

// readBridge reads messages until the connection ends, keeping it alive with pings. A message
// larger than MaxMessage is read to its end, rejected and acknowledged, and the connection goes
// on: closing it would make the bridge send the same message again forever.
func (h *Hub) readBridge(b *bridgeConn) error {
	limit := int64(h.cfg.MaxMessage)
	b.conn.SetReadLimit(limit * discardFactor)
	dl := wsfan.NewDeadline(b.conn, 2*h.cfg.PingInterval+writeWait, h.cfg.Limits.MessageTimeout)
	stopPing := make(chan struct{})
	defer close(stopPing)
	go wsfan.Ping(b.conn, h.cfg.PingInterval, writeWait, stopPing)
	var owed int64 // the last message's bytes, spent once its budgets are given back
	for {
		h.throttle(b, owed)
		dl.Idle()
		mt, r, err := b.conn.NextReader()
		if err != nil {
			return err
		}
		dl.Arriving()
		br := h.readerFor(b, r, dl.Arriving)
		data, n, err := wsfan.ReadMessage(br, limit, limit, 0)
		if err != nil || n > limit {
			h.doneReading(br) // nothing of it is handled
		}
		switch {
		case errors.Is(err, websocket.ErrReadLimit):
			h.m.rejected.WithLabelValues("oversize").Inc()
			h.rejectf(b, b.msgs+1, "larger than %d bytes (%d times --max-message); connection closed",
				limit*discardFactor, discardFactor)
			return err
		case err != nil && dl.MessageTimedOut(err):
			h.m.rejected.WithLabelValues("slow-message").Inc()
			h.rejectf(b, b.msgs+1, "still arriving after %s (%d bytes so far; --message-timeout); connection closed",
				h.cfg.Limits.MessageTimeout, n)
			return fmt.Errorf("message %d still arriving after %s", b.msgs+1, h.cfg.Limits.MessageTimeout)
		case err != nil:
			return err
		}
		b.msgs++
		h.m.bytesIn.Add(float64(n))
		owed = n
		if n > limit {
			h.rejectOversize(b, data, n)
			continue
		}
		h.guardedBridgeMessage(b, mt, data)
		h.doneReading(br)
		if stopped(b.closer) {
			// The hub ended the connection (an event the log did not take, a revoked token): what the
			// bridge sent after is not taken either, so that a session's events reach the log in seq
			// order; unacknowledged, they come again after the bridge reconnects.
			if code, reason := b.closer.Reason(); reason != "" {
				return fmt.Errorf("closed by the hub (%d %s)", code, reason)
			}
			return errors.New("closed by the hub")
		}
	}
}

// stopped says whether c's connection was stopped.
func stopped(c *wsfan.Closer) bool {
	select {
	case <-c.Done():
		return true
	default:
		return false
	}
}

// guardedBridgeMessage handles one message; a panic while doing so (a bug in deskwatch) rejects
// that message as an internal error, logs its stack and counts it, and the connection, the other
// bridges and every monitor go on. The hub's and the store's locks are released on the way out.
func (h *Hub) guardedBridgeMessage(b *bridgeConn, mt int, data []byte) {
	defer func() {
		if r := recover(); r != nil {
			h.m.rejected.WithLabelValues("internal").Inc()
			h.rejectf(b, b.msgs, "event caused an internal error (%v); it was skipped", r)
			h.log.Printf("ingest conn %d msg %d: internal error: %s\n%s", b.id, b.msgs, logText(fmt.Sprint(r)),
				debug.Stack())
		}
	}()
	if h.messageHook != nil {
		h.messageHook(data)
	}
	h.handleBridgeMessage(b, mt, data)
}

// rejectOversize logs and counts a message larger than MaxMessage and, when its head names the
// agent and seq (the bridge writes them before params; model.PeekHead reads what it can of the cut
// message), acknowledges it so that the bridge drops
// it rather than resending it after a reconnect. Its seq stays a jump for monitors: it was lost.
func (h *Hub) rejectOversize(b *bridgeConn, head []byte, n int64) {
	h.m.rejected.WithLabelValues("oversize").Inc()
	hd := model.PeekHead(head)
	what := "not acknowledged (no seq before params)"
	if hd.HasSeq && b.acks != nil {
		b.acks.ack(hd.AgentID(), hd.Seq)
		what = fmt.Sprintf("seq %d acknowledged", hd.Seq)
	} else if hd.HasSeq {
		what = fmt.Sprintf("seq %d", hd.Seq)
	}
	h.rejectf(b, b.msgs, "%d bytes, larger than the limit of %d (--max-message); skipped, %s", n,
		h.cfg.MaxMessage, what)
}

// decodeBytes bounds the bytes of bridges' messages decoding at once. Decoding takes up to about 200
// times a message's bytes while it runs (lists within or past the decoder's bounds:
// BenchmarkDecodeLists), and every bridge connection decodes in its own goroutine: two thousand
// bridges sending messages at once, of any size, would make the hub hold that many times 200. A
// message larger than the budget takes it whole; the usual ones, a few KB, do not wait unless the
// budget is spent.
const decodeBytes = 2 << 20

// decodeBridge decodes a bridge's message within the budget of messages decoding at once.
func (h *Hub) decodeBridge(data []byte) (model.Event, error) {
	n := min(max(int64(len(data)), 1), h.decodes.size)
	h.decodes.acquire(nil, n)
	defer h.decodes.release(n)
	return model.Decode(data)
}

func (h *Hub) handleBridgeMessage(b *bridgeConn, mt int, data []byte) {
	if mt != websocket.TextMessage {
		h.m.rejected.WithLabelValues("binary").Inc()
		h.rejectf(b, b.msgs, "binary frame (want one JSON event per text message)")
		return
	}
	ev, err := h.decodeBridge(data)
	if err != nil {
		h.m.rejected.WithLabelValues("invalid").Inc()
		h.rejectf(b, b.msgs, "%v", err)
		return
	}
	switch ev.Type {
	case model.EvDesktop, model.EvResyncEnd, model.EvSkipped, model.EvReclaimed:
		h.m.rejected.WithLabelValues("invalid").Inc()
		h.rejectf(b, b.msgs, "%s is the hub's own event; a bridge may not send it", ev.Type)
		return
	}
	if !h.agentAllowed(b, ev) {
		return
	}
	if ev.AgentID != "" {
		b.agentID = ev.AgentID
	}
	if len(ev.Warnings) > 0 {
		if b.warned++; b.warned <= maxLoggedRejections {
			h.log.Printf("ingest conn %d msg %d (agent %s) accepted with a warning: %s", b.id, b.msgs,
				logValue(b.agentID), logText(strings.Join(ev.Warnings, "; ")))
		}
	}
	if ev.Repaired != nil {
		data = ev.Repaired // its text repaired (invalid UTF-8): monitors and snapshots get valid JSON
	}
	applied, err := false, h.admitBridge(b, ev.AgentID)
	if err == nil {
		err = h.admitSize(ev, len(data))
	}
	if err == nil {
		applied, err = h.publish(b.session, data, ev)
	}
	var notStored *errNotStored
	switch {
	case errors.As(err, &notStored):
		h.notStored(b, err)
		return
	case err != nil:
		h.rejectLimit(b, ev, err)
		h.skipped(b, ev, err)
	case applied:
		h.m.eventsIn.Inc()
	default:
		b.dups++
		h.m.duplicates.Inc()
	}
	if err == nil {
		h.deskAttach(b, ev)
	}
	// An agent refused by the cap gets no ack: the acks waiting for a bridge that does not read
	// stay bounded by its admitted agents.
	if b.acks != nil && ev.HasSeq && (err == nil || b.agents[ev.AgentID]) {
		b.acks.ack(ev.AgentID, ev.Seq)
	}
}

// rejectf logs a rejected message with its connection and message number (1-based), the first
// maxLoggedRejections times per connection. The reason is cut and sanitized (logText): it may
// carry what the peer sent.
func (h *Hub) rejectf(b *bridgeConn, msg int64, format string, args ...any) {
	h.rejectLine(b, msg, "agent "+logValue(b.agentID), fmt.Sprintf(format, args...))
}

// rejectLine is rejectf's line, who naming the agent (and the event's seq: rejectLimit).
func (h *Hub) rejectLine(b *bridgeConn, msg int64, who, text string) {
	b.rejected++
	switch {
	case b.rejected <= maxLoggedRejections:
		h.log.Printf("ingest conn %d msg %d (%s) rejected: %s", b.id, msg, who, logText(text))
	case b.rejected == maxLoggedRejections+1:
		h.log.Printf("ingest conn %d: further rejections are counted in /metrics, not logged", b.id)
	}
}
