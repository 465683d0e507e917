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

	"github.com/deskwatch/deskwatch/feed"
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
	// p applies the history's messages to Store; res is where, in a file, the message at Pos is
	// (a file cursor steps forward by reading on from there).
	p   *feed.Pump
	res resume
}

// player is what a History of this package does for its cursors.
type player interface {
	History
	// seekInto makes c a cursor at position n (restoring a checkpoint and applying what follows).
	seekInto(ctx context.Context, c *Cursor, n int64) error
	// play applies to c the messages after c.Pos up to position n.
	play(ctx context.Context, c *Cursor, n int64) error
}

// Step moves the cursor by delta messages: forward applies the next ones to its store, backward
// seeks again from the nearest checkpoint. It stops at the history's bounds.
func (c *Cursor) Step(ctx context.Context, delta int64) error {
	pl, ok := c.h.(player)
	if !ok {
		return errors.New("travel: the cursor has no history")
	}
	first, last := pl.Bounds()
	to := min(max(c.Pos.N+delta, first.N), last.N)
	switch {
	case to == c.Pos.N:
		return nil
	case to > c.Pos.N:
		return pl.play(ctx, c, to)
	}
	return pl.seekInto(ctx, c, to)
}

// start makes c a cursor of h at the restorable state sn, with a pump that goes on from there.
func (c *Cursor) start(h History, sn snap, opts []model.Option) {
	*c = Cursor{Store: restore(sn, opts), Pos: sn.pos, h: h, res: sn.res}
	c.p = feed.NewPump(c.Store, nil)
	c.p.Resume(sn.pos.N, sn.conn)
	c.p.After(func(_ feed.Message, at time.Time) {
		c.Pos = Position{N: c.p.Handled(), At: at}
	})
}
