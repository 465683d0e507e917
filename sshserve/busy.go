package sshserve

import (
	"context"
	"time"

	"github.com/deskwatch/deskwatch/internal/cputime"
	"github.com/deskwatch/deskwatch/internal/periodic"
)

// The server's frame interval follows its CPU use: every busyEvery it compares the CPU the
// process used with frameBudget and lengthens the interval every session waits between frames by
// a quarter when over, shortens it back towards Config.FrameInterval when well under. A slow client
// is paced apart, by its own output (pace.go).
const (
	busyEvery = 250 * time.Millisecond
	// frameBudget is the share of the cores the server may use before frames come less often.
	frameBudget = 0.8
)

// paceFrames adjusts s.interval until ctx ends.
func (s *Server) paceFrames(ctx context.Context) {
	cpu0, t0 := cputime.Process(), time.Now()
	periodic.Every(ctx.Done(), busyEvery, func(now time.Time) bool {
		cpu := cputime.Process()
		used := (cpu - cpu0).Seconds() / now.Sub(t0).Seconds()
		cpu0, t0 = cpu, now
		s.interval.Store(int64(nextInterval(time.Duration(s.interval.Load()), s.cfg.FrameInterval, used)))
		return true
	})
}

// nextInterval is the frame interval after one that used the given cores.
func nextInterval(cur, least time.Duration, used float64) time.Duration {
	switch {
	case used > frameBudget:
		cur = cur * 5 / 4
	case used < frameBudget*3/4:
		cur = cur * 4 / 5
	}
	return min(max(cur, least), maxFrameInterval)
}
