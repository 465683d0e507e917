// Package travel keeps what one feed has applied so that any earlier moment can be rebuilt exactly
// (issue 15, time travel): checkpoints of the store every so many events, and the messages between
// them, read again from the file (a replay, indexed on first load) or kept in memory (a live stream,
// within --history). A viewer seeks to an event number or an event time and gets a private store in
// the state the feed's store had then; stepping forward applies the next messages to it, stepping
// back restores the nearest checkpoint and applies at most the checkpoint interval.
//
// Positions count messages as the pump handled them (rejected ones included): position n is the
// state after messages 1..n; position 0 is the empty store before the first.
package travel

import (
	"context"
	"errors"
	"time"

	"github.com/deskwatch/deskwatch/model"
)

// Position is a point of the history: the number of messages applied, and the event time of the
// last of them (the pump's EventTime: its ts, else when it was received; zero at position 0).
type Position struct {
	N  int64
	At time.Time
}

// ErrOutside is returned for a target the history does not hold (before its first kept message, or
// past the last one read so far).
var ErrOutside = errors.New("travel: outside the history")

// History is what one feed has applied. One per feed; any number of viewers seek in it at once.
type History interface {
	// Bounds are the first and the last positions a seek can reach now (a live history forgets
	// its oldest messages; a file's grows while it is being indexed).
	Bounds() (first, last Position)
	// Find is the position at event time t: the last message whose event time is at or before t
	// (first when t is before it, last when after).
	Find(t time.Time) Position
	// Seek returns a new store in the state the feed's store had at position n.
	Seek(ctx context.Context, n int64) (*Cursor, error)
}

// Cursor is a viewer's private store at a position of a history. It belongs to one goroutine.
type Cursor struct {
	Store *model.Store
	Pos   Position
	h     History
}

// Step moves the cursor by delta messages: forward applies the next ones to its store, backward
// seeks again from the nearest checkpoint. It stops at the history's bounds.
func (c *Cursor) Step(ctx context.Context, delta int64) error {
	return errors.New("travel: Step is not written yet")
}
