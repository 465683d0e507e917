package feed

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/deskwatch/deskwatch/model"
)

// demoWarmup is how much event time the demo simulates before it starts, so the desk opens with
// agents mid-call rather than empty; demoWarmupEvents caps it at high rates.
const (
	demoWarmup       = 90 * time.Second
	demoWarmupEvents = 3000
)

// Demo is the embedded live source: the seeded generator paced in real time, so that event times
// track the wall clock. It needs no network and never ends.
type Demo struct {
	cfg GeneratorConfig

	msgs, bytes atomic.Int64
	mu          sync.Mutex
	since       time.Time
}

// NewDemo returns a demo source for cfg. The demo is live, so its event times follow the wall clock
// from the moment Run starts and cfg.Start is not used: an event generated d after the start is
// emitted, and stamped, d after Run began.
func NewDemo(cfg GeneratorConfig) *Demo { return &Demo{cfg: cfg} }

// Run emits the demo's events until ctx is cancelled, then returns ctx.Err(). It first replays a short
// stretch of simulated history silently and emits what a bridge sends on connect (each agent's login,
// state and INTERACTIONS_STATE snapshot), then the live events in real time.
func (d *Demo) Run(ctx context.Context, emit Emit) error {
	start := time.Now()
	d.mu.Lock()
	d.since = start
	d.mu.Unlock()

	rate := d.cfg.Rate
	if rate <= 0 {
		rate = DefaultRate
	}
	warm := min(demoWarmup, time.Duration(demoWarmupEvents/rate*float64(time.Second)))
	cfg := d.cfg
	cfg.Start = start.Add(-warm) // keeps start's monotonic reading, so pacing ignores wall-clock jumps
	g := NewGenerator(cfg)
	for g.Now().Before(start) {
		g.Next()
	}

	var n int64
	send := func(b []byte) {
		n++
		d.msgs.Add(1)
		d.bytes.Add(int64(len(b)))
		emit(Message{Data: b, Origin: model.Origin{Source: "demo", Conn: 1, Msg: n}, Received: time.Now()})
	}
	for _, b := range g.Presence() {
		send(b)
	}
	for _, b := range g.Snapshots() {
		send(b)
	}

	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		data, at := g.Next()
		if wait := time.Until(at); wait > 0 {
			timer.Reset(wait)
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-timer.C:
			}
		}
		send(data)
	}
}

// Status reports the demo as a live source with the number of messages and bytes emitted so far.
func (d *Demo) Status() Status {
	d.mu.Lock()
	since := d.since
	d.mu.Unlock()
	agents := d.cfg.Agents
	if agents <= 0 {
		agents = DefaultAgents
	}
	return Status{
		Name:     "demo",
		State:    StateLive,
		Detail:   fmt.Sprintf("%d agents, seed %d", agents, d.cfg.Seed),
		Messages: d.msgs.Load(),
		Bytes:    d.bytes.Load(),
		Since:    since,
	}
}

// Now returns the wall clock: the demo is live.
func (d *Demo) Now() time.Time { return time.Now() }
