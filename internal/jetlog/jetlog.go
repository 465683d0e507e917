// Package jetlog is the hub's durable event log on NATS JetStream: an embedded NATS server (alone,
// or one of a cluster of hubs) or an external NATS cluster, one stream holding every event the hub
// accepted (its history, bounded by age and size), and the hub's checkpoints of the floor's state
// from which a restarted hub, or a monitor asking for history, starts.
//
// CONTRACT (lead, issue 16): the types and signatures below are what the hub codes against. The
// owners fill in the bodies (see /work/notes/common16.md): server.go belongs to the cluster
// helper, the rest to the log helper.
package jetlog

import (
	"context"
	"errors"
	"io"
	"log"
	"time"
)

// Defaults of Config.
const (
	DefaultHistory      = 24 * time.Hour
	DefaultHistoryBytes = 1 << 30 // 1 GiB
	// DefaultDuplicateWindow is how long JetStream remembers a message id (a batch's, or one
	// Append was given) to drop a copy sent again after a timeout: half as long again as one
	// append may take with its retries (the hub's appendWait, 20 s). Each id costs the stream's
	// leader about 220 bytes of pointer-dense heap.
	DefaultDuplicateWindow = 30 * time.Second
	// StreamName is the JetStream stream of events; subjects are SubjectPrefix + an agent's token
	// (an event stored alone) or + batchToken (a batch of events, batch.go).
	StreamName    = "DESKWATCH_EVENTS"
	SubjectPrefix = "deskwatch.events."
)

// Config says where the log lives.
type Config struct {
	// Dir is the embedded server's JetStream store directory (the hub's --data).
	Dir string
	// NATS, when set, is the URL list (comma-separated) of an external NATS cluster to use instead
	// of the embedded server (--nats).
	NATS string
	// Cluster joins the embedded server to other hubs' (--cluster, --cluster-listen, --routes,
	// --cluster-secret). Zero: a server of its own.
	Cluster Cluster
	// ClientListen, when set, makes the embedded server accept NATS clients on this address
	// (otherwise it listens on no port for clients; the hub connects in process).
	ClientListen string
	// History and HistoryBytes bound the stream by age and by size (oldest dropped first).
	History      time.Duration
	HistoryBytes int64
	// Replicas is the stream's replication factor (default: 3 in a cluster, 1 alone).
	Replicas int
	// ServerName names this node (default: derived from the host and the data directory).
	ServerName string
	// Log receives the log's own lines (server start, cluster changes); nil discards them. Open
	// writes it one line at a time, from its goroutines and its NATS connection's.
	Log    io.Writer
	logger *log.Logger // Open's over Log: the one lock its lines share
	// trimEvery is how often the log trims itself to its size bound (trim.go): 0 is trimEvery, a
	// negative period never (tests that trim by hand).
	trimEvery time.Duration
	// patience is how long Open retries what it may outlive (0: openPatience): tests of a cluster
	// starting on a loaded machine give it as long as their own deadline.
	patience time.Duration
}

// Cluster is an embedded server's place in a cluster of hubs.
type Cluster struct {
	Name   string   // the cluster's name, the same on every hub
	Listen string   // host:port for routes from the other hubs
	Routes []string // nats-route://host:port of the other hubs (may include this one)
	Secret string   // the shared secret routes authenticate with (read from --cluster-secret)
}

// Msg is one event as the log holds it.
type Msg struct {
	Seq     uint64    // the stream sequence, from 1, the same on every hub
	Time    time.Time // when the log stored it
	Agent   string    // the agent the event is for ("" for none)
	Session string    // the bridge session (page load) that sent it; "" for the hub's own events
	Data    []byte    // the event as the bridge sent it (or the hub wrote it)
}

// ErrClosed is returned once the log is closed.
var ErrClosed = errors.New("jetlog: closed")

// Log is an open event log. Its methods are safe for concurrent use.
type Log struct {
	cfg Config
	*node
	st *logState // the log helper's: the stream, the checkpoint store, the follows to stop
}

// Open starts (or connects to) the NATS server and makes sure the stream and checkpoint store
// exist with cfg's bounds.
func Open(ctx context.Context, cfg Config) (*Log, error) { return open(ctx, cfg) }

// Append stores one event as a message of its own. id is the message id JetStream drops resends by
// within its duplicate window (built by the caller); "" for none. dup reports a resend that was
// dropped.
func (l *Log) Append(ctx context.Context, m Msg, id string) (seq uint64, dup bool, err error) {
	return l.appendMsg(ctx, m, id)
}

// Add stores one event in a message with the other events added meanwhile (batch.go), and
// returns that message's sequence: far cheaper than Append at thousands of events a second, and
// as durable. It gives no message id: a resend of an event stored before is stored again, and
// whoever reads the log drops it as the floor drops any resend, by the event's seq (the hub's
// apply loop, a monitor's history).
func (l *Log) Add(ctx context.Context, m Msg) (seq uint64, err error) { return l.add(ctx, m) }

// Follow delivers every message from stream sequence from (1: the oldest kept) in order, then each
// new one as it is stored, to fn, until ctx ends or fn returns an error. It returns the error that
// ended it: ErrStalled when its reader delivered nothing for 10 s while the stream held messages
// past the last one delivered (following again from the next sequence resumes it). A message lost
// to the history bounds before it was read is skipped (fn sees the gap in Seq).
// The events of one stored message (several, for a batch of Add) share its Seq and come one after
// another.
func (l *Log) Follow(ctx context.Context, from uint64, fn func(Msg) error) error {
	return l.follow(ctx, from, func(ms []Msg) error {
		for _, m := range ms {
			if err := fn(m); err != nil {
				return err
			}
		}
		return nil
	})
}

// FollowBatches is Follow delivering the events of each stored message at once (one for a message
// Append stored). fn may keep the Msgs and their Data.
func (l *Log) FollowBatches(ctx context.Context, from uint64, fn func([]Msg) error) error {
	return l.follow(ctx, from, fn)
}

// FirstAt returns the sequence of the first message stored at or after t (the next one to be
// stored when none is).
func (l *Log) FirstAt(ctx context.Context, t time.Time) (uint64, error) { return l.firstAt(ctx, t) }

// Checkpoint is the floor's state after stream sequence Seq, as the hub encodes it.
type Checkpoint struct {
	Seq  uint64
	Time time.Time // the time of message Seq
	Data []byte
}

// SaveCheckpoint stores a checkpoint; older ones are kept within the history bounds.
func (l *Log) SaveCheckpoint(ctx context.Context, c Checkpoint) error {
	return l.saveCheckpoint(ctx, c)
}

// LatestCheckpoint returns the newest checkpoint, or ok false when there is none.
func (l *Log) LatestCheckpoint(ctx context.Context) (c Checkpoint, ok bool, err error) {
	return l.checkpointBefore(ctx, ^uint64(0))
}

// CheckpointBefore returns the newest checkpoint at or before stream sequence seq.
func (l *Log) CheckpointBefore(ctx context.Context, seq uint64) (c Checkpoint, ok bool, err error) {
	return l.checkpointBefore(ctx, seq)
}

// State is what the log holds, for /metrics and the logs.
type State struct {
	Messages, Bytes   uint64
	FirstSeq, LastSeq uint64
	FirstTime         time.Time
	Cluster           string   // the cluster's name, "" alone
	Leader            string   // the stream's leader
	Peers             []string // the stream's replicas and whether current, as "name" or "name (lagging)"
}

// State reports the stream's state.
func (l *Log) State(ctx context.Context) (State, error) { return l.state(ctx) }

// Close stops following, closes the connection and stops an embedded server.
func (l *Log) Close() error { return l.close() }
