// Package travel keeps what one feed has applied so that any earlier moment can be rebuilt exactly
// (issue 15, time travel): checkpoints of the store every so many events, and the messages between
// them, read again from the file (a replay, indexed on first load) or kept in memory (a live stream,
// within --history). A viewer seeks to an event number or an event time and gets a private store in
// the state the feed's store had then; stepping forward applies the next messages to it, stepping
// back restores the nearest checkpoint and applies at most the checkpoint interval.
//
// Positions count messages as the pump handled them (rejected ones included): position n is the
// state after messages 1..n; position 0 is the empty store before the first.
//
// A Live history records from the feed's pump (feed.Pump.After) and takes its checkpoints in the
// pump's goroutine; a File history indexes a replay file with its own reader, and its seeks give
// the stores a --speed max replay of the file has (a line with neither a ts nor a receive time is
// stamped with the replay clock, which a paced replay advances in wall time). Memory: a live
// history keeps at most Options.MaxBytes of messages (DefaultHistoryBytes) within MaxAge of event
// time (DefaultHistory); a file's index keeps 16 bytes a message; both keep at most
// MaxCheckpoints checkpoints of at most MaxCheckpointBytes in all (see DefaultEvery), and each
// cursor at most maxTrail of its own.
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
	// (first when t is before it, last when after). Events out of order do not move it back: it
	// is the position just before the first message whose event time, or an earlier one's, is
	// after t.
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
	// trail are the cursor's own checkpoints, taken every trailEvery messages as it applies them
	// (at most maxTrail, the farthest from it dropped first): a step back restores the nearest,
	// closer than the history's.
	trail      []snap
	trailEvery int64
}

// maxTrail bounds a cursor's own checkpoints; with trailDiv, a step back applies at most an eighth
// of the history's interval. They share the cursor's rows: each costs its maps and slices of
// pointers (model.Checkpoint.Bytes), under a megabyte for 10,000 rows.
const (
	maxTrail = 8
	trailDiv = 8
)

// player is what a History of this package does for its cursors.
type player interface {
	History
	// from is the history's nearest checkpoint at or before position n, the history's checkpoint
	// interval and its store options, or why n is outside it.
	from(n int64) (sn snap, every int64, opts []model.Option, err error)
	// play applies to c the messages after c.Pos up to position n.
	play(ctx context.Context, c *Cursor, n int64) error
}

// seek is a new cursor of pl at position n.
func seek(ctx context.Context, pl player, n int64) (*Cursor, error) {
	c := new(Cursor)
	if err := seekInto(ctx, pl, c, n); err != nil {
		return nil, err
	}
	return c, nil
}

// seekInto makes c a cursor of pl at position n: it restores the nearest checkpoint and applies
// what follows.
func seekInto(ctx context.Context, pl player, c *Cursor, n int64) error {
	sn, every, opts, err := pl.from(n)
	if err != nil {
		return err
	}
	c.start(pl, sn, n, every, opts)
	return pl.play(ctx, c, n)
}

// Step moves the cursor by delta messages: forward applies the next ones to its store, backward
// seeks again from the nearest checkpoint. It stops at the history's bounds.
func (c *Cursor) Step(ctx context.Context, delta int64) error {
	return c.Goto(ctx, c.Pos.N+delta)
}

// Goto moves the cursor to position n (within the history's bounds): forward by less than the
// checkpoint interval it applies the next messages to its store; else, and backward, it restores
// the nearest checkpoint, the history's or one the cursor took itself on its way (a step back
// applies at most an eighth of the interval).
func (c *Cursor) Goto(ctx context.Context, n int64) error {
	pl, ok := c.h.(player)
	if !ok {
		return errors.New("travel: the cursor has no history")
	}
	first, last := pl.Bounds()
	to := min(max(n, first.N), last.N)
	switch {
	case to == c.Pos.N:
		return nil
	case to > c.Pos.N && to-c.Pos.N <= c.trailEvery*trailDiv:
		return pl.play(ctx, c, to)
	}
	return seekInto(ctx, pl, c, to)
}

// start makes c a cursor of h at position n from sn, the history's nearest checkpoint, or from one
// of the cursor's own when it is nearer; the pump goes on from there. every is the history's
// checkpoint interval.
func (c *Cursor) start(h History, sn snap, n, every int64, opts []model.Option) {
	trail := c.trail
	if c.h != h {
		trail = nil
	}
	for _, t := range trail {
		if t.pos.N <= n && t.pos.N > sn.pos.N {
			sn = t
		}
	}
	*c = Cursor{Store: restore(sn, opts), Pos: sn.pos, h: h, res: sn.res, trail: trail,
		trailEvery: max(every/trailDiv, 1)}
	c.p = feed.NewPump(c.Store, nil)
	c.p.Resume(sn.pos.N, sn.conn)
	c.p.After(func(_ feed.Message, at time.Time) {
		c.Pos = Position{N: c.p.Handled(), At: at}
	})
}

// applied takes one of the cursor's own checkpoints when one is due, after a message is applied
// (res then says where it is in a file, with the replay's clock read by clock).
func (c *Cursor) applied(clock func() time.Time) {
	last := int64(-1)
	for _, t := range c.trail {
		if t.pos.N <= c.Pos.N {
			last = max(last, t.pos.N)
		}
	}
	if last >= 0 && c.Pos.N-last < c.trailEvery || c.trailEvery == 0 {
		return
	}
	sn := snap{pos: c.Pos, cp: c.Store.Checkpoint(), conn: c.p.Conn(), res: c.res}
	if clock != nil {
		sn.res.clock = clock()
	}
	if len(c.trail) == maxTrail {
		far := 0
		for i, t := range c.trail {
			if abs(t.pos.N-c.Pos.N) > abs(c.trail[far].pos.N-c.Pos.N) {
				far = i
			}
		}
		c.trail = append(c.trail[:far], c.trail[far+1:]...)
	}
	c.trail = append(c.trail, sn)
}

func abs(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}
