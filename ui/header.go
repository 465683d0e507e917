package ui

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/deskwatch/deskwatch/feed"
	"github.com/deskwatch/deskwatch/model"
)

// headerHeight is the number of lines the header takes.
const headerHeight = 2

// headerView draws the two header lines: counts by state and type with the event rate and the
// trend, then each agent's state with its time in state.
//
// The header keeps one shape at a width: each part is shown whole or not at all, chosen by the
// room it may ever need (its reserve), not by what it holds on this frame, so nothing comes and
// goes from second to second as counts, rates and durations change. A new part (a source-down
// marker, say) is one more part with its own reserve in counts' fixed or optional list; the
// agents line's order is viewState.alertingFirst.
type headerView struct {
	noKeys
	c     *Common
	width int
	// msgs is the live source's message count when it last changed, at msgsAt (the wall clock):
	// how long it has been quiet, which the rate in event time cannot see (rate).
	msgs   int64
	msgsAt time.Time
}

func newHeader(c *Common) *headerView { return &headerView{c: c} }

// SetSize sets the header's width; its height is headerHeight.
func (h *headerView) SetSize(width, _ int) { h.width = width }

// Update does nothing: the header takes no keys.
func (h *headerView) Update(*frame, tea.Msg) (pane, tea.Cmd) { return h, nil }

// View draws exactly headerHeight lines.
func (h *headerView) View(f *frame) string {
	return h.counts(f) + "\n" + h.agents(f.snap, f.view, f.now)
}

// part is one part of the counts line: its text and the cells it is given (its reserve), which do
// not depend on the values it shows.
type part struct {
	text    string
	reserve int
}

// The reserves of the counts line's parts, and the least room the state counts get.
// A value past its reserve (a thousand open interactions) still shows whole and moves the parts
// after it once, when its number of digits grows.
const (
	openReserve   = len("999 open")
	alertsReserve = len("! 99 alerts")
	typesReserve  = len("☎ 99 ≡ 99 @ 99") - 2*2 // ☎ and ≡ are three bytes, one cell
	endedReserve  = len("999999 ended")
	rateReserve   = len("999.9 ev/s") // from 1000 on the rate drops its decimal
	statesMin     = 32
	statesLeast   = 10 // below this the state counts drop whole
)

// sparkSteps are the sparkline's lengths, longest first: the line takes the longest that fits
// beside the other parts (as a whole number of minutes, which its label names).
var sparkSteps = [...]int{sparkPoints, 18, 12, 6}

// headerSep separates the counts line's parts; sepW is its width in cells.
const (
	headerSep = " │ "
	sepW      = 3
)

// counts is the first line: the title, open and alert counts and the state counts always (the
// state counts take the room left, cut to whole states), then, as the width allows and in this
// order of importance, the counts by type, the ended count, the event rate and the trend.
func (h *headerView) counts(f *frame) string {
	st := h.c.Styles
	s := f.snap.Stats
	alerts := st.Dim.Render("no alerts")
	if n := f.view.tally.Total(); n > 0 {
		alerts = st.Alert.Render(alertGlyph + " " + f.view.tally.String())
	}
	fixed := []part{{st.Title.Render("deskwatch"), len("deskwatch")},
		{st.Bold.Render(strconv.Itoa(s.Open)) + st.Dim.Render(" open"), openReserve},
		{alerts, alertsReserve}}
	used := 0
	for _, p := range fixed {
		used += p.reserve + sepW
	}
	// The optional parts, most important first; shown is by display order.
	optional := []part{
		{h.types(s), typesReserve},
		{st.Dim.Render(fmt.Sprintf("%d ended", s.Ended)), endedReserve},
		{st.Dim.Render(h.rate(s.EventsPerSec, f.wall)), rateReserve},
	}
	var shown []part
	for _, p := range optional {
		if used+p.reserve+sepW+statesMin > h.width {
			break // a less important part does not take the place of one that did not fit
		}
		shown = append(shown, p)
		used += p.reserve + sepW
	}
	if len(shown) == len(optional) {
		for _, n := range sparkSteps {
			label := "last " + sparkSpanFor(n)
			if r := len("open ") + n + 1 + len(label); used+r+sepW+statesMin <= h.width {
				spark := sparkline(f.snap.Trend, n, f.now)
				spark = strings.Repeat(" ", n-width(spark)) + spark // no trend that far back yet
				shown = append(shown, part{st.Dim.Render("open ") + st.Accent.Render(spark) +
					st.Dim.Render(" "+label), r})
				used += r + sepW
				break
			}
		}
	}
	var b strings.Builder
	sep := st.Dim.Render(headerSep)
	for i, p := range fixed {
		if i > 0 {
			b.WriteString(sep)
		}
		b.WriteString(pad(p.text, p.reserve))
	}
	// The state counts take what is left (their separator is counted in used already).
	if room := h.width - used; room >= statesLeast {
		b.WriteString(sep)
		b.WriteString(pad(h.states(s, room), room))
	}
	for _, p := range shown {
		b.WriteString(sep)
		b.WriteString(pad(p.text, p.reserve))
	}
	return fit(b.String(), h.width)
}

// states lists the count of each state present, and lost events first, in at most room cells:
// whole states only, the rest counted as "+N".
func (h *headerView) states(s model.Stats, room int) string {
	st := h.c.Styles
	var items []string
	if s.Lost > 0 {
		items = append(items, st.Alert.Render(fmt.Sprintf("%d lost", s.Lost)))
	}
	for _, state := range model.States {
		if n := s.ByState[state]; n > 0 {
			items = append(items, st.State(state).Render(fmt.Sprintf("%s %d", state, n)))
		}
	}
	unknown := 0
	for state, n := range s.ByState {
		if !state.Known() {
			unknown += n
		}
	}
	if unknown > 0 {
		items = append(items, st.State(model.State("?")).Render(fmt.Sprintf("other %d", unknown)))
	}
	return wholeItems(items, room, " ", func(rest int) string { return st.Dim.Render(fmt.Sprintf("+%d", rest)) })
}

// wholeItems joins as many whole items as fit in room cells, ending with more(n) for the n left
// out (itself kept within room).
func wholeItems(items []string, room int, gap string, more func(int) string) string {
	var b strings.Builder
	used := 0
	for i, it := range items {
		w := width(it)
		if i > 0 {
			w += len(gap)
		}
		tail := 0
		if i < len(items)-1 {
			tail = len(gap) + width(more(len(items)-i-1))
		}
		if used+w+tail > room {
			if i > 0 {
				b.WriteString(gap)
			}
			b.WriteString(more(len(items) - i))
			break
		}
		if i > 0 {
			b.WriteString(gap)
		}
		b.WriteString(it)
		used += w
	}
	return b.String()
}

// types counts the open interactions of each type, every type always, so the part keeps its shape.
func (h *headerView) types(s model.Stats) string {
	st := h.c.Styles
	var out []string
	for _, t := range model.Types {
		out = append(out, st.Type(t).Render(fmt.Sprintf("%s %d", typeGlyph(t), s.ByType[t])))
	}
	return strings.Join(out, " ")
}

// rate is the event rate, or "– ev/s" while a replay is paused or over: the last rate measured is
// not what is happening. A live source's rate is in event time too, which stands still while it is
// quiet: it fades with the seconds (on the wall clock) the source has received nothing, to none
// once the store's window has passed.
func (h *headerView) rate(perSec float64, wall time.Time) string {
	if h.c.Status != nil {
		src := h.c.Status()
		switch {
		case src.Paused, src.State == feed.StatePaused, sourceOver(src.State):
			return "– ev/s"
		case src.State != feed.StateReplaying: // live: the rate fades as the source stays quiet
			if src.Messages != h.msgs || h.msgsAt.IsZero() {
				h.msgs, h.msgsAt = src.Messages, wall
			}
			quiet := wall.Sub(h.msgsAt).Seconds()
			perSec *= max(model.RateWindow-quiet, 0) / model.RateWindow
		}
	}
	if perSec >= 1000 {
		return strconv.FormatFloat(perSec, 'f', 0, 64) + " ev/s"
	}
	return strconv.FormatFloat(perSec, 'f', 1, 64) + " ev/s"
}

// fit cuts a styled line to width cells and pads it, so the header never wraps.
func fit(s string, width int) string {
	if ansi.StringWidth(s) > width {
		s = ansi.Truncate(s, width, "…")
	}
	return pad(s, width)
}
