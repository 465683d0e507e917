package ui

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/deskwatch/deskwatch/feed"
	"github.com/deskwatch/deskwatch/model"
)

// statusView draws the bottom line: the source and its position or state on the left; rejected
// events, the filter and sort in force and the help key on the right.
type statusView struct {
	noKeys
	c     *Common
	width int
	// note is shown on the right until noteUntil on the wall clock (a speed change, a pause).
	note      string
	noteUntil time.Time
	// err is shown in the note's place until ClearError (the root clears it on the next key).
	err string
	// barX is the column of the progress bar's "[" on the line last drawn, -1 when there is none
	// (a click on the bar seeks there: travel_view.go).
	barX int
}

func newStatus(c *Common) *statusView { return &statusView{c: c, barX: -1} }

// SetSize sets the status line's width; its height is one line.
func (s *statusView) SetSize(width, _ int) { s.width = width }

// SetNote shows a note on the right of the line until the wall clock reaches until.
func (s *statusView) SetNote(note string, until time.Time) { s.note, s.noteUntil = note, until }

// SetError shows an error in the note's place until ClearError.
func (s *statusView) SetError(err string) { s.err = err }

// ClearError takes the error away (it has been read).
func (s *statusView) ClearError() { s.err = "" }

// Update does nothing: the status line takes no keys.
func (s *statusView) Update(*frame, tea.Msg) (pane, tea.Cmd) { return s, nil }

// minSourceWidth is the room the source's name, state and reason keep before the lost-events note
// takes any.
const minSourceWidth = 44

// minNoteSource is the room a note leaves the source (its name cut short, its state).
const minNoteSource = 20

// lostNoteFor is how long, on the source's clock, the latest "N events lost from AGENT" stays on
// the status line.
const lostNoteFor = 10 * time.Second

// View draws one line. The note, while it lasts, is shown on the right (e.g. a speed change); it
// takes the place of a flag that says the same (hiding ended interactions).
func (s *statusView) View(f *frame) string {
	st := s.c.Styles
	snap, q, visible := f.snap, f.query, len(f.view.rows)
	note := ""
	if f.wall.Before(s.noteUntil) {
		note = s.note
	}
	var src feed.Status
	if s.c.Status != nil {
		src = s.c.Status()
	}
	var right []string
	var above []string
	switch {
	case s.err != "" && width(model.Sanitize(s.err)) > s.width-minSourceWidth/2:
		// An error too long for the line is wrapped on the lines above it (the root draws them over
		// the bottom of the pane), never cut.
		for _, l := range wrapLines(st.Alert.Render(model.Sanitize(s.err)), s.width) {
			above = append(above, fit(l, s.width)+"\n")
		}
		note = s.err
	case s.err != "":
		// An error takes the room it needs: the source gives way first.
		note = s.err
		right = append(right, st.Alert.Render(model.Sanitize(s.err)))
	}
	lostAt := len(right)
	// The filter in force, unless the note has just said it ("filter kim").
	if flt := q.Filter.String(); flt != "" && !strings.Contains(note, flt) {
		right = append(right, st.Accent.Render("/"+clean(flt, 24)))
	}
	if visible != len(snap.Rows) {
		right = append(right, st.Dim.Render(fmt.Sprintf("%d of %d", visible, len(snap.Rows))))
	}
	if q.HideEnded && !strings.Contains(note, "ended") {
		right = append(right, st.Dim.Render("ended hidden"))
	}
	zeroRejected := false
	if n, w := snap.Stats.Rejected, snap.Stats.Warnings; n > 0 || w > 0 {
		var parts []string
		if n > 0 {
			parts = append(parts, st.Alert.Render(fmt.Sprintf("%d rejected", n)))
		}
		if w > 0 {
			parts = append(parts, st.Warn.Render(fmt.Sprintf("%d repaired", w)))
		}
		right = append(right, strings.Join(parts, st.Dim.Render(", "))+st.Dim.Render(" ("+keyName(s.c.Keys.Rejected)+")"))
	} else {
		right = append(right, st.Dim.Render("0 rejected"))
		zeroRejected = true
	}
	right = append(right, st.Key.Render(keyName(s.c.Keys.Help))+st.Dim.Render(" help"))
	if note != "" && s.err == "" {
		// A note lasts a few seconds: it may take all but the source's shortest form, and half the
		// line at least. "? help" and "0 rejected" give way to it first (an export's file name).
		srcMin := minNoteSource // a short source ("demo live") leaves the note the rest
		if tr := f.travel; tr != nil {
			// Travelling, the source's shortest form ("⏸ event 3,000 of 3,000 · space: back"): never
			// cut a number.
			shortest, _ := s.travelSource(src, tr, f.now, 0)
			srcMin = max(srcMin, width(shortest)+1)
		} else {
			// Never under the 10 cells below which the line leaves the source out.
			srcMin = min(srcMin, max(10, width(model.Sanitize(src.Name))+1+width(string(src.State)))+1)
		}
		spare := func() int { return s.width - ansi.StringWidth(strings.Join(right, " · ")) - 3 - srcMin }
		need := width(model.Sanitize(note))
		if need > spare() {
			right = right[:len(right)-1]
			if zeroRejected && need > spare() {
				right = right[:len(right)-1]
			}
		}
		room := max(s.width/2, spare())
		right = slices.Insert(right, 0, st.Accent.Render(clean(note, room)))
		lostAt = 1
	}
	// The latest lost events, when the line has room for it beside the source's essentials.
	right = s.squeeze(right, lostAt, s.lostNote(snap, f.now), st.Warn)
	// The services' KPI alerts, which have no row to mark (ui/kpialerts.go), the same way.
	right = s.squeeze(right, lostAt, f.view.kpiNote(false), st.Alert)
	r := strings.Join(right, st.Dim.Render(" · "))
	room := s.width - ansi.StringWidth(r) - 1
	s.barX = -1
	if room < 10 {
		return strings.Join(above, "") + fit(r, s.width)
	}
	var left string
	if f.travel != nil {
		left, s.barX = s.travelSource(src, f.travel, f.now, room)
	} else {
		left = s.source(src, room, f.wall)
	}
	return strings.Join(above, "") + fit(left, room) + " " + r
}

// squeeze inserts a note into the line's right parts at i, when it is not empty and the line has
// room for it beside the source's essentials (cut to a third of the line at most).
func (s *statusView) squeeze(right []string, i int, note string, style lipgloss.Style) []string {
	if note == "" {
		return right
	}
	if avail := s.width - ansi.StringWidth(strings.Join(right, " · ")) - 3 - minSourceWidth; avail >= 16 {
		right = slices.Insert(right, i, style.Render(clean(note, min(avail, s.width/3))))
	}
	return right
}

// lostNote is the latest lost-events report ("12 events lost from a.jones") while it is recent on
// the source's clock, with how many more came with it.
func (s *statusView) lostNote(snap *model.Snapshot, now time.Time) string {
	latest, more := -1, 0
	for i := len(snap.Alerts) - 1; i >= 0; i-- {
		a := snap.Alerts[i]
		if a.Kind != model.AlertLostEvents || now.Sub(a.At) > lostNoteFor {
			continue
		}
		if latest < 0 {
			latest = i
		} else {
			more++
		}
	}
	switch {
	case latest < 0:
		return ""
	case more > 0:
		return fmt.Sprintf("⚠ %s (+%d more)", snap.Alerts[latest].Text, more)
	}
	return "⚠ " + snap.Alerts[latest].Text
}

// source describes the feed in at most room cells: a replay's position, speed and event time, or a
// live source's state (connected since when, or why it was lost and when it retries) and what it
// has received. The URL and the reason get all the room the line has; only when they do not fit is
// the reason cut, then the name.
func (s *statusView) source(src feed.Status, room int, wall time.Time) string {
	st := s.c.Styles
	state := src.State
	stateStyle := st.OK
	switch state {
	case feed.StatePaused, feed.StateConnecting:
		stateStyle = st.Warn
	case feed.StateLost:
		stateStyle = st.Alert
	case feed.StateDone:
		stateStyle = st.Dim
	}
	name, detail := model.Sanitize(src.Name), model.Sanitize(src.Detail)
	// What goes between the name and the detail, in the longest form that leaves the name 12
	// cells: on a narrow line a replay's event time loses its date, then its speed goes, then its
	// bar (its percentage stays), then the event time.
	var head []string // the state and since when: always shown
	if src.Paused {
		head = append(head, st.Warn.Render("⏸ paused"))
	} else if state != "" {
		head = append(head, stateStyle.Render(string(state)))
	}
	if state == feed.StateConnected && !src.Since.IsZero() {
		head = append(head, st.Dim.Render("since "+sinceClock(src.Since, wall)))
	}
	var mid []string
	barAt := -1 // the bar's index in mid
	for _, o := range []struct{ date, speed, bar, time bool }{{true, true, true, true}, {false, true, true, true},
		{false, false, true, true}, {false, false, false, true}, {false, false, false, false}} {
		mid, barAt = append(mid[:0], head...), -1
		switch {
		case src.Total > 0 && o.bar:
			barAt = len(mid)
			mid = append(mid, progressBar(src.Pos, src.Total, barCells))
		case src.Total > 0:
			mid = append(mid, percent(src.Pos, src.Total))
		}
		if o.speed && src.Name != "demo" && (state == feed.StateReplaying || state == feed.StatePaused || state == feed.StateDone) {
			mid = append(mid, st.Dim.Render(speedText(src.Speed)))
		}
		switch {
		case src.EventTime.IsZero() || !o.time:
		case o.date:
			mid = append(mid, st.Text.Render(src.EventTime.Format("2006-01-02 15:04:05")))
		default:
			mid = append(mid, st.Text.Render(src.EventTime.Format("15:04:05")))
		}
		if min(width(name), 12)+width(strings.Join(mid, " "))+len(mid) <= room {
			break
		}
	}
	counts := ""
	switch state {
	case feed.StateLive, feed.StateConnected, feed.StateConnecting, feed.StateLost:
		if src.Messages > 0 || state == feed.StateLive || state == feed.StateConnected {
			counts = strconv.FormatInt(src.Messages, 10) + " msgs"
			if src.Bytes > 0 {
				counts += " " + byteCount(src.Bytes)
			}
		}
	}
	nameW, detailW, withCounts := layoutSource(room, width(name), width(strings.Join(mid, " "))+len(mid),
		width(detail), width(counts))
	parts := append([]string{st.Bold.Render(clean(name, nameW))}, mid...)
	if barAt >= 0 { // after the name and the parts of mid before it, each with its space
		x := ansi.StringWidth(parts[0]) + 1
		for _, p := range mid[:barAt] {
			x += width(p) + 1
		}
		if x+barCells+2 <= room {
			s.barX = x
		}
	}
	if detailW > 0 {
		parts = append(parts, st.Dim.Render(clean(detail, detailW)))
	}
	if withCounts {
		parts = append(parts, st.Dim.Render(counts))
	}
	return strings.Join(parts, " ")
}

// layoutSource shares room between the source's name (nameW cells), its fixed parts (midW, with
// their spaces), the detail and the counts. It cuts, in turn and only as far as needed: the name
// down to 24 cells, then the counts go, then the detail down to 16 cells, then the name down to 12.
func layoutSource(room, nameW, midW, detailW, countsW int) (nameOut, detailOut int, counts bool) {
	gap := func(w int) int { // a part and its leading space
		if w > 0 {
			return w + 1
		}
		return 0
	}
	if rest := midW + gap(detailW) + gap(countsW); rest+min(nameW, 24) <= room {
		return min(nameW, room-rest), detailW, countsW > 0
	}
	if rest := midW + gap(detailW); rest+min(nameW, 24) <= room {
		return min(nameW, room-rest), detailW, false
	}
	for _, n := range []int{min(nameW, 24), min(nameW, 12)} {
		if d := room - n - midW - 1; detailW > 0 && d >= min(detailW, 16) {
			return n, d, false
		}
	}
	n := min(nameW, 12)
	return n, max(min(detailW, room-n-midW-1), 0), false
}

// sinceClock formats when a state began: the time of day, with the date when it was not today.
func sinceClock(t, wall time.Time) string {
	y, m, d := t.Date()
	if wy, wm, wd := wall.In(t.Location()).Date(); wy != y || wm != m || wd != d {
		return t.Format("Jan 2 15:04:05")
	}
	return t.Format("15:04:05")
}

// byteCount formats a number of bytes received: 512 B, 12.3 kB, 4.5 MB.
func byteCount(n int64) string {
	const unit = 1000
	if n < unit {
		return strconv.FormatInt(n, 10) + " B"
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 4; m /= unit {
		div *= unit
		exp++
	}
	return strconv.FormatFloat(float64(n)/float64(div), 'f', 1, 64) + " " + string("kMGTP"[exp]) + "B"
}

// progressBar draws pos/total as a bar of width cells and a percentage.
func progressBar(pos, total int64, width int) string {
	return bar(min(max(float64(pos)/float64(total), 0), 1), width) + " " + percent(pos, total)
}

// percent is pos/total as a whole percentage, from 0% to 100%.
func percent(pos, total int64) string {
	return strconv.Itoa(int(min(max(float64(pos)/float64(total), 0), 1)*100)) + "%"
}

// bar draws a fraction from 0 to 1 as a bar of width cells in brackets.
func bar(frac float64, width int) string {
	full := int(frac * float64(width))
	return "[" + strings.Repeat("█", full) + strings.Repeat("░", width-full) + "]"
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
