package ui

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/deskwatch/deskwatch/feed"
	"github.com/deskwatch/deskwatch/model"
)

// statusView draws the bottom line: the source and its position or state on the left; rejected
// events, the filter and sort in force and the help key on the right.
type statusView struct {
	c     *Common
	width int
}

func newStatus(c *Common) *statusView { return &statusView{c: c} }

// SetSize sets the status line's width.
func (s *statusView) SetSize(width int) { s.width = width }

// View draws one line. note, when set, replaces the right-hand side for a moment (e.g. a speed
// change).
func (s *statusView) View(snap *model.Snapshot, q model.Query, visible int, note string) string {
	st := s.c.Styles
	var src feed.Status
	if s.c.Status != nil {
		src = s.c.Status()
	}
	left := s.source(src)
	var right []string
	if note != "" {
		right = append(right, st.Accent.Render(clean(note, s.width/2)))
	}
	if !q.Filter.Empty() {
		right = append(right, st.Accent.Render("/"+clean(q.Filter.String(), 24)))
	}
	if visible != len(snap.Rows) {
		right = append(right, st.Dim.Render(fmt.Sprintf("%d of %d", visible, len(snap.Rows))))
	}
	if q.HideEnded {
		right = append(right, st.Dim.Render("ended hidden"))
	}
	if n := snap.Stats.Rejected; n > 0 {
		right = append(right, st.Alert.Render(fmt.Sprintf("%d rejected", n))+st.Dim.Render(" (r)"))
	} else {
		right = append(right, st.Dim.Render("0 rejected"))
	}
	right = append(right, st.Key.Render("?")+st.Dim.Render(" help"))
	r := strings.Join(right, st.Dim.Render(" · "))
	room := s.width - ansi.StringWidth(r) - 1
	if room < 10 {
		return fit(r, s.width)
	}
	l := fit(left, room)
	return l + " " + r
}

// source describes the feed: a replay's position, speed and event time, or a live source's state.
func (s *statusView) source(src feed.Status) string {
	st := s.c.Styles
	name := st.Bold.Render(clean(src.Name, 32))
	state := src.State
	stateStyle := st.OK
	switch state {
	case "paused", "connecting":
		stateStyle = st.Warn
	case "lost":
		stateStyle = st.Alert
	case "done":
		stateStyle = st.Dim
	}
	parts := []string{name}
	if src.Paused {
		parts = append(parts, st.Warn.Render("⏸ paused"))
	} else if state != "" {
		parts = append(parts, stateStyle.Render(state))
	}
	if src.Total > 0 {
		parts = append(parts, progressBar(src.Pos, src.Total, 12))
	}
	if src.Name != "demo" && (src.State == "replaying" || src.State == "paused" || src.State == "done") {
		parts = append(parts, st.Dim.Render(speedText(src.Speed)))
	}
	if !src.EventTime.IsZero() {
		parts = append(parts, st.Text.Render(src.EventTime.Format("2006-01-02 15:04:05")))
	}
	if src.Detail != "" {
		parts = append(parts, st.Dim.Render(clean(src.Detail, 40)))
	}
	if src.State == "live" || src.State == "connected" {
		parts = append(parts, st.Dim.Render(strconv.FormatInt(src.Messages, 10)+" msgs"))
	}
	return strings.Join(parts, " ")
}

// progressBar draws pos/total as a bar of width cells and a percentage.
func progressBar(pos, total int64, width int) string {
	frac := min(max(float64(pos)/float64(total), 0), 1)
	full := int(frac * float64(width))
	return "[" + strings.Repeat("█", full) + strings.Repeat("░", width-full) + "] " +
		strconv.Itoa(int(frac*100)) + "%"
}

// speedText formats a replay speed factor.
func speedText(f float64) string {
	if f == 0 {
		return "×max"
	}
	return "×" + strconv.FormatFloat(f, 'g', 4, 64)
}

// speedSteps are the speeds + and - step through; 0 is "max".
var speedSteps = [...]float64{0.1, 0.25, 0.5, 1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 0}

// nextSpeed returns the next faster (up) or slower speed after cur.
func nextSpeed(cur float64, up bool) float64 {
	idx := len(speedSteps) - 1 // max
	if cur > 0 {
		idx = 0
		for i, v := range speedSteps[:len(speedSteps)-1] {
			if v <= cur+1e-9 {
				idx = i
			}
		}
	}
	if up {
		idx = min(idx+1, len(speedSteps)-1)
	} else {
		idx = max(idx-1, 0)
	}
	return speedSteps[idx]
}

// tickEvery is how often durations and highlights are redrawn when nothing else changes.
const tickEvery = time.Second
