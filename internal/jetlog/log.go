package jetlog

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// logState is what an open Log holds beside its node: the stream, the checkpoint store and the
// Follows running, which Close stops.
type logState struct {
	stream jetstream.Stream
	cps    jetstream.ObjectStore

	log *log.Logger

	mu      sync.Mutex
	closed  bool
	next    int
	follows map[int]func()

	adds          adder         // the events Add batches (batch.go)
	batches       atomic.Uint64 // batches stored
	batched       atomic.Uint64 // the events in them
	appendRetries atomic.Uint64 // attempts of appends sent again (publish)
	followStalls  atomic.Uint64 // Follows their watchdog stopped (stall.go)
	lastSeq       lastSeqCache  // the stream's last sequence, as the watchdogs last asked it

	// Tests set these before they follow: the stall period (0: followStall), a wrapper of each
	// Follow's reader and what a watchdog does just before it asks the stream; before they read
	// a checkpoint: the most bytes one takes stored (0: maxStored).
	stallAfter time.Duration
	wrapIter   func(msgIter) msgIter
	beforeAsk  func()
	maxStored  int
}

func open(ctx context.Context, cfg Config) (*Log, error) {
	if cfg.logger = log.New(io.Discard, "", 0); cfg.Log != nil {
		cfg.logger.SetOutput(cfg.Log) // one line at a time, from every goroutine (logTo)
	}
	n, err := startNode(cfg)
	if err != nil {
		return nil, err
	}
	if cfg.Replicas == 0 {
		cfg.Replicas = n.replicas // (cluster helper) 3 in a cluster of 3 or more, 1 alone
	}
	cfg.patience = cmp.Or(cfg.patience, openPatience)
	l := &Log{cfg: cfg, node: n, st: &logState{log: cfg.logger, follows: map[int]func(){},
		lastSeq: lastSeqCache{turn: make(chan struct{}, 1)}}}
	var refused error // the last refusal to place the stream's replicas, while it is not made
	err = retry(ctx, l.st, cfg.patience, func(ctx context.Context) (err error) {
		if l.st.stream == nil {
			l.st.stream, err = l.ensureStream(ctx)
			if placementRefused(err) {
				refused = err
			}
		}
		if err == nil && l.st.cps == nil {
			l.st.cps, err = l.ensureCheckpoints(ctx)
		}
		if err == nil {
			err = l.storesAnswer(ctx)
		}
		return err
	})
	if err != nil {
		n.stop()
		if refused != nil && l.st.stream == nil {
			// The last attempt may have ended otherwise (timed out, JetStream unavailable a moment):
			// the refusal is what the hub must explain.
			err = refused
		}
		return nil, placementHint(err, cfg)
	}
	l.startTrim()
	return l, nil
}

// storesAnswer checks that the stream and the checkpoint store, just created or found, answer:
// on a cluster's first start their leaders are elected a moment after they are created, and
// until then the hub could not restore its floor (listing the checkpoints would fail, or wait).
func (l *Log) storesAnswer(ctx context.Context) error {
	if _, err := l.st.stream.Info(ctx); err != nil {
		return fmt.Errorf("jetlog: stream %s does not answer yet: %w", StreamName, err)
	}
	if _, err := l.checkpoints(ctx); err != nil {
		return fmt.Errorf("jetlog: checkpoint store %s does not answer yet: %w", CheckpointBucket, err)
	}
	return nil
}

// placementHint explains an Open that failed because the stream's replicas could not be placed:
// a cluster's first start needs as many hubs up as the stream has replicas.
func placementHint(err error, cfg Config) error {
	if !placementRefused(err) || cfg.Replicas <= 1 {
		return err
	}
	return fmt.Errorf("%w: the stream keeps %d replicas, each on another hub, and fewer hubs of the cluster "+
		"are up (within %s): start the other hubs of the cluster (at least %d in all, each with --routes to the others) "+
		"and this one again", err, cfg.Replicas, cfg.patience, cfg.Replicas)
}

// placementRefused tells whether err is JetStream refusing to place the stream's replicas (no
// suitable peers, insufficient resources).
func placementRefused(err error) bool {
	var api *jetstream.APIError
	return errors.As(err, &api) && (api.ErrorCode == 10005 || api.ErrorCode == 10023)
}

// openPatience is how long Open retries a failure it may outlive: a cluster of hubs starting
// together has no JetStream leader, or too few servers for its replicas, for a few seconds.
const openPatience = 30 * time.Second

// tryWait bounds one try of Open's: a request to a cluster that is starting may get no answer
// (one made while the leader changes), and waiting for it until ctx ends would leave no time to
// ask again.
const tryWait = 5 * time.Second

// retry calls try, with a context that ends after tryWait, until it succeeds, fails for good (see
// passing), ctx ends or patience has passed, and returns its last error.
func retry(ctx context.Context, st *logState, patience time.Duration, try func(context.Context) error) error {
	give := time.Now().Add(patience)
	for wait := 100 * time.Millisecond; ; wait = min(2*wait, 2*time.Second) {
		one, cancel := context.WithTimeout(ctx, tryWait)
		err := try(one)
		cancel()
		if err == nil || !passing(err) || time.Now().Add(wait).After(give) {
			return err
		}
		st.logf("%v; trying again in %s", err, wait)
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
	}
}

// passing tells an error that waiting may cure (no answer yet, no leader yet, too few peers yet)
// from one that it will not (JetStream refusing the request as it stands).
func passing(err error) bool {
	var api *jetstream.APIError
	if !errors.As(err, &api) {
		return true // a timeout, no responders: the server or cluster is not ready
	}
	switch api.ErrorCode {
	case 10005, 10008, 10009, 10023: // no peers for placement, unavailable, not the leader, insufficient resources
		return true
	}
	return api.Code == 503
}

// streamConfig is the stream cfg asks for.
func streamConfig(cfg Config) jetstream.StreamConfig {
	age := cfg.History
	if age <= 0 {
		age = DefaultHistory
	}
	size := cfg.HistoryBytes
	if size <= 0 {
		size = DefaultHistoryBytes
	}
	return jetstream.StreamConfig{
		Name:        StreamName,
		Description: "deskwatch hub: every event the hub accepted",
		Subjects:    []string{SubjectPrefix + ">"},
		Storage:     jetstream.FileStorage,
		Retention:   jetstream.LimitsPolicy,
		Discard:     jetstream.DiscardOld,
		MaxAge:      age,
		MaxBytes:    size,
		MaxMsgs:     -1,
		Duplicates:  min(DefaultDuplicateWindow, age), // JetStream refuses a window longer than MaxAge
		Replicas:    replicas(cfg),
		AllowDirect: true,
	}
}

func replicas(cfg Config) int {
	if cfg.Replicas > 0 {
		return cfg.Replicas
	}
	return 1
}

// ensureStream creates the stream, or updates one that exists with other bounds and says what
// changed in the log.
func (l *Log) ensureStream(ctx context.Context) (jetstream.Stream, error) {
	want := streamConfig(l.cfg)
	s, err := l.js.Stream(ctx, StreamName)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		if s, err = l.js.CreateStream(ctx, want); err != nil {
			return nil, fmt.Errorf("jetlog: create stream %s: %w", StreamName, err)
		}
		l.st.logf("jetlog: created stream %s (history %s, %d bytes, %d replicas)",
			StreamName, want.MaxAge, want.MaxBytes, want.Replicas)
		return s, nil
	}
	if err != nil {
		return nil, fmt.Errorf("jetlog: stream %s: %w", StreamName, err)
	}
	had := s.CachedInfo().Config
	changes := streamChanges(had, want)
	if len(changes) == 0 {
		return s, nil
	}
	// Keep what this log does not decide (a subject list an operator widened, say) as it was.
	upd := had
	upd.MaxAge, upd.MaxBytes, upd.MaxMsgs = want.MaxAge, want.MaxBytes, want.MaxMsgs
	upd.Duplicates, upd.Replicas, upd.Discard, upd.AllowDirect = want.Duplicates, want.Replicas, want.Discard, want.AllowDirect
	if s, err = l.js.UpdateStream(ctx, upd); err != nil {
		return nil, fmt.Errorf("jetlog: update stream %s (%v): %w", StreamName, changes, err)
	}
	l.st.logf("jetlog: updated stream %s: %s", StreamName, strings.Join(changes, ", "))
	return s, nil
}

// streamChanges lists, as "field old → new", the bounds in which had differs from want.
func streamChanges(had, want jetstream.StreamConfig) []string {
	var out []string
	add := func(name string, old, new any) {
		if old != new {
			out = append(out, fmt.Sprintf("%s %v → %v", name, old, new))
		}
	}
	add("history", had.MaxAge, want.MaxAge)
	add("history bytes", had.MaxBytes, want.MaxBytes)
	add("max messages", had.MaxMsgs, want.MaxMsgs)
	add("duplicate window", had.Duplicates, want.Duplicates)
	add("replicas", had.Replicas, want.Replicas)
	add("discard", had.Discard, want.Discard)
	add("direct get", had.AllowDirect, want.AllowDirect)
	return out
}

// follow registers stop to be called by Close; it returns the function that unregisters it, or
// false when the log is closed already.
func (s *logState) follow(stop func()) (func(), bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, false
	}
	id := s.next
	s.next++
	s.follows[id] = stop
	return func() {
		s.mu.Lock()
		delete(s.follows, id)
		s.mu.Unlock()
	}, true
}

// logf writes one line to Config.Log (Follows running at once may log).
func (s *logState) logf(format string, args ...any) { s.log.Printf(format, args...) }

func (s *logState) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// close stops the Follows running (they return ErrClosed) and the node; a second call does nothing.
func (l *Log) close() error {
	l.st.mu.Lock()
	if l.st.closed {
		l.st.mu.Unlock()
		return nil
	}
	l.st.closed = true
	stops := make([]func(), 0, len(l.st.follows))
	for _, stop := range l.st.follows {
		stops = append(stops, stop)
	}
	l.st.mu.Unlock()
	for _, stop := range stops {
		stop()
	}
	l.node.stop()
	return nil
}

// state reports the stream's info.
func (l *Log) state(ctx context.Context) (State, error) {
	if l.st.isClosed() {
		return State{}, ErrClosed
	}
	info, err := l.st.stream.Info(ctx)
	if err != nil {
		return State{}, fmt.Errorf("jetlog: stream %s info: %w", StreamName, err)
	}
	st := State{Messages: info.State.Msgs, Bytes: info.State.Bytes, FirstSeq: info.State.FirstSeq,
		LastSeq: info.State.LastSeq, FirstTime: info.State.FirstTime}
	if c := info.Cluster; c != nil {
		st.Cluster, st.Leader = c.Name, c.Leader
		if c.Leader != "" {
			st.Peers = append(st.Peers, c.Leader)
		}
		for _, p := range c.Replicas {
			st.Peers = append(st.Peers, peerName(p))
		}
	}
	return st, nil
}

// peerName is a replica's name and, when it is not current, why.
func peerName(p *jetstream.PeerInfo) string {
	switch {
	case p.Offline:
		return p.Name + " (offline)"
	case !p.Current:
		return p.Name + " (lagging)"
	}
	return p.Name
}
