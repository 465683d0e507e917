package jetlog

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// followBatch is how many messages a Follow asks the server for at once: enough to keep up with
// tens of thousands a second, few enough that hundreds of Follows hold little.
const followBatch = 256

// A Follow's pull requests last followExpiry and the server sends a heartbeat every
// followHeartbeat while it has nothing to deliver. The client recreates a consumer whose
// heartbeats stop (the hub it lived on was lost) after two missed ones: seconds, not the ten the
// ordered consumer's default (5 s) costs, while the monitors of every hub wait.
const (
	followExpiry    = 5 * time.Second
	followHeartbeat = time.Second
)

// requestTimeout bounds a request to the server made with a context that has no deadline.
const requestTimeout = 10 * time.Second

// follow reads the stream through an ordered consumer (an ephemeral consumer the client recreates
// where it left off if it loses it), from sequence from on. A from older than the first message
// kept starts at the first kept: JetStream skips what it no longer holds. A watchdog (stall.go)
// stops a reader that waits in Next for followStall while the stream holds more.
func (l *Log) follow(ctx context.Context, from uint64, fn func([]Msg) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if l.st.isClosed() {
		return ErrClosed
	}
	cfg := jetstream.OrderedConsumerConfig{DeliverPolicy: jetstream.DeliverAllPolicy,
		InactiveThreshold: time.Minute}
	if from > 1 {
		cfg.DeliverPolicy, cfg.OptStartSeq = jetstream.DeliverByStartSequencePolicy, from
	}
	cons, err := l.st.stream.OrderedConsumer(ctx, cfg)
	if err != nil {
		return l.followErr(ctx, fmt.Errorf("jetlog: follow from %d: %w", from, err))
	}
	// The bytes fetched ahead are bounded too: followBatch messages as large as the server takes
	// would be hundreds of MB per Follow (the apply loop's, and each history monitor's). Twice the
	// largest message the server takes, so that the largest fits and never stalls the consumer.
	ahead := jetstream.PullMaxMessagesWithBytesLimit(followBatch, 2*int(max(l.nc.MaxPayload(), 1<<20)))
	mc, err := cons.Messages(ahead, jetstream.PullExpiry(followExpiry),
		jetstream.PullHeartbeat(followHeartbeat))
	if err != nil {
		return l.followErr(ctx, fmt.Errorf("jetlog: follow from %d: %w", from, err))
	}
	var it msgIter = mc
	if l.st.wrapIter != nil {
		it = l.st.wrapIter(it)
	}
	defer l.dropConsumer(cons)
	defer it.Stop()
	unregister, ok := l.st.follow(it.Stop)
	if !ok {
		return ErrClosed
	}
	defer unregister()
	defer context.AfterFunc(ctx, it.Stop)()
	var w followWatch
	w.last.Store(max(from, 1) - 1)
	watchCtx, endWatch := context.WithCancel(ctx) // ends the watchdog's question to the stream too
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		l.watch(watchCtx, &w, cmp.Or(l.st.stallAfter, followStall), it.Stop)
	}()
	defer func() { endWatch(); <-watched }()
	for {
		w.wait()
		jm, err := it.Next()
		if err != nil {
			if stall := w.err(); stall != nil {
				err = stall
			} else {
				err = fmt.Errorf("jetlog: follow: %w", err)
			}
			return l.followErr(ctx, err)
		}
		ms, seq, why := decodeAll(jm)
		w.delivered(seq)
		if why != "" {
			l.st.logf("jetlog: skipped stream message %d: %s", seq, why)
			continue
		}
		if err := fn(ms); err != nil {
			return err
		}
	}
}

// followErr is what ended a Follow: ctx's error when ctx ended, ErrClosed when the log closed,
// else err.
func (l *Log) followErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if l.st.isClosed() {
		return ErrClosed
	}
	return err
}

// dropConsumer deletes a stopped Follow's consumer at once rather than leave the server to expire
// it (many monitors asking for history would otherwise leave as many behind for a while).
func (l *Log) dropConsumer(cons jetstream.Consumer) {
	info := cons.CachedInfo()
	if info == nil || l.st.isClosed() {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = l.st.stream.DeleteConsumer(ctx, info.Name) // best effort: it expires anyway
}

// firstAt asks the stream's leader for the first message stored at or after t (JetStream's
// message get by start time, which the client library does not wrap), else for the last sequence.
func (l *Log) firstAt(ctx context.Context, t time.Time) (uint64, error) {
	if l.st.isClosed() {
		return 0, ErrClosed
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, requestTimeout)
		defer cancel()
	}
	req, err := json.Marshal(struct {
		StartTime time.Time `json:"start_time"`
	}{t.UTC()})
	if err != nil {
		return 0, err
	}
	resp, err := l.nc.RequestWithContext(ctx, "$JS.API.STREAM.MSG.GET."+StreamName, req)
	if err != nil {
		return 0, fmt.Errorf("jetlog: first message at %s: %w", t.Format(time.RFC3339Nano), err)
	}
	var r struct {
		Message *struct {
			Seq uint64 `json:"seq"`
		} `json:"message"`
		Error *jetstream.APIError `json:"error"`
	}
	if err := json.Unmarshal(resp.Data, &r); err != nil {
		return 0, fmt.Errorf("jetlog: first message at %s: %w", t.Format(time.RFC3339Nano), err)
	}
	if r.Message != nil {
		return r.Message.Seq, nil
	}
	if r.Error != nil && r.Error.ErrorCode != jetstream.JSErrCodeMessageNotFound {
		return 0, fmt.Errorf("jetlog: first message at %s: %w", t.Format(time.RFC3339Nano), r.Error)
	}
	info, err := l.st.stream.Info(ctx)
	if err != nil {
		return 0, fmt.Errorf("jetlog: stream %s info: %w", StreamName, err)
	}
	return info.State.LastSeq + 1, nil
}
