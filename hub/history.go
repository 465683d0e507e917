package hub

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/deskwatch/deskwatch/internal/jetlog"
	"github.com/deskwatch/deskwatch/internal/wsfan"
	"github.com/deskwatch/deskwatch/model"
)

// A monitor may ask for the floor's history: /stream?since=15m (a duration) or
// ?since=2026-12-06T09:00:00Z (an RFC 3339 time), within the hub's history (Config.History). It
// gets the floor as the newest checkpoint at or before the first message since then describes it,
// then DESKWATCH_RESYNC_END, then every message of the log after that checkpoint, read by one
// consumer of its own. It replays them into a floor of its own, so it relays what the hub relayed
// (not the resends nor the events over a cap) and its filter sees what a live monitor's sees. Once
// it has read to the message the hub's floor applied last, it joins the live monitors (joinOrWait,
// history_join.go), under the hub's lock: no gap and no overlap where history becomes live; its
// floor and consumer are let go, and its place among the readers of history too.

// maxHistoryMonitors bounds the monitors reading history at once: each holds a floor of its own
// (as large as the hub's) and a consumer of the log until it has caught up; maxHistoryPerKey those
// of one stream token (or address, on a hub without stream tokens), so that one holder cannot take
// them all.
const (
	maxHistoryMonitors = 64
	maxHistoryPerKey   = 8
)

// historyReaders counts the monitors reading history, in all and per key (Hub.monitorKey).
type historyReaders struct {
	mu  sync.Mutex
	n   int
	per map[string]int
}

// take counts one more for key (whose says what it is, for a refusal), or says which bound it
// would pass. release counts it off, once.
func (hr *historyReaders) take(key, whose string) (release func(), full string) {
	hr.mu.Lock()
	defer hr.mu.Unlock()
	switch {
	case hr.n >= maxHistoryMonitors:
		return nil, fmt.Sprintf("%d monitors reading history, the limit", maxHistoryMonitors)
	case hr.per[key] >= maxHistoryPerKey:
		return nil, fmt.Sprintf("%d monitors reading history for one of %s", maxHistoryPerKey, whose)
	}
	hr.n++
	hr.per[key]++
	return sync.OnceFunc(func() {
		hr.mu.Lock()
		defer hr.mu.Unlock()
		hr.n--
		if hr.per[key]--; hr.per[key] == 0 {
			delete(hr.per, key)
		}
	}), ""
}

// Errors of ParseSince, for a caller to say where the value came from.
var (
	ErrSinceNotPositive = errors.New("want a positive duration, such as 15m")
	ErrSinceFuture      = errors.New("a time in the future: history reaches back from now")
	ErrSinceForm        = errors.New("want a duration (15m, 2h) or an RFC 3339 time (2026-12-06T09:00:00Z)")
)

// ParseSince reads a monitor's since (/stream?since=, deskwatch --since): a positive Go duration
// back from now, or an RFC 3339 time not after now.
func ParseSince(v string, now time.Time) (time.Time, error) {
	if d, err := time.ParseDuration(v); err == nil {
		if d <= 0 {
			return time.Time{}, ErrSinceNotPositive
		}
		return now.Add(-d), nil
	}
	t, err := time.Parse(time.RFC3339, v)
	switch {
	case err != nil:
		return time.Time{}, ErrSinceForm
	case t.After(now):
		return time.Time{}, ErrSinceFuture
	}
	return t, nil
}

// parseSince reads and removes ?since= from q: the time the monitor's history starts, or the zero
// time when it asks for none. The error says why it is refused (400).
func (h *Hub) parseSince(q url.Values, now time.Time) (time.Time, error) {
	v, ok := q["since"]
	if !ok {
		return time.Time{}, nil
	}
	q.Del("since")
	if h.cfg.EventLog == nil {
		return time.Time{}, errors.New("this hub keeps no history (--in-memory)")
	}
	if len(v) != 1 {
		return time.Time{}, errors.New("?since= given more than once")
	}
	from, err := ParseSince(v[0], now)
	if err != nil {
		return time.Time{}, fmt.Errorf("?since=%s: %w", logValue(v[0]), err)
	}
	if now.Sub(from) > h.cfg.History {
		return time.Time{}, fmt.Errorf("?since=%s reaches back %s, further than this hub's history of %s (--history)",
			logValue(v[0]), now.Sub(from).Round(time.Second), h.cfg.History)
	}
	return from, nil
}

// historyStart finds where a monitor's history since from starts: the checkpoint at or before the
// first message since then (none: the log's first message, on an empty floor).
func (h *Hub) historyStart(ctx context.Context, from time.Time) (jetlog.Checkpoint, *checkpointData, error) {
	l := h.cfg.EventLog
	seq, err := l.FirstAt(ctx, from)
	if err != nil {
		return jetlog.Checkpoint{}, nil, err
	}
	cp, ok, err := l.CheckpointBefore(ctx, seq)
	if err != nil || !ok {
		return jetlog.Checkpoint{}, nil, err
	}
	data, err := decodeCheckpoint(cp)
	if err != nil {
		return jetlog.Checkpoint{}, nil, fmt.Errorf("checkpoint at seq %d: %w", cp.Seq, err)
	}
	return cp, data, nil
}

// serveHistory serves a monitor that asked for history since from (serveStream checked its token
// and filter).
func (h *Hub) serveHistory(w http.ResponseWriter, r *http.Request, f *filter, from time.Time, token string, g *grant) {
	if !websocket.IsWebSocketUpgrade(r) { // refused by the upgrade, before any work on the history
		h.accept(w, r, "stream", token, g)
		return
	}
	if !h.waitReady(r.Context()) { // the floor is not caught up with the log yet: it could not join
		return
	}
	release, full := h.history.take(h.monitorKey(r, token))
	if release == nil {
		h.refuse(w, r, "stream", "capacity", http.StatusServiceUnavailable, "too many monitors reading history; try again later", full)
		return
	}
	defer release()
	ctx, cancel := context.WithTimeout(r.Context(), appendWait)
	cp, data, err := h.historyStart(ctx, from)
	cancel()
	if err != nil {
		h.refuse(w, r, "stream", "history", http.StatusServiceUnavailable, "history unavailable; try again later",
			"history: "+logText(err.Error()))
		return
	}
	conn, releaseConn := h.accept(w, r, "stream", token, g)
	if conn == nil {
		return
	}
	defer releaseConn()
	s := h.newSubscriber(conn, f) // its queue stays empty: writeHistory writes as it reads the log
	if !h.track(s.Closer) {
		s.Stop(websocket.CloseGoingAway, "hub shutting down")
		return
	}
	defer h.untrack(s.Closer)
	defer h.register("stream", s.id, h.cfg.StreamTokens, token, g, s.Stop)()
	h.m.subscribers.Inc()
	defer h.m.subscribers.Dec()
	go h.readSubscriber(s)
	go wsfan.Ping(conn, h.cfg.PingInterval, writeWait, s.Done())
	h.log.Printf("stream conn %d from %s connected%s%s; history since %s, from the checkpoint at seq %d",
		s.id, r.RemoteAddr, f.describe(), describeGrant(h.cfg.StreamTokens, g), from.UTC().Format(time.RFC3339), cp.Seq)
	sent, err := h.writeHistory(s, cp, data, release)
	h.streams.Leave(s.Subscriber)
	s.Stop(websocket.CloseNormalClosure, "")
	_, why := s.Reason()
	if why == "" && err != nil {
		why = err.Error()
	}
	h.log.Printf("stream conn %d closed after %d messages: %s", s.id, sent, logText(why))
}

// writeHistory writes the checkpoint's floor through the monitor's filter, the end of that
// snapshot, then every message after the checkpoint until it has caught up with the hub's floor,
// then (caughtUp called) the live messages as every monitor gets them, until the connection ends.
func (h *Hub) writeHistory(s *subscriber, cp jetlog.Checkpoint, data *checkpointData, caughtUp func()) (int, error) {
	what := fmt.Sprintf("stream conn %d", s.id)
	w := &streamWriter{h: h, s: s, skipped: h.skipLogger(what, "snapshot"), unfiltered: h.skipLogger(what, "filter")}
	fl := newFloor(&h.cfg)
	if data != nil {
		fl.load(cp, data, w.skipped)
		if s.filter.needWork {
			// A scope of services alone describes an agent only with work of its services: the
			// agents' open interactions decide before their login and state (as in a snapshot).
			for _, raw := range data.Events {
				if ev, err := model.Decode(raw); err == nil && ev.Type == model.EvInteractionsState &&
					s.filter.agentPasses(ev.AgentID) {
					_, _, _ = s.filter.pass(ev, raw)
				}
			}
		}
		for _, raw := range data.Events {
			if err := w.raw(raw); err != nil {
				return w.sent, err
			}
		}
	}
	end := model.AppendEvent(nil, model.EvResyncEnd, "", time.Now().UnixMilli(), model.NoSeq, nil)
	if err := w.write(prepare(end)); err != nil {
		return w.sent, err
	}
	if err := s.Flush(); err != nil {
		return w.sent, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-s.Done():
			cancel()
		case <-ctx.Done():
		}
	}()
	follow, wake := context.WithCancel(ctx)
	defer wake()
	j := &historyJoin{s: s, wake: wake}
	var err error
	if !h.joinOrWait(j, cp.Seq) { // nothing after the checkpoint yet, or the floor not there yet
		err = h.followHistory(follow, w, fl, j, cp.Seq+1)
	}
	if h.unwait(j) { // its floor is let go: the hub's live messages follow
		caughtUp()
		h.log.Printf("stream conn %d caught up with the floor after %d messages: live from here", s.id, w.sent)
		return w.sent, s.Drain(0, w.live) // serveHistory's Ping pings it
	}
	if ctx.Err() != nil {
		return w.sent, nil
	}
	return w.sent, err
}

// followHistory writes the messages of the log from seq from, replayed into fl, through w's
// filter, until the monitor has caught up with the hub's floor (errCaughtUp: it has joined the live
// monitors), ctx ends, or a write fails.
func (h *Hub) followHistory(ctx context.Context, w *streamWriter, fl *floor, j *historyJoin, from uint64) error {
	s := w.s
	return h.cfg.EventLog.FollowBatches(ctx, from, func(ms []jetlog.Msg) error {
		if h.unwait(j) { // the apply loop joined it to the live monitors as it waited
			return errCaughtUp
		}
		for _, m := range ms {
			ev, err := model.Decode(m.Data)
			if err != nil {
				continue
			}
			for _, msg := range followed(fl, m, ev) {
				if !s.filter.agentPasses(msg.ev.AgentID) {
					continue
				}
				if err := w.live(msg); err != nil {
					return err
				}
			}
		}
		if err := s.Flush(); err != nil {
			return err
		}
		if h.joinOrWait(j, ms[0].Seq) {
			return errCaughtUp
		}
		return nil
	})
}

// raw writes one event of a checkpoint as the monitor's filter decides.
func (w *streamWriter) raw(data []byte) error {
	ev, err := model.Decode(data)
	if err != nil || !w.s.filter.agentPasses(ev.AgentID) {
		return nil
	}
	return w.live(&liveMsg{ev: ev, data: data})
}

// followed is what a monitor reading history is sent of one event of the log, as the hub's apply
// loop relays it live (log.go): the event once the monitor's copy of the floor took it, then the
// markers of what that reclaimed (DESKWATCH_RECLAIMED); in the place of one the floor refused, its
// DESKWATCH_SKIPPED, when one is said.
func followed(fl *floor, m jetlog.Msg, ev model.Event) []*liveMsg {
	applied, err := fl.apply(m.Session, ev, m.Time)
	switch {
	case err != nil:
		if data, sk, ok := skippedEvent(ev, err); ok {
			if said, _ := fl.apply(m.Session, sk, m.Time); said {
				return []*liveMsg{{ev: sk, data: data}}
			}
		}
		return nil
	case !applied:
		return nil
	}
	return append([]*liveMsg{{ev: ev, data: m.Data}}, reclaimedEvents(fl.store.LastReclaimed())...)
}
