package synth

import (
	"context"
	"sync"
	"time"
)

// The warm-up: how much event time a live stream simulates before it starts, so that the desk
// opens with agents mid-call rather than empty; warmupEvents caps it at high rates.
const (
	maxWarmup    = 90 * time.Second
	warmupEvents = 3000
)

// Warmup returns the history a live stream at rate events per second (DefaultRate when <= 0)
// starts with: 90 seconds, or 3,000 events' worth when that is shorter.
func Warmup(rate float64) time.Duration {
	if rate <= 0 {
		rate = DefaultRate
	}
	return min(maxWarmup, time.Duration(warmupEvents/rate*float64(time.Second)))
}

// PacerConfig configures a Pacer.
type PacerConfig struct {
	// Generator selects the stream; its Start is not used: the stream starts Warmup before now.
	Generator GeneratorConfig
	// Warmup is the simulated history that is due at once when the pacer starts.
	Warmup time.Duration
	// Burst bounds the events released in one go (0: no bound), so that a catch-up (the warm-up, a
	// stalled process) does not hold Lock for long.
	Burst int
	// Limit ends the stream after this many events (0: never).
	Limit int64
	// Lock, when set, is held while a burst is generated and emitted, so that other goroutines may
	// use the generator (Welcome) between bursts and see the stream as of a whole event.
	Lock sync.Locker
}

// Pacer releases a generator's events at their event time against the wall clock: history before
// the start is due at once, then each event follows the clock. The demo and the simulator share it.
type Pacer struct {
	cfg   PacerConfig
	gen   *Generator
	start time.Time
	sent  int64
}

// NewPacer returns a pacer whose live stream starts now, after cfg.Warmup of history.
func NewPacer(cfg PacerConfig) *Pacer {
	start := time.Now()
	gc := cfg.Generator
	gc.Start = start.Add(-cfg.Warmup) // keeps start's monotonic reading, so pacing ignores clock jumps
	return &Pacer{cfg: cfg, gen: NewGenerator(gc), start: start}
}

// Generator returns the paced generator. While Run is running, use it only under PacerConfig.Lock.
func (p *Pacer) Generator() *Generator { return p.gen }

// Start returns the wall-clock time the live stream starts: the end of the warm-up.
func (p *Pacer) Start() time.Time { return p.start }

// SkipHistory generates the warm-up without releasing it, so that a stream opens on a busy desk at
// once; the events skipped do not count towards Limit. Call it before Run.
func (p *Pacer) SkipHistory() {
	for p.gen.Now().Before(p.start) {
		p.gen.Next()
	}
}

// Run calls emit with every event as it falls due, in order, from this goroutine, until ctx ends;
// it then returns ctx.Err(). After Limit events it only waits for ctx.
func (p *Pacer) Run(ctx context.Context, emit func(data []byte, at time.Time)) error {
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for {
		next, more := p.release(ctx, emit)
		if err := ctx.Err(); err != nil {
			return err
		}
		if !more {
			<-ctx.Done()
			return ctx.Err()
		}
		if wait := time.Until(next); wait > 0 {
			timer.Reset(wait)
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-timer.C:
			}
		}
	}
}

// release emits the events that are due, at most Burst of them, and returns the time of the next
// one; more is false once Limit events have been released. It stops early when ctx ends, so that
// nothing is emitted after a cancel made from emit.
func (p *Pacer) release(ctx context.Context, emit func([]byte, time.Time)) (next time.Time, more bool) {
	if p.cfg.Lock != nil {
		p.cfg.Lock.Lock()
		defer p.cfg.Lock.Unlock()
	}
	now := time.Now()
	for n := 0; p.cfg.Burst <= 0 || n < p.cfg.Burst; n++ {
		if p.cfg.Limit > 0 && p.sent >= p.cfg.Limit {
			return time.Time{}, false
		}
		if p.gen.Now().After(now) || ctx.Err() != nil {
			break
		}
		data, at := p.gen.Next()
		p.sent++
		emit(data, at)
	}
	return p.gen.Now(), true
}
