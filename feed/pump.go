package feed

import (
	"fmt"
	"runtime/debug"
	"sync/atomic"
	"time"

	"github.com/deskwatch/deskwatch/model"
)

// InternalError is the start of the rejection reason recorded for a message whose handling
// panicked: the message is skipped and the feed goes on.
const InternalError = "event caused an internal error"

// Pump decodes raw messages, applies them to the store (or records why they were rejected) and
// signals the notifier. It is the single writer of its store.
type Pump struct {
	store   *model.Store
	notify  *Notifier
	taps    []Emit
	onRej   func(model.Origin, string)
	onPanic func(model.Origin, any, []byte)
	panics  atomic.Int64
	// conn is the connection number of the last message: a message of another connection means
	// the source reconnected, and the snapshot it begins with is the store's new resync.
	conn int64
	// handled counts the messages handled (the travel package's positions); at is the event time
	// of the last one; after are the functions called after each (After).
	handled atomic.Int64
	at      time.Time
	after   []func(Message, time.Time)
	// hook, when set (by tests only), is called with each decoded event just before it is
	// applied: a test makes it panic on a marker event to check the pump's recovery.
	hook func(model.Event)
}

// NewPump returns a pump that applies to store and signals notify (which may be nil).
func NewPump(store *model.Store, notify *Notifier) *Pump {
	return &Pump{store: store, notify: notify}
}

// After adds a function called with every message once it has been handled (applied or rejected)
// and before the notifier is signalled, with the message's event time: the event's ts, else when it
// was received (model.EventTime); for a message that does not decode, its ts as far as it can be
// read, else when it was received. m.Data is valid only until fn returns (see Emit). The travel
// package records a feed's history with it.
func (p *Pump) After(fn func(m Message, at time.Time)) { p.after = append(p.after, fn) }

// Handled is how many messages the pump has handled, rejected ones included: the number of the
// last one (the travel package's position). It is safe to call from any goroutine.
func (p *Pump) Handled() int64 { return p.handled.Load() }

// Store is the store the pump applies to.
func (p *Pump) Store() *model.Store { return p.store }

// Conn is the connection number of the last message handled (0 before any, and for files): a
// checkpoint of the store keeps it, so that a pump resumed from it begins a resync exactly where
// the original did.
func (p *Pump) Conn() int64 { return p.conn }

// Resume makes a new pump continue a stream after its message handled, whose connection was
// conn: the pump of a store restored from a checkpoint (package travel).
func (p *Pump) Resume(handled, conn int64) {
	p.handled.Store(handled)
	p.conn = conn
}

// Tap adds a function that sees every message before it is decoded, valid or not (a recorder).
func (p *Pump) Tap(fn Emit) { p.taps = append(p.taps, fn) }

// OnReject sets a function told about every rejected message (batch mode prints them to stderr),
// and about every warning on an accepted one (its reason then starts "warning: ").
func (p *Pump) OnReject(fn func(o model.Origin, reason string)) { p.onRej = fn }

// OnPanic sets a function told, with the stack, about every message whose handling panicked (the
// message is also rejected as InternalError). The callers log the stack.
func (p *Pump) OnPanic(fn func(o model.Origin, value any, stack []byte)) { p.onPanic = fn }

// Panics reports how many messages caused an internal error so far.
func (p *Pump) Panics() int64 { return p.panics.Load() }

// Handle is the Emit function sources call: it taps, decodes and applies one message. A panic
// while doing so (a bug) does not stop the feed: the message is rejected as InternalError, the
// panic is counted and reported to OnPanic, and the store keeps what it had (the store releases
// its lock on the way out; what earlier events made stays).
func (p *Pump) Handle(m Message) {
	for _, t := range p.taps {
		t(m)
	}
	if c := m.Origin.Conn; c != 0 && c != p.conn {
		p.conn = c
		p.store.BeginResync()
	}
	p.at = time.Time{}
	p.guarded(m)
	p.handled.Add(1)
	if len(p.after) > 0 {
		at := p.eventTime(m)
		for _, fn := range p.after {
			fn(m, at)
		}
	}
	if p.notify != nil {
		p.notify.Changed()
	}
}

// eventTime is the event time of m, just handled: the applied event's (set by apply), else its ts
// as PeekTS reads it, else when it was received.
func (p *Pump) eventTime(m Message) time.Time {
	if !p.at.IsZero() {
		return p.at
	}
	if m.Problem == "" {
		if ts := model.PeekTS(m.Data); !ts.IsZero() {
			return ts
		}
	}
	return m.Received
}

func (p *Pump) guarded(m Message) {
	defer func() {
		if r := recover(); r != nil {
			p.panicked(m, r, debug.Stack())
		}
	}()
	p.apply(m)
}

func (p *Pump) panicked(m Message, r any, stack []byte) {
	p.panics.Add(1)
	if p.onPanic != nil {
		p.onPanic(m.Origin, r, stack)
	}
	p.reject(m, fmt.Sprintf("%s (%v); it was skipped", InternalError, r))
}

func (p *Pump) apply(m Message) {
	if m.Problem != "" {
		p.reject(m, m.Problem)
		return
	}
	var ev model.Event
	var err error
	if d := m.decoded; d != nil {
		ev, err = d.ev, d.err
	} else {
		ev, err = model.Decode(m.Data)
	}
	if err != nil {
		reason := err.Error()
		if m.Partial {
			reason = "truncated last line (no line ending): " + reason
		}
		p.reject(m, reason)
		return
	}
	for _, w := range ev.Warnings { // accepted, but said where and why, like a rejection
		p.store.Warn(m.Origin, w, m.Data, m.Received)
		if p.onRej != nil {
			p.onRej(m.Origin, "warning: "+w)
		}
	}
	if sk, ok := ev.Payload.(*model.Skipped); ok { // listed where it came, its seq counted as arrived
		p.reject(m, model.SkippedReason(sk, ev.AgentID, ev.Seq, ev.HasSeq))
		return
	}
	if p.hook != nil {
		p.hook(ev)
	}
	p.at = model.EventTime(ev, m.Received)
	if err := p.store.ApplyChecked(ev, p.at); err != nil {
		p.reject(m, err.Error())
	}
}

func (p *Pump) reject(m Message, reason string) {
	p.store.Reject(m.Origin, reason, m.Data, m.Received)
	if p.onRej != nil {
		p.onRej(m.Origin, reason)
	}
}
