package ui

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/deskwatch/deskwatch/feed"
	"github.com/deskwatch/deskwatch/internal/synth"
	"github.com/deskwatch/deskwatch/model"
	"github.com/deskwatch/deskwatch/themes"
)

// headerWidths are the widths the header is checked at.
var headerWidths = []int{60, 80, 120, 200}

// TestHeaderGolden draws the header of the desk fixture at each width.
func TestHeaderGolden(t *testing.T) {
	t.Parallel()
	for _, w := range headerWidths {
		t.Run(fmt.Sprint(w), func(t *testing.T) {
			m, _ := newDeskModel(t, themes.Mono, w, 8)
			out := m.Render()
			checkFrame(t, out, w, 8)
			lines := strings.Split(plain(out), "\n")
			golden.RequireEqual(t, strings.Join(lines[:headerHeight], "\n")+"\n")
		})
	}
}

// headerShape is what must not change from second to second: where the first line's parts are
// (its separators' cells) and how many agents the second shows.
func headerShape(header string) string {
	lines := strings.Split(header, "\n")
	var cells []string
	for i, r := range []rune(lines[0]) {
		if r == '│' {
			cells = append(cells, fmt.Sprint(i))
		}
	}
	more := regexp.MustCompile(`\+\d+ more`).FindString(lines[1])
	return strings.Join(cells, ",") + " / " + more
}

// The header keeps its shape at each width while the demo stream's rates, counts and durations
// change for two minutes of its time: no part comes and goes, the agents line keeps its count.
func TestHeaderKeepsItsShapeBetweenTicks(t *testing.T) {
	t.Parallel()
	for _, w := range headerWidths {
		t.Run(fmt.Sprint(w), func(t *testing.T) {
			t.Parallel()
			g := synth.NewGenerator(synth.GeneratorConfig{Seed: 5, Agents: 6})
			now := g.Now()
			clock := func() time.Time { return now }
			store := model.NewStore(model.WithWallClock(clock))
			c := testCommon(themes.Mono, store, clock)
			c.Width, c.Height = w, 10
			c.Status = func() feed.Status { return feed.Status{Name: "demo", State: feed.StateLive} }
			m := New(c, nil)
			apply := func(until time.Time) {
				for applyNext(t, g, store).Before(until) { // up to the first event at or after until
				}
			}
			apply(now.Add(30 * time.Second)) // every agent logged in, some calls open
			shapes := map[string]int{}
			for range 120 {
				now = now.Add(time.Second)
				apply(now)
				m.Update(changedMsg{})
				m.Update(tickMsg(now))
				lines := strings.Split(plain(m.Render()), "\n")
				shapes[headerShape(strings.Join(lines[:headerHeight], "\n"))]++
			}
			if len(shapes) != 1 {
				t.Errorf("at %d columns the header took %d shapes in 120 seconds: %v", w, len(shapes), shapes)
			}
		})
	}
}

// A paused or finished replay shows no event rate: the last one measured is not what is happening.
func TestHeaderRateOfAPausedOrFinishedReplay(t *testing.T) {
	t.Parallel()
	for _, st := range []feed.Status{{State: feed.StateReplaying, Paused: true}, {State: feed.StatePaused},
		{State: feed.StateDone}} {
		m, _ := newDeskModel(t, themes.Mono, 120, 8)
		m.c.Status = func() feed.Status { return st }
		m.dirty = true
		head := strings.Split(plain(m.Render()), "\n")[0]
		if !strings.Contains(head, "– ev/s") || regexp.MustCompile(`\d ev/s`).MatchString(head) {
			t.Errorf("%+v: the header shows a rate: %s", st, head)
		}
	}
}

// A newcomer's report: the header kept showing 13.0 ev/s eleven seconds after every bridge had
// stopped (the rate is in event time, which stands still while nothing comes). A live source's
// rate fades with the seconds it is quiet, to none after the window; a replay's does not.
func TestHeaderRateFadesWhileLiveIsQuiet(t *testing.T) {
	t.Parallel()
	st := feed.Status{State: feed.StateConnected, Messages: 100}
	c := testCommon(themes.Mono, model.NewStore(), func() time.Time { return base })
	c.Status = func() feed.Status { return st }
	h := newHeader(c)
	for _, step := range []struct {
		after time.Duration
		msgs  int64
		want  string
	}{
		{0, 100, "10.0 ev/s"}, {time.Second, 100, "8.0 ev/s"}, {2500 * time.Millisecond, 100, "5.0 ev/s"},
		{6 * time.Second, 100, "0.0 ev/s"}, {7 * time.Second, 101, "10.0 ev/s"},
	} {
		st.Messages = step.msgs
		if got := h.rate(10, base.Add(step.after)); got != step.want {
			t.Errorf("%v in, %d messages: %s, want %s", step.after, step.msgs, got, step.want)
		}
	}
	st.State = feed.StateReplaying
	if got := h.rate(10, base.Add(time.Hour)); got != "10.0 ev/s" {
		t.Errorf("a replay's rate faded: %s", got)
	}
}

// A newcomer's report: at 100 columns the header left out "N ended" and kept the rate, the less
// important part; the optional parts go from the least important.
func TestHeaderDropsTheLeastImportantFirst(t *testing.T) {
	t.Parallel()
	for w := 60; w <= 200; w++ {
		m, _ := newTestModel(t, themes.Mono, w, 20, deskEvents())
		top := strings.Split(plain(m.Render()), "\n")[0]
		if strings.Contains(top, "ev/s") && !strings.Contains(top, "ended") {
			t.Fatalf("at %d columns the header shows the rate, not the ended count: %s", w, top)
		}
	}
}
