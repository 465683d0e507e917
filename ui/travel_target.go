package ui

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/deskwatch/deskwatch/travel"
)

// targetKind says how a travel target names its position.
type targetKind int

const (
	targetEvents targetKind = iota // n events from the position shown (, and .)
	targetFrac                     // a fraction f of the history (a click on the progress bar)
	targetNamed                    // a travel.Target: :goto's, and the time steps' (relative, step set)
)

// travelTarget is where a travel key, :goto or a click asks to go.
type travelTarget struct {
	kind targetKind
	n    int64
	f    float64
	t    travel.Target
	// step marks a time step of a key ({ } ( )): it moves at least one event, so that a quiet
	// stretch of the stream does not hold it still, and stops at the bounds.
	step bool
}

// timeStep is the target of a key that moves d of event time.
func timeStep(d time.Duration) travelTarget {
	return travelTarget{kind: targetNamed, t: travel.Target{Kind: travel.TargetRelative, Delta: d}, step: true}
}

// needsAt reports whether the target is reckoned from the event time of the position shown.
func (t travelTarget) needsAt() bool {
	return t.kind == targetNamed && (t.t.Kind == travel.TargetRelative || t.t.Kind == travel.TargetClock)
}

// gotoForms lists what :goto takes, for the help.
const gotoForms = "10:14:52, 2026-11-30T10:14:52Z, +5m, -30s, #12345, start or end"

// parseGoto reads the argument of ":goto" (travel.ParseTarget), checking an event number against
// the history's bounds at once, so that the prompt can say so.
func parseGoto(h travel.History, s string) (travelTarget, error) {
	t, err := travel.ParseTarget(s)
	switch {
	case err != nil && strings.TrimSpace(s) == "":
		return travelTarget{}, fmt.Errorf("goto: %w", err)
	case err != nil:
		return travelTarget{}, fmt.Errorf("goto %w", err)
	}
	if first, last := h.Bounds(); t.Kind == travel.TargetEvent && (t.N < first.N || t.N > last.N) {
		return travelTarget{}, fmt.Errorf("goto #%d: outside the history: it holds events %s to %s", t.N,
			thousands(first.N), thousands(last.N))
	}
	return travelTarget{kind: targetNamed, t: t}, nil
}

// resolve finds the position the target names, from the position shown, within h's bounds.
func (t travelTarget) resolve(h travel.History, from travel.Position, loc *time.Location) (int64, error) {
	first, last := h.Bounds()
	var n int64
	switch t.kind {
	case targetEvents:
		if t.n < 0 && from.N < first.N { // a frozen picture the history has since forgotten
			return 0, fmt.Errorf("%w: event #%s was forgotten; it holds events %s to %s", travel.ErrOutside,
				thousands(from.N), thousands(first.N), thousands(last.N))
		}
		n = from.N + t.n
	case targetFrac:
		n = first.N + int64(t.f*float64(last.N-first.N)+0.5)
	case targetNamed:
		p, err := travel.Resolve(h, t.t, from, loc)
		switch {
		case err != nil && t.step && errors.Is(err, travel.ErrOutside) && t.t.Delta < 0:
			p = first
		case err != nil && t.step && errors.Is(err, travel.ErrOutside):
			p = last
		case err != nil:
			return 0, err
		}
		n = p.N
		if t.step && t.t.Delta > 0 && n <= from.N {
			n = from.N + 1
		} else if t.step && t.t.Delta < 0 && n >= from.N {
			n = from.N - 1
		}
	}
	return min(max(n, first.N), last.N), nil
}

// positioner is a history that tells a position's event time without a seek (the travel
// package's do).
type positioner interface {
	Position(int64) (travel.Position, error)
}

// knownPosition is position n of h with its event time, when h can tell it without a seek.
func knownPosition(h travel.History, n int64) (travel.Position, bool) {
	ph, ok := h.(positioner)
	if !ok {
		return travel.Position{}, false
	}
	p, err := ph.Position(n)
	return p, err == nil
}

// positionOf is position n of h with its event time: from the history when it can tell (the
// travel package's do), else by seeking there.
func positionOf(ctx context.Context, h travel.History, n int64) (travel.Position, error) {
	if ph, ok := h.(positioner); ok {
		return ph.Position(n)
	}
	c, err := h.Seek(ctx, n)
	if err != nil {
		return travel.Position{}, err
	}
	return c.Pos, nil
}

// thousands formats n with commas between groups of three digits: 1,234,567.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
