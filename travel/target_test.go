package travel_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/travel"
)

func TestParseTargetErrors(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"":                     "no target",
		"25:00":                "25:00: no such time of day",
		"10:60":                "10:60: no such time of day",
		"10:14:60":             "10:14:60: no such time of day",
		"10:14:52:1":           "a time of day is HH:MM or HH:MM:SS",
		"10:x":                 "a time of day is HH:MM or HH:MM:SS",
		"10.5:00":              "a time of day is HH:MM or HH:MM:SS",
		"NaN:00":               "a time of day is HH:MM or HH:MM:SS",
		"00:00:NaN":            "a time of day is HH:MM or HH:MM:SS",
		"1e1:00":               "a time of day is HH:MM or HH:MM:SS",
		"0x1p3:00":             "a time of day is HH:MM or HH:MM:SS",
		"10:14:5e1":            "a time of day is HH:MM or HH:MM:SS",
		"10:14:_5":             "a time of day is HH:MM or HH:MM:SS",
		"#":                    "#: an event number is # and a whole number",
		"#-3":                  "an event number",
		"#12a":                 "an event number",
		"+5 minutes":           "+5 minutes: not a duration",
		"-":                    "not a duration",
		"yesterday":            "yesterday: not a target",
		"2026-11-31T10:00:00Z": "not a target",
	} {
		_, err := travel.ParseTarget(in)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseTarget(%q) = %v, want an error saying %q", in, err, want)
		}
	}
}

func TestParseTarget(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]travel.Target{
		"start":                     {Kind: travel.TargetStart},
		" END ":                     {Kind: travel.TargetEnd},
		"#12345":                    {Kind: travel.TargetEvent, N: 12345},
		"#1,234":                    {Kind: travel.TargetEvent, N: 1234},
		"#0":                        {Kind: travel.TargetEvent},
		"+5m":                       {Kind: travel.TargetRelative, Delta: 5 * time.Minute},
		"-30s":                      {Kind: travel.TargetRelative, Delta: -30 * time.Second},
		"+1h30m":                    {Kind: travel.TargetRelative, Delta: 90 * time.Minute},
		"10:14":                     {Kind: travel.TargetClock, Clock: 10*time.Hour + 14*time.Minute},
		"10:14:52":                  {Kind: travel.TargetClock, Clock: 10*time.Hour + 14*time.Minute + 52*time.Second},
		"0:00:00.5":                 {Kind: travel.TargetClock, Clock: 500 * time.Millisecond},
		"2026-11-30T10:14:52Z":      {Kind: travel.TargetTime, Time: time.Date(2026, 11, 30, 10, 14, 52, 0, time.UTC)},
		"2026-11-30T10:14:52.25Z":   {Kind: travel.TargetTime, Time: time.Date(2026, 11, 30, 10, 14, 52, 25e7, time.UTC)},
		"2026-11-30 10:14:52":       {Kind: travel.TargetTime, Time: time.Date(2026, 11, 30, 10, 14, 52, 0, time.UTC), Local: true},
		"2026-11-30T10:14":          {Kind: travel.TargetTime, Time: time.Date(2026, 11, 30, 10, 14, 0, 0, time.UTC), Local: true},
		"2026-11-30T10:14:52+01:00": {Kind: travel.TargetTime, Time: time.Date(2026, 11, 30, 9, 14, 52, 0, time.UTC)},
	} {
		got, err := travel.ParseTarget(in)
		if err != nil {
			t.Errorf("ParseTarget(%q): %v", in, err)
			continue
		}
		if !got.Time.Equal(want.Time) {
			t.Errorf("ParseTarget(%q).Time = %v, want %v", in, got.Time, want.Time)
		}
		got.Time, want.Time = time.Time{}, time.Time{}
		if got != want {
			t.Errorf("ParseTarget(%q) = %+v, want %+v", in, got, want)
		}
	}
}

// clockHistory is a file of events one second apart from 10:00:00 UTC on 2026-11-30 (the 30th event
// is at 10:00:29); the event at 10:00:10 is followed by one out of order, at 10:00:05.
func clockHistory(t *testing.T) *travel.File {
	t.Helper()
	var lines []string
	base := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	for i := range 30 {
		at := base.Add(time.Duration(i) * time.Second)
		if i == 11 {
			at = base.Add(5 * time.Second)
		}
		lines = append(lines, stateEvent(at, i))
	}
	return indexed(t, writeLines(t, lines), travel.Options{Every: 4})
}

func TestResolve(t *testing.T) {
	t.Parallel()
	h := clockHistory(t)
	berlin := time.FixedZone("CET", 3600)
	base := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	cur, _ := h.Position(20) // at 10:00:19
	for _, c := range []struct {
		in   string
		loc  *time.Location
		want int64
	}{
		{"start", time.UTC, 0}, {"end", time.UTC, 30}, {"#7", time.UTC, 7},
		{"10:00:00", time.UTC, 1}, {"10:00:03.5", time.UTC, 4}, {"11:00:03", berlin, 4},
		{"09:59:59", time.UTC, 0}, {"10:05", time.UTC, 30},
		{"10:00:10", time.UTC, 12}, // the late event at :05 came before the stream passed :10
		{"10:00:09", time.UTC, 10}, // after the event at :09, before the one at :10
		{"+5s", time.UTC, 25}, {"-10s", time.UTC, 10}, {"-1h", time.UTC, 0},
		{"2026-11-30T10:00:02Z", time.UTC, 3}, {"2026-11-30 11:00:02", berlin, 3},
	} {
		tg, err := travel.ParseTarget(c.in)
		if err != nil {
			t.Fatal(err)
		}
		got, err := travel.Resolve(h, tg, cur, c.loc)
		if err != nil || got.N != c.want {
			t.Errorf("Resolve(%q) = %+v, %v; want #%d", c.in, got, err, c.want)
			continue
		}
		if p, _ := h.Position(got.N); !got.At.Equal(p.At) {
			t.Errorf("Resolve(%q) is at %v, but event #%d is at %v", c.in, got.At, got.N, p.At)
		}
	}
	if got := h.Find(base.Add(-time.Hour)); got.N != 0 {
		t.Errorf("Find before the first event = %+v, want position 0", got)
	}
	for _, in := range []string{"#31", "#1000"} {
		tg, _ := travel.ParseTarget(in)
		if _, err := travel.Resolve(h, tg, cur, time.UTC); !errors.Is(err, travel.ErrOutside) ||
			!strings.Contains(err.Error(), "#0 to #30") {
			t.Errorf("Resolve(%q) = %v, want ErrOutside saying what the history holds", in, err)
		}
	}
}

// TestResolveWithoutTime: a time of day or a relative target needs an event time to start from.
func TestResolveWithoutTime(t *testing.T) {
	t.Parallel()
	h := indexed(t, writeLines(t, nil), travel.Options{})
	for _, in := range []string{"10:00", "+5s"} {
		tg, _ := travel.ParseTarget(in)
		if _, err := travel.Resolve(h, tg, travel.Position{}, time.UTC); err == nil ||
			!strings.Contains(err.Error(), "no event time yet") {
			t.Errorf("Resolve(%q) on a history without event times = %v", in, err)
		}
	}
	if c, err := h.Seek(context.Background(), 0); err != nil || c.Pos != (travel.Position{}) {
		t.Errorf("Seek(0) in an empty file = %v, %v", c, err)
	}
}
