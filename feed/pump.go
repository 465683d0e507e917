package feed

import (
	"time"

	"github.com/deskwatch/deskwatch/model"
)

// Pump decodes raw messages, applies them to the store (or records why they were rejected) and
// signals the notifier. It is the single writer of its store.
type Pump struct {
	store  *model.Store
	notify *Notifier
	taps   []Emit
	onRej  func(model.Origin, string)
}

// NewPump returns a pump that applies to store and signals notify (which may be nil).
func NewPump(store *model.Store, notify *Notifier) *Pump {
	return &Pump{store: store, notify: notify}
}

// Tap adds a function that sees every message before it is decoded, valid or not (a recorder).
func (p *Pump) Tap(fn Emit) { p.taps = append(p.taps, fn) }

// OnReject sets a function told about every rejected message (batch mode prints them to stderr),
// and about every warning on an accepted one (its reason then starts "warning: ").
func (p *Pump) OnReject(fn func(o model.Origin, reason string)) { p.onRej = fn }

// Handle is the Emit function sources call: it taps, decodes and applies one message.
func (p *Pump) Handle(m Message) {
	for _, t := range p.taps {
		t(m)
	}
	p.apply(m)
	if p.notify != nil {
		p.notify.Changed()
	}
}

func (p *Pump) apply(m Message) {
	if m.Problem != "" {
		p.reject(m, m.Problem)
		return
	}
	ev, err := model.Decode(m.Data)
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
	p.store.Apply(ev, EventTime(ev, m))
}

func (p *Pump) reject(m Message, reason string) {
	p.store.Reject(m.Origin, reason, m.Data, m.Received)
	if p.onRej != nil {
		p.onRej(m.Origin, reason)
	}
}

// EventTime is the time an event is filed under: its ts when it has one, else when it arrived.
func EventTime(ev model.Event, m Message) time.Time {
	if !ev.TS.IsZero() {
		return ev.TS
	}
	return m.Received
}
