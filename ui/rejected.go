package ui

import (
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/deskwatch/deskwatch/model"
)

// linesPerRejection is how many lines one entry of the rejected log takes: where, when and why on
// the first, the start of the message on the second.
const linesPerRejection = 2

// wrappedRawLines is how many lines of the raw message a wrapped entry shows.
const wrappedRawLines = 4

// rejectedView is the log of rejected messages, oldest first and newest at the bottom, as a log
// reads. It opens at the newest entry and follows new ones until the user scrolls up. Each entry
// takes two lines, cut at the width; wrapped (enter), each takes the lines its whole reason and
// the start of its message need, and the log scrolls by lines.
type rejectedView struct {
	c             *Common
	scroll        cursor
	width, height int
	wrap          bool
	// top is the wrapped log's entry at the top and the line of it there, so that a new width (whose
	// lines differ) keeps it on top: reanchor says the next frame puts it back.
	top      struct{ entry, line int }
	reanchor bool
	lines    wrappedLines
	// total is the number of entries (lines, wrapped) drawn last, so that keys scroll over what the
	// user sees; viewed says whether there was a last frame.
	total  int
	viewed bool
}

func newRejected(c *Common) *rejectedView {
	return &rejectedView{c: c, scroll: cursor{follow: true}}
}

// SetSize sets the area: a title line and the entries under it.
func (r *rejectedView) SetSize(width, height int) {
	r.reanchor = r.reanchor || r.wrap && max(width, 1) != r.width
	r.width, r.height = max(width, 1), max(height, 1)
}

// page is the number of entries that fit under the title (lines, wrapped).
func (r *rejectedView) page() int {
	if r.wrap {
		return max(r.height-1, 1)
	}
	return max((r.height-1)/linesPerRejection, 1)
}

// Update scrolls by entries (by lines, wrapped); enter wraps or unwraps the entries.
func (r *rejectedView) Update(f *frame, msg tea.Msg) (pane, tea.Cmd) {
	if k, ok := msg.(tea.KeyPressMsg); ok && key.Matches(k, r.c.Keys.Open) {
		r.toggleWrap(f.snap.Rejections)
		return r, nil
	}
	total := r.total
	if !r.viewed {
		total = len(f.snap.Rejections)
	}
	r.scroll.scroll(msg, r.c.Keys, total, r.page())
	return r, nil
}

// toggleWrap wraps or unwraps the entries, keeping the first one shown at the top.
func (r *rejectedView) toggleWrap(rej []model.Rejection) {
	wrap := !r.wrap
	r.wrap, r.viewed = true, false // the wrapped entries' heights map lines to entries
	defer func() { r.wrap = wrap }()
	if r.scroll.follow {
		return
	}
	i, line := 0, 0
	if wrap { // from an entry to its first line
		for ; i < min(r.scroll.offset, len(rej)); i++ {
			line += len(r.entry(rej[i], time.UTC))
		}
		r.scroll.offset = line
		return
	}
	for ; i < len(rej) && line+len(r.entry(rej[i], time.UTC)) <= r.scroll.offset; i++ { // from a line to its entry
		line += len(r.entry(rej[i], time.UTC))
	}
	r.scroll.offset = i
}

// ShortHelp lists the rejected log's main keys.
func (r *rejectedView) ShortHelp() []key.Binding { return []key.Binding{r.c.Keys.Open, r.c.Keys.Back} }

// FullHelp lists every key the rejected log takes (Open wraps or unwraps the entries).
func (r *rejectedView) FullHelp() [][]key.Binding {
	return [][]key.Binding{append(r.c.Keys.navigation(), r.c.Keys.Open, r.c.Keys.Back, r.c.Keys.Rejected)}
}

// View draws the log in exactly height lines of at most width cells.
func (r *rejectedView) View(f *frame) string {
	st := r.c.Styles
	snap := f.snap
	rej := snap.Rejections
	loc := f.now.Location()
	if r.wrap {
		return r.wrapped(snap, loc)
	}
	r.total, r.viewed = len(rej), true
	page := r.page()
	r.scroll.clampScroll(len(rej), page)
	first := r.scroll.offset
	last := min(first+page, len(rej))
	lines := make([]string, 0, r.height)
	lines = append(lines, r.title(snap, first, last))
	if len(rej) == 0 {
		lines = append(lines, st.Dim.Render("  no rejected messages — every message so far was accepted"))
	}
	for _, x := range rej[first:last] {
		lines = append(lines, r.entry(x, loc)...)
	}
	return fitBlock(strings.Join(lines, "\n"), r.width, r.height)
}

// wrapped draws the log with whole entries, scrolled by lines. The scroll position on the right
// counts entries: those whose first line is shown.
func (r *rejectedView) wrapped(snap *model.Snapshot, loc *time.Location) string {
	key := wrapKey{count: snap.Stats.Rejected + snap.Stats.Warnings, kept: len(snap.Rejections), width: r.width,
		styles: r.c.Styles, loc: loc}
	if n := len(snap.Rejections); n > 0 {
		key.last = snap.Rejections[n-1].At
	}
	if r.lines.key != key { // wrapped again only when the log or the width changed, not every tick
		r.lines = wrappedLines{key: key}
		for _, x := range snap.Rejections {
			r.lines.starts = append(r.lines.starts, len(r.lines.lines))
			r.lines.lines = append(r.lines.lines, r.entry(x, loc)...)
		}
	}
	lines, starts := r.lines.lines, r.lines.starts // starts: the first line of each entry
	r.total, r.viewed = len(lines), true
	if r.reanchor && !r.scroll.follow && r.top.entry < len(starts) {
		r.scroll.offset = min(starts[r.top.entry]+r.top.line, len(lines)-1)
	}
	r.reanchor = false
	page := r.page()
	r.scroll.clampScroll(len(lines), page)
	top, bottom := r.scroll.offset, min(r.scroll.offset+page, len(lines))
	first, _ := slices.BinarySearch(starts, top)
	last, _ := slices.BinarySearch(starts, bottom)
	if at, _ := slices.BinarySearch(starts, top+1); at > 0 { // the entry holding the top line
		r.top.entry, r.top.line = at-1, top-starts[at-1]
	}
	out := append([]string{r.title(snap, first, last)}, lines[top:bottom]...)
	if len(lines) == 0 {
		out = append(out, r.c.Styles.Dim.Render("  no rejected messages — every message so far was accepted"))
	}
	return fitBlock(strings.Join(out, "\n"), r.width, r.height)
}

// wrappedLines are the wrapped log's lines and the first line of each entry, for the log and width
// of key.
type wrappedLines struct {
	key    wrapKey
	lines  []string
	starts []int
}

// wrapKey is what the wrapped lines depend on: the log (its count, the entries kept, the newest's
// time), the width, the styles and the clock's zone.
type wrapKey struct {
	count       int64
	kept, width int
	last        time.Time
	styles      *Styles
	loc         *time.Location
}

// title names the log and its size (the store keeps only the newest entries; the count is of all)
// on the left, the scroll position on the right.
func (r *rejectedView) title(snap *model.Snapshot, first, last int) string {
	st := r.c.Styles
	kept, all := len(snap.Rejections), snap.Stats.Rejected+snap.Stats.Warnings
	count := strconv.Itoa(kept)
	if all > int64(kept) {
		count = fmt.Sprintf("showing last %d of %d", kept, all)
	}
	wrap := " · " + keyName(r.c.Keys.Open) + ": whole reasons"
	if r.wrap {
		wrap = " · wrapped (" + keyName(r.c.Keys.Open) + ": a line each)"
	}
	// What is cut at a narrow width comes last: the way back first, then the toggle.
	left := st.Title.Render("Rejected messages") + st.Dim.Render(" · ") + st.Text.Render(count) +
		st.Dim.Render(" · "+keyName(r.c.Keys.Back)+" to go back"+wrap+" · newest at the bottom")
	right := st.Dim.Render(scrollPos(first, last, kept))
	room := r.width - width(right) - 1
	if room < 10 {
		return fit(left, r.width)
	}
	return pad(fit(left, room), room) + " " + right
}

// shortOrigin is where a rejection came from without the source's full name (the status line
// names it): a file's base name and line (events.jsonl:12), or a connection's conn and msg numbers,
// so that the reason gets the room.
func shortOrigin(o model.Origin) string {
	switch {
	case o.Line > 0 && o.Source != "-" && o.Source != "":
		o.Source = filepath.Base(o.Source)
	case o.Line == 0 && o.Conn > 0:
		return fmt.Sprintf("conn %d msg %d", o.Conn, o.Msg)
	}
	return o.String()
}

// entry draws one rejection: time, origin (FILE:LINE or SOURCE conn C msg M) and reason, then the
// start of the raw message, sanitized, on the line below; wrapped, the whole reason (under its
// first line's reason) and up to wrappedRawLines of the message.
func (r *rejectedView) entry(x model.Rejection, loc *time.Location) []string {
	st := r.c.Styles
	w := r.width
	origin := cleanLeft(shortOrigin(x.Origin), max(w/3, 8))
	head := st.Dim.Render(pad(fmtClock(timeIn(x.At, loc)), 12)) + "  " + st.Accent.Render(origin) + "  "
	reasonW, rawW, bar := max(w-16-width(origin), 1), max(w-16, 1), strings.Repeat(" ", 12)+st.Dim.Render("  │ ")
	if !r.wrap {
		raw := st.Dim.Render("(empty)")
		if len(x.Raw) > 0 {
			raw = st.Text.Render(clean(string(x.Raw), rawW))
		}
		return []string{fit(head+st.Warn.Render(clean(x.Reason, reasonW)), w), fit(bar+raw, w)}
	}
	// The reason's first line beside the origin, the rest under the message's column.
	reason := clean(x.Reason, len(x.Reason)+1)
	first := wrapText(reason, reasonW, 2)[0]
	rest := strings.TrimLeft(strings.TrimPrefix(reason, first), " ")
	if !strings.HasPrefix(reason, first) {
		rest = ""
	}
	out := []string{fit(head+st.Warn.Render(first), w)}
	if rest != "" {
		for _, l := range wrapText(rest, rawW, 1+len(rest)/max(rawW/2, 1)) {
			out = append(out, fit(strings.Repeat(" ", 16)+st.Warn.Render(l), w))
		}
	}
	if len(x.Raw) == 0 {
		return append(out, fit(bar+st.Dim.Render("(empty)"), w))
	}
	raw := string(x.Raw)
	if len(x.Raw) >= model.RejectedRawBytes {
		raw += "…" // the log keeps the message's start alone
	}
	for _, l := range wrapText(raw, rawW, wrappedRawLines) {
		out = append(out, fit(bar+st.Text.Render(l), w))
	}
	return out
}
