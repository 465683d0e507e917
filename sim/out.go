package sim

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/deskwatch/deskwatch/internal/synth"
)

// OutConfig configures writing a stream to a file.
type OutConfig struct {
	// Generator selects the stream; its Start (the first event's ts) defaults to a fixed date, so
	// that a seed always gives the same file.
	Generator synth.GeneratorConfig
	// Chaos injects faults: dropped events leave seq gaps, malformed lines are rejected on replay.
	Chaos Chaos
	// Events stops after this many generated events (dropped ones included, malformed lines not);
	// Duration stops when the event time has advanced this far from the start. At least one must be
	// set; the first reached ends the file.
	Events   int64
	Duration time.Duration
}

// OutResult counts what WriteEvents wrote.
type OutResult struct {
	// Events counts the events written, Dropped the ones left out, Malformed the bad lines added.
	Events, Dropped, Malformed int64
	// Bytes is the file's size.
	Bytes int64
	// First and Last are the event times of the first and last event written.
	First, Last time.Time
}

// WriteEvents writes the generator's stream to w as JSON Lines, as fast as it can: the same seed
// and configuration give the same bytes.
func WriteEvents(w io.Writer, cfg OutConfig) (OutResult, error) {
	if cfg.Events <= 0 && cfg.Duration <= 0 {
		return OutResult{}, errors.New("write events: want a number of events or a duration")
	}
	g := synth.NewGenerator(cfg.Generator)
	ch := newChaos(cfg.Chaos, cfg.Generator.Seed)
	bw := bufio.NewWriterSize(w, 1<<20)
	var res OutResult
	end := time.Time{}
	if cfg.Duration > 0 {
		end = g.Now().Add(cfg.Duration)
	}
	line := func(b []byte) error {
		res.Bytes += int64(len(b)) + 1
		bw.Write(b)
		return bw.WriteByte('\n') // a bufio.Writer keeps its first error; this returns it
	}
	for cfg.Events <= 0 || res.Events+res.Dropped < cfg.Events {
		if !end.IsZero() && !g.Now().Before(end) {
			break
		}
		data, at := g.Next()
		if ch.drop() {
			res.Dropped++
			continue
		}
		if res.Events == 0 {
			res.First = at
		}
		res.Events++
		res.Last = at
		if err := line(data); err != nil {
			return res, fmt.Errorf("write events: %w", err)
		}
		if bad := ch.malformed(); bad != nil {
			res.Malformed++
			if err := line(bad); err != nil {
				return res, fmt.Errorf("write events: %w", err)
			}
		}
	}
	if err := bw.Flush(); err != nil {
		return res, fmt.Errorf("write events: %w", err)
	}
	return res, nil
}
