package ui

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/deskwatch/deskwatch/travel"
)

// targetKind says how a travel target names its position.
type targetKind int

const (
	targetEvents targetKind = iota // n events from the position shown
	targetTime                     // d of event time from the position shown
	targetEvent                    // event number n (#12345)
	targetStart                    // the first position the history keeps
	targetEnd                      // the last position the history has
	targetAt                       // an instant (RFC 3339)
	targetClock                    // a time of day (d since midnight) on the day shown, in the viewer's zone
	targetFrac                     // a fraction f of the history (a click on the progress bar)
)

// travelTarget is where a travel key, :goto or a click asks to go.
type travelTarget struct {
	kind targetKind
	n    int64
	d    time.Duration
	at   time.Time
	f    float64
}

// needsAt reports whether the target is reckoned from the event time of the position shown.
func (t travelTarget) needsAt() bool { return t.kind == targetTime || t.kind == targetClock }

// gotoForms lists what :goto takes, for its errors and the help.
const gotoForms = "10:14:52, 2026-11-30T10:14:52Z, +5m, -30s, #12345, start or end"

// parseTarget reads the argument of ":goto".
func parseTarget(s string) (travelTarget, error) {
	s = strings.TrimSpace(s)
	switch strings.ToLower(s) {
	case "":
		return travelTarget{}, fmt.Errorf("goto where? %s", gotoForms)
	case "start", "begin", "first":
		return travelTarget{kind: targetStart}, nil
	case "end", "last":
		return travelTarget{kind: targetEnd}, nil
	}
	switch s[0] {
	case '#':
		n, err := strconv.ParseInt(strings.NewReplacer(",", "", "_", "").Replace(s[1:]), 10, 64)
		if err != nil || n < 0 {
			return travelTarget{}, fmt.Errorf("goto %q: an event number is # and digits, e.g. #12345", s)
		}
		return travelTarget{kind: targetEvent, n: n}, nil
	case '+', '-':
		d, err := time.ParseDuration(s)
		if err != nil {
			return travelTarget{}, fmt.Errorf("goto %q: a step is a signed duration, e.g. +5m or -30s", s)
		}
		return travelTarget{kind: targetTime, d: d}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return travelTarget{kind: targetAt, at: t}, nil
	}
	for _, layout := range []string{"15:04:05.999999999", "15:04:05", "15:04"} {
		if t, err := time.Parse(layout, s); err == nil {
			since := time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute +
				time.Duration(t.Second())*time.Second + time.Duration(t.Nanosecond())
			return travelTarget{kind: targetClock, d: since}, nil
		}
	}
	return travelTarget{}, fmt.Errorf("goto %q: not a time, a step or an event — %s", s, gotoForms)
}

// resolve finds the position the target names, from the position shown, in h's bounds: a step or
// a time outside them stops at the bound, an event number outside them is an error. A time step
// always moves at least one event, so that a quiet stretch of the stream does not hold it still.
func (t travelTarget) resolve(h travel.History, from travel.Position, loc *time.Location) (int64, error) {
	first, last := h.Bounds()
	var n int64
	switch t.kind {
	case targetEvents:
		n = from.N + t.n
	case targetTime:
		n = h.Find(from.At.Add(t.d)).N
		if t.d > 0 && n <= from.N {
			n = from.N + 1
		} else if t.d < 0 && n >= from.N {
			n = from.N - 1
		}
	case targetEvent:
		if t.n < first.N || t.n > last.N {
			return 0, fmt.Errorf("#%d is outside the history: it holds events %s to %s", t.n,
				thousands(first.N), thousands(last.N))
		}
		n = t.n
	case targetStart:
		n = first.N
	case targetEnd:
		n = last.N
	case targetAt:
		n = h.Find(t.at).N
	case targetClock:
		y, mo, d := from.At.In(loc).Date()
		n = h.Find(time.Date(y, mo, d, 0, 0, 0, 0, loc).Add(t.d)).N
	case targetFrac:
		n = first.N + int64(t.f*float64(last.N-first.N)+0.5)
	}
	return min(max(n, first.N), last.N), nil
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
