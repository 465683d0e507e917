// Package demo is deskwatch's embedded live source: the synthetic generator paced in real time,
// as a feed.Source, so that deskwatch shows a busy desk with no network and no file.
package demo

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/deskwatch/deskwatch/feed"
	"github.com/deskwatch/deskwatch/internal/synth"
	"github.com/deskwatch/deskwatch/model"
)

// Source is the embedded live source: the seeded generator paced in real time, so that event times
// track the wall clock. It needs no network and never ends.
type Source struct {
	cfg synth.GeneratorConfig

	msgs, bytes atomic.Int64
	mu          sync.Mutex
	since       time.Time
}

// New returns a demo source for cfg. The demo is live, so its event times follow the wall clock
// from the moment Run starts and cfg.Start is not used: an event generated d after the start is
// emitted, and stamped, d after Run began.
func New(cfg synth.GeneratorConfig) *Source { return &Source{cfg: cfg} }

// Run emits the demo's events until ctx is cancelled, then returns ctx.Err(). It first replays a short
// stretch of simulated history silently and emits what a bridge sends on connect (each agent's login,
// state and INTERACTIONS_STATE snapshot), then the live events in real time.
func (d *Source) Run(ctx context.Context, emit feed.Emit) error {
	p := synth.NewPacer(synth.PacerConfig{Generator: d.cfg, Warmup: synth.Warmup(d.cfg.Rate)})
	d.mu.Lock()
	d.since = p.Start()
	d.mu.Unlock()

	var n int64
	send := func(b []byte, _ time.Time) {
		n++
		d.msgs.Add(1)
		d.bytes.Add(int64(len(b)))
		emit(feed.Message{Data: b, Origin: model.Origin{Source: "demo", Conn: 1, Msg: n}, Received: time.Now()})
	}
	p.SkipHistory()
	for _, b := range p.Generator().Welcome() {
		send(b, time.Time{})
	}
	return p.Run(ctx, send)
}

// Status reports the demo as a live source with the number of messages and bytes emitted so far.
func (d *Source) Status() feed.Status {
	d.mu.Lock()
	since := d.since
	d.mu.Unlock()
	agents, word := d.cfg.Agents, "agents"
	if agents <= 0 {
		agents = synth.DefaultAgents
	}
	if agents == 1 {
		word = "agent" // it said "1 agents" (newcomer)
	}
	return feed.Status{
		Name:     "demo",
		State:    feed.StateLive,
		Detail:   fmt.Sprintf("%d %s, seed %d", agents, word, d.cfg.Seed),
		Messages: d.msgs.Load(),
		Bytes:    d.bytes.Load(),
		Since:    since,
	}
}

// Now returns the wall clock: the demo is live.
func (d *Source) Now() time.Time { return time.Now() }
