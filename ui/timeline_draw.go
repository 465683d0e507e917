package ui

import (
	"strings"
	"time"
	"unicode"

	"github.com/deskwatch/deskwatch/model"
)

// timelineStates are the agent states the legend lists and the floor line counts, in order.
var timelineStates = []model.AgentState{model.AgentReady, model.AgentBusy, model.AgentAfterCallWork,
	model.AgentNotReady, model.AgentRinging, model.AgentReserved, model.AgentSupervising, model.StateLoggedOut}

// stateGlyphs are the cells' glyphs in monochrome, one per state (other states: '?'); the colour
// themes draw the state as the cell's background instead. A not-ready stretch wide enough shows the
// reason's initial (a capital) in its first cell.
var stateGlyphs = map[model.AgentState]byte{
	model.AgentReady: '-', model.AgentBusy: '#', model.AgentAfterCallWork: '=', model.AgentNotReady: 'x',
	model.AgentRinging: '~', model.AgentReserved: '+', model.AgentSupervising: '%', model.StateLoggedOut: '.',
}

// tlCell is one cell of an agent's line: the state that covered most of its time (known false when
// nothing is known of it), the reason's initial drawn in it (0 for none), and whether the agent was
// handling an interaction in it.
type tlCell struct {
	state   model.AgentState
	known   bool
	initial byte
	handled bool
}

// timelineWidths splits the width into the agents' names and the cells.
func timelineWidths(width int) (name, cells int) {
	name = min(16, max(6, width/6))
	return name, max(width-name-1, 1)
}

// agentCells fills out (one cell per step from from) with the agent's states and the interactions it
// handled (rows), in one pass over each: O(spans + rows + cells).
func agentCells(a *model.Agent, rows []*model.Row, from time.Time, step time.Duration, now time.Time, out []tlCell) {
	spans := a.States
	j := -1 // the span in force at the cell's start (-1: before the first)
	for j+1 < len(spans) && !spans[j+1].At.After(from) {
		j++
	}
	for i := range out {
		cs := from.Add(time.Duration(i) * step)
		ce := cs.Add(step)
		best, bestD := tlCell{}, time.Duration(0)
		for k := max(j, 0); k < len(spans) && spans[k].At.Before(ce); k++ {
			s, e := spans[k].At, ce
			if k+1 < len(spans) {
				e = minTime(spans[k+1].At, ce)
			}
			if e.After(now) {
				e = now
			}
			if d := e.Sub(maxTime(s, cs)); d > bestD {
				best, bestD = tlCell{state: spans[k].State, known: true}, d
			}
		}
		if best.known && best.state == model.AgentNotReady {
			best.initial = reasonInitial(reasonAt(spans, j, ce))
		}
		out[i] = best
		for j+1 < len(spans) && !spans[j+1].At.After(ce) {
			j++
		}
	}
	keepInitials(out)
	to := from.Add(step * time.Duration(len(out)))
	for _, r := range rows {
		ans, end := r.AnsweredAt, handledEnd(r, now)
		if !end.After(from) || !ans.Before(to) {
			continue
		}
		i0 := max(int(ans.Sub(from)/step), 0)
		i1 := min(int((end.Sub(from)+step-1)/step), len(out))
		for i := i0; i < i1; i++ {
			out[i].handled = true
		}
	}
}

// reasonAt is the reason of the last not-ready span that starts before ce from span j on.
func reasonAt(spans []model.StateSpan, j int, ce time.Time) string {
	reason := ""
	for k := max(j, 0); k < len(spans) && spans[k].At.Before(ce); k++ {
		if spans[k].State == model.AgentNotReady {
			reason = spans[k].Reason
		}
	}
	return reason
}

// keepInitials keeps a reason's initial only in the first cell of a not-ready stretch of one reason
// at least two cells wide.
func keepInitials(cells []tlCell) {
	for i := 0; i < len(cells); {
		k := i + 1
		for k < len(cells) && cells[k].state == cells[i].state && cells[k].initial == cells[i].initial {
			k++
		}
		for n := i; n < k; n++ {
			if n > i || k-i < 2 {
				cells[n].initial = 0
			}
		}
		i = k
	}
}

// reasonInitial is the first letter or digit of a reason as shown (sanitized: an escape
// sequence's parameters are no initial), as a capital (0 for none: the glyph then).
func reasonInitial(reason string) byte {
	for _, r := range model.Sanitize(reason) {
		if r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			return byte(unicode.ToUpper(r))
		}
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return 0
		}
	}
	return 0
}

// cellGlyph is what a cell shows: the reason's initial, else (monochrome) the state's glyph.
func (st *Styles) cellGlyph(c tlCell) byte {
	switch {
	case !c.known:
		return ' '
	case c.initial != 0:
		return c.initial
	case !st.Theme.Mono:
		return ' '
	}
	if g, ok := stateGlyphs[c.state]; ok {
		return g
	}
	return '?'
}

// cellKey is what a cell's style depends on.
type cellKey struct {
	state                 model.AgentState
	known, handled, isCur bool
}

// cellStyles caches the styling around a cell of each kind (the escape sequences before and after
// its glyph), for one Styles: a frame draws thousands of cells and lipgloss renders each slowly.
type cellStyles struct {
	st  *Styles
	pre map[cellKey][2]string
}

// affixes are the sequences before and after a run of cells of kind k.
func (cs *cellStyles) affixes(st *Styles, k cellKey) [2]string {
	if cs.st != st {
		cs.st, cs.pre = st, map[cellKey][2]string{}
	}
	if a, ok := cs.pre[k]; ok {
		return a
	}
	s := st.Dim
	if k.known {
		s = st.AgentState(k.state)
	}
	out := s.Underline(k.handled).Reverse(k.isCur).Render("X")
	i := strings.IndexByte(out, 'X')
	a := [2]string{out[:i], out[i+1:]}
	cs.pre[k] = a
	return a
}

// drawCells draws a line of cells, the cursor's cell reversed, in runs of one style.
func (cs *cellStyles) drawCells(st *Styles, cells []tlCell, cursor int) string {
	var b strings.Builder
	b.Grow(len(cells) * 2)
	var cur cellKey
	var post string
	for i, c := range cells {
		k := cellKey{state: c.state, known: c.known, handled: c.handled, isCur: i == cursor}
		if !k.known {
			k.state = ""
		}
		if i == 0 || k != cur {
			a := cs.affixes(st, k)
			b.WriteString(post)
			b.WriteString(a[0])
			cur, post = k, a[1]
		}
		b.WriteByte(st.cellGlyph(c))
	}
	b.WriteString(post)
	return b.String()
}

// axisTicks are the axis's tick intervals, from which the first that leaves room for a label is
// taken.
var axisTicks = []time.Duration{time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute,
	15 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour}

// axis draws the tick line (the cursor's cell marked) and the labels line under the cells.
func axis(from time.Time, step time.Duration, cells, cursor int, loc *time.Location) (ticks, labels string) {
	every := axisTicks[len(axisTicks)-1]
	for _, d := range axisTicks {
		if d/step >= 7 {
			every = d
			break
		}
	}
	line := []rune(strings.Repeat("─", cells))
	lab := []byte(strings.Repeat(" ", cells))
	for t := from.Truncate(every); t.Before(from.Add(step * time.Duration(cells))); t = t.Add(every) {
		if t.Before(from) {
			continue
		}
		i := int(t.Sub(from) / step)
		line[i] = '┬'
		if s := t.In(loc).Format("15:04"); i+len(s) <= cells {
			copy(lab[i:], s)
		}
	}
	if cursor >= 0 && cursor < cells {
		line[cursor] = '▲'
	}
	return string(line), string(lab)
}

// legend names each state with its cell, and the mark of a handled interaction, in as many lines
// as width takes (three at 60 columns: cut to two, it lost the underline's meaning).
func (cs *cellStyles) legend(st *Styles, width int) []string {
	var lines []string
	line, room := "", 0
	add := func(cell tlCell, name string) {
		n := 2 + len(name)
		if room > 0 && room+2+n > width {
			lines, line, room = append(lines, line), "", 0
		}
		if room > 0 {
			line += "  "
			room += 2
		}
		line += cs.drawCells(st, []tlCell{cell}, -1) + " " + name
		room += n
	}
	for _, s := range timelineStates {
		add(tlCell{state: s, known: true}, stateName(s))
	}
	add(tlCell{known: true}, "other")
	add(tlCell{state: model.AgentBusy, known: true, handled: true}, "underlined: on an interaction")
	return append(lines, line)
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
