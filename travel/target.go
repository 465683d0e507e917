package travel

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// TargetKind says what a Target names.
type TargetKind int

// The kinds of target.
const (
	TargetStart    TargetKind = iota // "start": the first position of the history
	TargetEnd                        // "end": the last one
	TargetEvent                      // "#12345": the state after that event
	TargetTime                       // "2026-11-30T10:14:52Z": an event time
	TargetClock                      // "10:14:52": a time of day on the date of the current position
	TargetRelative                   // "+5m", "-30s": relative to the current position's event time
)

// Target is a place in a history as a user names it (`:goto`, `--at`); Resolve finds it.
type Target struct {
	Kind  TargetKind
	N     int64         // TargetEvent
	Time  time.Time     // TargetTime
	Clock time.Duration // TargetClock: since midnight
	Delta time.Duration // TargetRelative
	// Local marks a TargetTime written without a zone: it is read in Resolve's location.
	Local bool
}

// TimeLayout is how an event time is written in messages about a history's bounds (the local
// time, to the second), here and in --at's.
const TimeLayout = "2006-01-02 15:04:05"

// localLayouts are the date-times without a zone a target may be written as.
var localLayouts = []string{"2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04", "2006-01-02 15:04"}

// ParseTarget reads a target: start, end, #N (an event number), +DURATION or -DURATION (event time
// relative to the current position, as Go writes durations: 5m, 30s, 1h30m), HH:MM[:SS[.fff]] (a
// time of day on the current position's date), or a date-time (RFC 3339, or without a zone for the
// local one). The error says what was wrong.
func ParseTarget(s string) (Target, error) {
	s = strings.TrimSpace(s)
	bad := func(why string) (Target, error) { return Target{}, fmt.Errorf("%s: %s", s, why) }
	switch low := strings.ToLower(s); {
	case low == "":
		return Target{}, errors.New("no target (start, end, #N, +5m, 10:14:52 or 2026-11-30T10:14:52Z)")
	case low == "start" || low == "begin":
		return Target{Kind: TargetStart}, nil
	case low == "end" || low == "live":
		return Target{Kind: TargetEnd}, nil
	case s[0] == '#':
		n, err := strconv.ParseInt(strings.ReplaceAll(s[1:], ",", ""), 10, 64)
		if err != nil || n < 0 {
			return bad("an event number is # and a whole number, 0 or more")
		}
		return Target{Kind: TargetEvent, N: n}, nil
	case s[0] == '+' || s[0] == '-':
		d, err := time.ParseDuration(s)
		if err != nil {
			return bad("not a duration (like +5m, -30s, +1h30m)")
		}
		return Target{Kind: TargetRelative, Delta: d}, nil
	case strings.Count(s, ":") >= 1 && !strings.ContainsAny(s, "-T "):
		return parseClock(s)
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return Target{Kind: TargetTime, Time: t}, nil
	}
	for _, l := range localLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return Target{Kind: TargetTime, Time: t, Local: true}, nil
		}
	}
	return bad("not a target (start, end, #N, +5m, 10:14:52 or 2026-11-30T10:14:52Z)")
}

// parseClock reads HH:MM[:SS[.fff]], digits only (ParseFloat alone would take NaN, 1e1 or 0x1p3).
func parseClock(s string) (Target, error) {
	parts := strings.Split(s, ":")
	if len(parts) > 3 {
		return Target{}, fmt.Errorf("%s: a time of day is HH:MM or HH:MM:SS", s)
	}
	var hms [3]float64
	for i, p := range parts {
		v, err := strconv.ParseFloat(p, 64)
		if err != nil || strings.Trim(p, "0123456789.") != "" || p == "" || v < 0 || (i < 2 || len(parts) < 3) && strings.Contains(p, ".") {
			return Target{}, fmt.Errorf("%s: a time of day is HH:MM or HH:MM:SS", s)
		}
		hms[i] = v
	}
	if hms[0] > 23 || hms[1] > 59 || hms[2] >= 60 {
		return Target{}, fmt.Errorf("%s: no such time of day", s)
	}
	d := time.Duration(hms[0])*time.Hour + time.Duration(hms[1])*time.Minute +
		time.Duration(hms[2]*float64(time.Second))
	return Target{Kind: TargetClock, Clock: d}, nil
}

// Resolve finds t in h: the position it names, from cur (the viewer's position) and loc (the time
// zone times of day and zoneless date-times are in). An event time resolves to the last message at
// or before it; the error says why a target cannot be reached (outside the history, wrapping
// ErrOutside, or no event time to go from).
func Resolve(h History, t Target, cur Position, loc *time.Location) (Position, error) {
	if loc == nil {
		loc = time.Local
	}
	first, last := h.Bounds()
	switch t.Kind {
	case TargetStart:
		return first, nil
	case TargetEnd:
		return last, nil
	case TargetEvent:
		if t.N < first.N || t.N > last.N {
			return Position{}, outside(t.N, first, last)
		}
		if ph, ok := h.(interface{ Position(int64) (Position, error) }); ok {
			return ph.Position(t.N)
		}
		return Position{N: t.N}, nil
	}
	at, _, err := t.EventTime(cur, first, last, loc)
	if err != nil {
		return Position{}, err
	}
	return findTime(h, at, first, last, loc)
}

// EventTime is the event time t names, from cur (the viewer's position) and the bounds of the
// history (first, last), with times of day and zoneless date-times in loc (time.Local when nil);
// ok is false for the targets that name a position rather than a time (start, end, #N). The error
// says why there is no event time to go from.
func (t Target) EventTime(cur, first, last Position, loc *time.Location) (at time.Time, ok bool, err error) {
	if loc == nil {
		loc = time.Local
	}
	switch t.Kind {
	case TargetTime:
		at = t.Time
		if t.Local {
			at = time.Date(at.Year(), at.Month(), at.Day(), at.Hour(), at.Minute(), at.Second(),
				at.Nanosecond(), loc)
		}
	case TargetClock:
		ref := refTime(cur, first, last)
		if ref.IsZero() {
			return time.Time{}, true, errors.New("no event time yet to take the date from")
		}
		y, m, d := ref.In(loc).Date()
		at = time.Date(y, m, d, 0, 0, 0, 0, loc).Add(t.Clock)
	case TargetRelative:
		ref := refTime(cur, first, last)
		if ref.IsZero() {
			return time.Time{}, true, errors.New("no event time yet to count from")
		}
		at = ref.Add(t.Delta)
	default:
		return time.Time{}, false, nil
	}
	return at, true, nil
}

// refTime is the event time a relative target counts from: the current position's, else the
// nearest bound's.
func refTime(cur, first, last Position) time.Time {
	switch {
	case !cur.At.IsZero():
		return cur.At
	case cur.N <= first.N && !first.At.IsZero():
		return first.At
	}
	return last.At
}

// findTime is h.Find(at), refused when at is before what h holds (a live history that forgot it)
// or after the last message of a file still being indexed.
func findTime(h History, at time.Time, first, last Position, loc *time.Location) (Position, error) {
	const layout = TimeLayout
	if first.N > 0 && at.Before(first.At) {
		return Position{}, fmt.Errorf("%w: %s is before the history's first event time %s",
			ErrOutside, at.In(loc).Format(layout), first.At.In(loc).Format(layout))
	}
	if ix, ok := h.(interface{ Indexed() bool }); ok && !ix.Indexed() && at.After(last.At) {
		return Position{}, fmt.Errorf("%w: %s is past what is indexed so far (%s)", ErrOutside,
			at.In(loc).Format(layout), last.At.In(loc).Format(layout))
	}
	if ie, ok := h.(interface{ IndexError() error }); ok && at.After(last.At) {
		if err := ie.IndexError(); err != nil {
			return Position{}, fmt.Errorf("%w: %s is past the last event the history holds (%s): %v", ErrOutside,
				at.In(loc).Format(layout), last.At.In(loc).Format(layout), err)
		}
	}
	return h.Find(at), nil
}
