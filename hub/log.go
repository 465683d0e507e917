package hub

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/deskwatch/deskwatch/internal/jetlog"
	"github.com/deskwatch/deskwatch/model"
)

// With a log (Config.Log), a bridge's event is checked as before (decoded, the hub's own events
// refused, the token's agents, the per-bridge cap, a resend the floor already has, the store's
// caps), then appended to the log; the bridge's ack follows the log's. One apply loop per hub
// follows the log and applies each message to the floor and relays it to the monitors, in the
// log's order, so that every hub on one log holds the same floor. The floor is saved to the log
// now and then (checkpoint.go), and a hub that starts again restores the newest checkpoint and
// applies what followed it before monitors get their snapshot.

// Defaults of Config.History, CheckpointEvery and CheckpointInterval.
const (
	DefaultHistory            = jetlog.DefaultHistory
	DefaultCheckpointEvery    = 100_000
	DefaultCheckpointInterval = time.Minute
)

// appendWait bounds one append to the log, retries included: longer than a cluster's election of
// a new stream leader after one hub is lost (NATS takes 4 to 9 s to notice and elect).
const appendWait = 20 * time.Second

// followPause is the apply loop's pause before it follows the log again after a failure: monitors
// wait for it, so short.
const followPause = 200 * time.Millisecond

// checkpointRetry is how long after a failed checkpoint the apply loop tries another: each try
// copies and encodes the whole floor and logs a line, and a floor over the checkpoint size fails
// every time.
const checkpointRetry = 10 * time.Second

// maxLoggedApplyErrors bounds the log lines about messages the apply loop could not apply.
const maxLoggedApplyErrors = 100

// logState is the hub's side of the log: the apply loop's position and the checkpoints.
type logState struct {
	decoded   *decodedCache // this hub's bridges' events, decoded, until the apply loop reads them back
	ready     chan struct{} // closed once the apply loop has caught up with the log at Start
	readyOnce sync.Once
	cancel    context.CancelFunc
	done      chan struct{} // closed when the apply loop ends

	// Guarded by h.mu: the last message applied, and the history monitors waiting for the floor
	// to apply the message they read last (history_join.go).
	seq     uint64
	at      time.Time
	waiting map[*historyJoin]struct{}

	ckMu      sync.Mutex     // one checkpoint saved at a time
	ckSeq     atomic.Uint64  // the last checkpoint saved (read by the apply loop without ckMu)
	ckBusy    atomic.Bool    // a checkpoint of the apply loop's is being saved (checkpointBehind; set under h.mu)
	ckRunning sync.WaitGroup // that save, which stopLog waits for
	ckAt      time.Time      // when a save was last tried, saved or not (the ticker's clock)
	ckRetry   atomic.Int64   // after a failed save: the time (UnixNano) before which the apply loop tries none
	errs      int            // messages not applied (logged up to maxLoggedApplyErrors)
}

func newLogState() *logState {
	return &logState{decoded: newDecodedCache(), ready: make(chan struct{}), done: make(chan struct{}),
		waiting: make(map[*historyJoin]struct{})}
}

// markReady says the floor is caught up with the log.
func (lg *logState) markReady() { lg.readyOnce.Do(func() { close(lg.ready) }) }

// Restored says what Start restored: the checkpoint's sequence (0: none), the messages applied
// after it to catch up, and the time it took.
// Lost counts the messages after the checkpoint that the log no longer held (dropped by its
// history bounds), whose changes the floor lacks.
type Restored struct {
	Checkpoint uint64
	Agents     int
	Replayed   uint64
	Lost       uint64
	Took       time.Duration
}

func (r Restored) String() string {
	lost := ""
	if r.Lost > 0 {
		lost = fmt.Sprintf(" (%d messages after the checkpoint were no longer in the log)", r.Lost)
	}
	if r.Checkpoint == 0 {
		return fmt.Sprintf("no checkpoint; %d messages replayed in %s%s", r.Replayed, r.Took.Round(time.Millisecond), lost)
	}
	return fmt.Sprintf("checkpoint at seq %d (%d agents), %d messages replayed after it, in %s%s", r.Checkpoint,
		r.Agents, r.Replayed, r.Took.Round(time.Millisecond), lost)
}

// Start restores the floor from the log (its newest checkpoint, then every message after it) and
// starts the apply loop; it returns once the floor is caught up with the log as it was at the
// start. Without a log it does nothing. Monitors that connect meanwhile wait for the floor.
func (h *Hub) Start(ctx context.Context) (Restored, error) {
	lg, l := h.lg, h.cfg.EventLog
	if l == nil {
		lg.markReady()
		return Restored{}, nil
	}
	begin := time.Now()
	var r Restored
	st, cp, ok, err := h.readLog(ctx)
	if err != nil {
		return r, err
	}
	if ok && cp.Seq > st.LastSeq {
		// Checkpoints are taken of messages the log held: its messages were lost (its files
		// deleted or damaged, and the stream made anew). Events it takes now would carry sequences
		// the checkpoint has passed and never be applied.
		return r, fmt.Errorf("hub: the newest checkpoint is of seq %d but the event log ends at seq %d: "+
			"the log's stream %s was lost or replaced; restore the data directory from a backup, "+
			"or move it aside to start with an empty floor", cp.Seq, st.LastSeq, jetlog.StreamName)
	}
	if ok {
		if r.Agents, err = h.restore(cp); err != nil {
			return r, fmt.Errorf("hub: checkpoint at seq %d: %w", cp.Seq, err)
		}
		r.Checkpoint = cp.Seq
	}
	loop, cancel := context.WithCancel(context.Background())
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		cancel()
		return r, errors.New("hub: closed while starting")
	}
	lg.seq, lg.at, lg.ckAt = cp.Seq, cp.Time, time.Now()
	lg.ckSeq.Store(cp.Seq)
	lg.cancel = cancel
	h.mu.Unlock()
	// The first message the log holds; one it does not hold at all (every message aged out,
	// the stream still ending at LastSeq) will never come: nothing is left to catch up with.
	target, kept := st.LastSeq, st.FirstSeq
	if st.Messages == 0 {
		kept = st.LastSeq + 1
	}
	if kept > cp.Seq+1 {
		r.Lost = kept - cp.Seq - 1
	}
	go h.applyLoop(loop, cp.Seq+1, target, r.Lost)
	go h.checkpointTicker(loop)
	if target <= cp.Seq || st.Messages == 0 {
		lg.markReady()
	}
	select {
	case <-lg.ready:
	case <-ctx.Done():
		return r, ctx.Err()
	}
	h.mu.Lock()
	if applied := lg.seq - cp.Seq; applied > r.Lost {
		r.Replayed = applied - r.Lost
	}
	h.mu.Unlock()
	r.Took = time.Since(begin)
	if h.cfg.Alone {
		h.desksAfterRestart()
	} else {
		h.ownDesksAfterRestart()
		go h.watchHubs(loop) // the desktops of a hub lost (owner.go)
	}
	return r, nil
}

// readLogTries is how many times Start asks the log for its state and newest checkpoint, a second
// apart, before it gives up: a cluster that has just started may not answer at once.
const readLogTries = 10

// readLog reads the log's state and its newest checkpoint for Start.
func (h *Hub) readLog(ctx context.Context) (st jetlog.State, cp jetlog.Checkpoint, ok bool, err error) {
	l := h.cfg.EventLog
	for try := 1; ; try++ {
		if st, err = l.State(ctx); err != nil {
			err = fmt.Errorf("hub: log state: %w", err)
		} else if cp, ok, err = l.LatestCheckpoint(ctx); err != nil {
			err = fmt.Errorf("hub: latest checkpoint: %w", err)
		}
		if err == nil || try == readLogTries || errors.Is(err, jetlog.ErrClosed) {
			return st, cp, ok, err
		}
		h.log.Printf("%v; trying again in a second", err)
		select {
		case <-ctx.Done():
			return st, cp, ok, err
		case <-time.After(time.Second):
		}
	}
}

// stopLog ends the apply loop and saves a last checkpoint (Close, once h.closed is set).
func (h *Hub) stopLog() {
	lg := h.lg
	h.mu.Lock() // Close has set h.closed: Start, if it runs, starts no loop after this
	cancel := lg.cancel
	lg.cancel = nil
	h.mu.Unlock()
	if cancel == nil {
		return
	}
	cancel()
	<-lg.done
	lg.ckRunning.Wait()
	if !h.cfg.EventLog.Leads() {
		return // the hub that leads saves the cluster's checkpoints (checkpointDueLocked)
	}
	ctx, cancel := context.WithTimeout(context.Background(), appendWait)
	defer cancel()
	h.checkpoint(ctx)
}

// applyLoop follows the log from sequence from and applies each message; it catches up with
// target (the last sequence at Start) first. A failed follow is retried from where it stopped.
func (h *Hub) applyLoop(ctx context.Context, from, target, lost uint64) {
	defer close(h.lg.done)
	for {
		err := h.cfg.EventLog.FollowBatches(ctx, from, func(ms []jetlog.Msg) error {
			seq := ms[0].Seq
			if seq > from {
				h.missed(from, seq-1, lost)
			}
			lost = 0
			if h.applyHook != nil {
				h.applyHook(seq)
			}
			h.applyMsgs(ms)
			from = seq + 1
			if seq >= target {
				h.lg.markReady()
			}
			return nil
		})
		if ctx.Err() != nil {
			return
		}
		if errors.Is(err, jetlog.ErrClosed) { // the log was closed under the hub: nothing will come
			h.log.Printf("log: following from seq %d: %v; the floor stays as it is", from, err)
			return
		}
		h.log.Printf("log: following from seq %d: %v; trying again in %s", from, err, followPause)
		select {
		case <-ctx.Done():
			return
		case <-time.After(followPause):
		}
	}
}

// missed counts the messages from to through of the log, which the apply loop never read: the log
// no longer held them when it got there (its history's bounds removed them first: the hub fell
// further behind than --history or --history-size; or jetlog skipped them as unreadable, and
// logged that). Their events are missing from this hub's floor and its monitors' streams, so it is
// said in the log, except the gap Start already reported (known, the count it gave).
func (h *Hub) missed(from, through, known uint64) {
	n := through - from + 1
	h.m.logMissed.Add(float64(n))
	if n == known {
		return
	}
	h.log.Printf("log: messages %d to %d (%d) never applied: gone from the log before this hub read them "+
		"(it fell further behind than --history or --history-size allow) or unreadable; their events are "+
		"missing from this hub's floor and monitors", from, through, n)
}

// applyMsgs applies the events of one message of the log (one, or a batch of them: jetlog.Log.Add)
// to the floor and relays them, all under one hold of h.mu: a checkpoint is of whole messages.
func (h *Hub) applyMsgs(ms []jetlog.Msg) {
	type decoded struct {
		ev  model.Event
		err error
	}
	evs := make([]decoded, len(ms))
	for i, m := range ms {
		d := &evs[i]
		var ok bool
		if d.ev, ok = h.lg.decoded.take(m.Data); !ok {
			d.ev, d.err = model.Decode(m.Data)
		}
	}
	var ck *floorCopy
	dups := 0
	h.mu.Lock()
	h.lg.seq, h.lg.at = ms[0].Seq, ms[0].Time // before applying: the desktops' owners keep it (owner.go)
	for i, m := range ms {
		d := &evs[i]
		if d.err == nil {
			var applied bool
			applied, d.err = h.applyLocked(m.Session, m.Data, d.ev, m.Time)
			if !applied && d.err == nil {
				dups++
			} else if d.err != nil {
				h.skippedLocked(m.Session, d.ev, d.err, m.Time)
			}
		}
	}
	h.joinWaitingLocked() // after the whole message, whose events they read
	if h.checkpointDueLocked() && h.lg.ckBusy.CompareAndSwap(false, true) {
		ck = h.copyFloorLocked() // the floor after this message, saved in the background
	}
	h.mu.Unlock()
	for i, d := range evs {
		if d.err != nil {
			h.applyFailed(ms[i], d.err)
		}
	}
	h.m.logDuplicates.Add(float64(dups))
	if ck != nil {
		h.checkpointBehind(ck)
	}
}

// applyFailed counts and logs a message of the log that was not applied: over a cap the floor
// reached after the bridge's event was checked (every hub on the log refuses it alike).
func (h *Hub) applyFailed(m jetlog.Msg, err error) {
	reason := "invalid"
	var le *limitError
	if errors.As(err, &le) {
		reason = le.reason
	}
	h.m.logRefused.WithLabelValues(reason).Inc()
	h.lg.errs++
	switch {
	case h.lg.errs <= maxLoggedApplyErrors:
		h.log.Printf("log seq %d (agent %s) not applied: %s", m.Seq, logValue(m.Agent), logText(err.Error()))
	case h.lg.errs == maxLoggedApplyErrors+1:
		h.log.Printf("log: further messages not applied are counted in /metrics, not logged")
	}
}

// errNotStored is an event the log did not take: not acknowledged, so the bridge sends it again.
type errNotStored struct{ err error }

func (e *errNotStored) Error() string { return "the hub could not store it: " + e.err.Error() }

// appendEvent checks a bridge's event (or the hub's own) against the floor, as publish does
// without a log, and adds it to the log in a batch with the events the hub's other connections
// add meanwhile (jetlog.Log.Add). It reports false for a resend the floor has already applied
// (checked under h.mu). A resend racing its original (a bridge that moved to another hub while
// its event was on its way to the log) may be stored twice: every hub's apply loop drops the
// second by its seq, as it would any resend (HUB.md).
func (h *Hub) appendEvent(session string, data []byte, ev model.Event) (bool, error) {
	return h.appendEventID(session, data, ev, "")
}

// appendEventID is appendEvent with the log's message id given: when not "", the event is stored
// alone with it (jetlog.Log.Append), and the log drops another with the same id within its
// duplicate window (owner.go's desktop events, which several hubs may say at once).
func (h *Hub) appendEventID(session string, data []byte, ev model.Event, id string) (bool, error) {
	h.mu.Lock()
	dup, _ := h.duplicate(session, ev)
	var err error
	if !dup {
		err = h.store.Admit(ev)
	}
	h.mu.Unlock()
	if dup {
		return false, nil
	}
	if err != nil {
		return false, capError(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), appendWait)
	defer cancel()
	if h.appendHook != nil {
		if err := h.appendHook(ev); err != nil {
			return false, &errNotStored{err}
		}
	}
	m := jetlog.Msg{Agent: ev.AgentID, Session: session, Data: data}
	if id == "" {
		h.lg.decoded.put(data, ev) // before it is stored: the apply loop may read it back at once
		if _, err = h.cfg.EventLog.Add(ctx, m); err != nil {
			h.lg.decoded.drop(data)
		}
	} else {
		_, dup, err = h.cfg.EventLog.Append(ctx, m, id)
	}
	if err != nil {
		return false, &errNotStored{err}
	}
	return !dup, nil
}

// notStored ends a bridge's connection when the log did not take its event: unacknowledged, the
// bridge sends it again after it reconnects (to this hub or another).
func (h *Hub) notStored(b *bridgeConn, err error) {
	h.m.rejected.WithLabelValues("not-stored").Inc()
	h.rejectf(b, b.msgs, "%v; connection closed so that the bridge sends it again", err)
	b.closer.Stop(websocket.CloseTryAgainLater, "the hub could not store the event; try again")
}

// waitReady waits until the floor is caught up with the log (Start), or ctx ends.
func (h *Hub) waitReady(ctx context.Context) bool {
	select {
	case <-h.lg.ready:
		return true
	case <-ctx.Done():
		return false
	}
}
