package jetlog

import (
	"context"
	"errors"
	"time"
)

// Owner: the log helper. These are the lead's stubs; each returns errNotYet until written.

var errNotYet = errors.New("jetlog: not written yet")

func open(_ context.Context, cfg Config) (*Log, error) {
	n, err := startNode(cfg)
	if err != nil {
		return nil, err
	}
	return &Log{cfg: cfg, node: n}, nil
}

func (l *Log) appendMsg(context.Context, Msg, string) (uint64, bool, error) {
	return 0, false, errNotYet
}
func (l *Log) follow(context.Context, uint64, func(Msg) error) error { return errNotYet }
func (l *Log) firstAt(context.Context, time.Time) (uint64, error)    { return 0, errNotYet }
func (l *Log) saveCheckpoint(context.Context, Checkpoint) error      { return errNotYet }
func (l *Log) checkpointBefore(context.Context, uint64) (Checkpoint, bool, error) {
	return Checkpoint{}, false, errNotYet
}
func (l *Log) state(context.Context) (State, error) { return State{}, errNotYet }
func (l *Log) close() error                         { l.node.stop(); return nil }
