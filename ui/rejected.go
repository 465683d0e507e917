package ui

import (
	"fmt"
	"path/filepath"
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

// rejectedView is the log of rejected messages, oldest first and newest at the bottom, as a log
// reads. It opens at the newest entry and follows new ones until the user scrolls up.
type rejectedView struct {
	c             *Common
	scroll        cursor
	width, height int
	// total is the number of entries drawn last, so that keys scroll over what the user sees; viewed
	// says whether there was a last frame.
	total  int
	viewed bool
}

func newRejected(c *Common) *rejectedView {
	return &rejectedView{c: c, scroll: cursor{follow: true}}
}

// SetSize sets the area: a title line and the entries under it.
func (r *rejectedView) SetSize(width, height int) { r.width, r.height = max(width, 1), max(height, 1) }

// page is the number of entries that fit under the title.
func (r *rejectedView) page() int { return max((r.height-1)/linesPerRejection, 1) }

// Update scrolls by entries.
func (r *rejectedView) Update(f *frame, msg tea.Msg) (pane, tea.Cmd) {
	total := r.total
	if !r.viewed {
		total = len(f.snap.Rejections)
	}
	r.scroll.scroll(msg, r.c.Keys, total, r.page())
	return r, nil
}

// ShortHelp lists the rejected log's main keys.
func (r *rejectedView) ShortHelp() []key.Binding { return []key.Binding{r.c.Keys.Back} }

// FullHelp lists every key the rejected log takes.
func (r *rejectedView) FullHelp() [][]key.Binding {
	return [][]key.Binding{append(r.c.Keys.navigation(), r.c.Keys.Back, r.c.Keys.Rejected)}
}

// View draws the log in exactly height lines of at most width cells.
func (r *rejectedView) View(f *frame) string {
	st := r.c.Styles
	snap := f.snap
	rej := snap.Rejections
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
	loc := f.now.Location()
	for _, x := range rej[first:last] {
		lines = append(lines, r.entry(x, loc)...)
	}
	return fitBlock(strings.Join(lines, "\n"), r.width, r.height)
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
	left := st.Title.Render("Rejected messages") + st.Dim.Render(" · ") + st.Text.Render(count) +
		st.Dim.Render(" · newest at the bottom · esc to go back")
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
// start of the raw message, sanitized, on the line below.
func (r *rejectedView) entry(x model.Rejection, loc *time.Location) []string {
	st := r.c.Styles
	w := r.width
	origin := cleanLeft(shortOrigin(x.Origin), max(w/3, 8))
	head := st.Dim.Render(pad(fmtClock(timeIn(x.At, loc)), 12)) + "  " + st.Accent.Render(origin) + "  " +
		st.Warn.Render(clean(x.Reason, max(w-16-width(origin), 1)))
	raw := st.Dim.Render("(empty)")
	if len(x.Raw) > 0 {
		raw = st.Text.Render(clean(string(x.Raw), max(w-16, 1)))
	}
	body := strings.Repeat(" ", 12) + st.Dim.Render("  │ ") + raw
	return []string{fit(head, w), fit(body, w)}
}
