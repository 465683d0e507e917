package ui

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/deskwatch/deskwatch/model"
)

// twoColumnWidth is the width from which the detail puts the timeline beside the fields.
const twoColumnWidth = 120

// detailView shows one interaction in full: every InteractionData field, the parties, attached data,
// associated objects, unknown fields, the activity record, the audio alert and the timeline. Under a
// fixed title line the content scrolls as one list of lines.
type detailView struct {
	c             *Common
	key           string
	scroll        cursor
	width, height int

	// The content is cached for one row snapshot, width and zone: rows are immutable and replaced on
	// every change, so the pointer says whether the interaction changed.
	cacheRow   *model.Row
	cacheWidth int
	cacheLoc   *time.Location
	lines      []string
	// found is the row shown, looked up once per snapshot (in snap).
	snap  *model.Snapshot
	found *model.Row
	seq   uint64 // found's Seq, to find it again by binary search
}

func newDetail(c *Common) *detailView { return &detailView{c: c} }

// Show selects the interaction to show by its row key and scrolls back to the top.
func (d *detailView) Show(key string) {
	d.key = key
	d.scroll = cursor{}
	d.cacheRow, d.lines = nil, nil
	d.snap, d.found, d.seq = nil, nil, 0
}

// row finds the interaction shown in the frame's snapshot; nil when it is no longer retained.
func (d *detailView) row(snap *model.Snapshot) *model.Row {
	if snap != d.snap {
		d.snap, d.found = snap, findRow(snap.Rows, d.key, d.seq)
		if d.found != nil {
			d.seq = d.found.Seq
		}
	}
	return d.found
}

// findRow finds the row of key in rows, which are in order of first sight and so of Seq: by binary
// search for seq when it is known (the row found last time), else, or when the row was seen anew,
// by a walk.
func findRow(rows []*model.Row, key string, seq uint64) *model.Row {
	if seq != 0 {
		i := sort.Search(len(rows), func(i int) bool { return rows[i].Seq >= seq })
		if i < len(rows) && rows[i].Key == key {
			return rows[i]
		}
	}
	for _, r := range rows {
		if r.Key == key {
			return r
		}
	}
	return nil
}

// stamp is the row shown: the detail is redrawn when its interaction changed.
func (d *detailView) stamp(f *frame) []lineID { return []lineID{{row: d.row(f.snap)}} }

// Key is the row key of the interaction shown.
func (d *detailView) Key() string { return d.key }

// SetSize sets the area: a title line and height-1 lines of content.
func (d *detailView) SetSize(width, height int) { d.width, d.height = max(width, 1), max(height, 1) }

func (d *detailView) page() int { return max(d.height-1, 1) }

// Update scrolls.
func (d *detailView) Update(f *frame, msg tea.Msg) (pane, tea.Cmd) {
	lines := d.content(d.row(f.snap), f.now.Location())
	d.scroll.scroll(msg, d.c.Keys, len(lines), d.page())
	return d, nil
}

// ShortHelp lists the detail's main keys.
func (d *detailView) ShortHelp() []key.Binding { return []key.Binding{d.c.Keys.Back} }

// FullHelp lists every key the detail takes.
func (d *detailView) FullHelp() [][]key.Binding {
	return [][]key.Binding{append(d.c.Keys.navigation(), d.c.Keys.Back)}
}

// View draws the detail in exactly height lines of at most width cells.
func (d *detailView) View(f *frame) string {
	st := d.c.Styles
	now := f.now
	r := d.row(f.snap)
	if r == nil {
		msg := st.Dim.Render("interaction "+clean(d.key, max(d.width-34, 1))+" is no longer retained") +
			"\n\n" + st.Dim.Render(keyName(d.c.Keys.Back)+" to go back")
		return fitBlock(msg, d.width, d.height)
	}
	lines := d.content(r, now.Location())
	page := d.page()
	d.scroll.clampScroll(len(lines), page)
	first := d.scroll.offset
	last := min(first+page, len(lines))
	out := make([]string, 0, d.height)
	out = append(out, d.title(r, now, scrollPos(first, last, len(lines))))
	out = append(out, lines[first:last]...)
	return fitBlock(strings.Join(out, "\n"), d.width, d.height)
}

// title is the fixed first line: type, id, state, agent, age and alert on the left, the scroll
// position on the right.
func (d *detailView) title(r *model.Row, now time.Time, pos string) string {
	st := d.c.Styles
	in := r.Data
	parts := []string{
		st.Type(in.Type).Render(typeGlyph(in.Type) + " " + clean(string(in.Type), 12)),
		st.Title.Render(clean(in.ID, 40)),
		st.State(in.State).Render(clean(string(in.State), 20)),
	}
	agentAt := -1 // the agent gives way to the duration on a narrow line
	if r.AgentID != "" {
		agentAt = len(parts)
		parts = append(parts, st.Dim.Render("agent ")+st.Text.Render(clean(r.AgentID, 24)))
	}
	// The title's duration is the table's: it stops at the end once known, as endTime's "lasted".
	switch dur := model.FormatDuration(r.Duration(now)); {
	case !r.Open():
		parts = append(parts, st.Ended.Render("ended after "+dur))
	case !r.End().IsZero():
		parts = append(parts, st.Dim.Render("lasted ")+st.Text.Render(dur))
	default:
		parts = append(parts, st.Dim.Render("open ")+st.Text.Render(dur))
	}
	durAt := len(parts) - 1
	var why []string
	for _, a := range d.c.Alerts.Check(r, now) {
		why = append(why, a.Text)
	}
	switch {
	case len(why) > 0:
		parts = append(parts, st.Alert.Render(alertGlyph+" "+clean(strings.Join(why, ", "), 80)))
	case r.AudioAlert != "":
		parts = append(parts, st.Alert.Render("⚠ audio "+clean(r.AudioAlert, 24)))
	}
	right := st.Dim.Render(pos)
	room := d.width - width(right) - 1
	// Where the duration would be cut, the agent's word goes, then the spaces between the parts
	// narrow, then the agent goes.
	sep := "  "
	fits := func() bool { // with a cell for the "…" of what follows, if it does not fit
		cut := width(strings.Join(parts, sep)) > room && durAt < len(parts)-1
		return width(strings.Join(parts[:durAt+1], sep))+b2i(cut) <= room
	}
	if agentAt >= 0 && !fits() {
		parts[agentAt] = st.Text.Render(clean(r.AgentID, 24))
	}
	if !fits() {
		sep = " "
	}
	if agentAt >= 0 && !fits() {
		parts = slices.Delete(parts, agentAt, agentAt+1)
		durAt--
	}
	left := strings.Join(parts, sep)
	if room < 10 { // too narrow for both: the interaction matters more than the position
		return fit(left, d.width)
	}
	return pad(fit(left, room), room) + " " + right
}

// content returns the scrollable lines for a row, built once per row snapshot, width and zone.
func (d *detailView) content(r *model.Row, loc *time.Location) []string {
	if r == nil {
		return nil
	}
	if r == d.cacheRow && d.width == d.cacheWidth && loc == d.cacheLoc {
		return d.lines
	}
	st := d.c.Styles
	var lines []string
	if d.width >= twoColumnWidth {
		right := d.width * 45 / 100
		left := d.width - right - 3
		fields := buildFields(st, r, left, loc)
		timeline := buildTimeline(st, r.Timeline, right, loc)
		sep := st.Border.Render(" │ ")
		blankLeft := strings.Repeat(" ", left)
		for i := range max(len(fields), len(timeline)) {
			l, t := blankLeft, ""
			if i < len(fields) {
				l = fields[i]
			}
			if i < len(timeline) {
				t = timeline[i]
			}
			lines = append(lines, l+sep+t)
		}
	} else {
		lines = append(buildFields(st, r, d.width, loc), "")
		lines = append(lines, buildTimeline(st, r.Timeline, d.width, loc)...)
	}
	d.cacheRow, d.cacheWidth, d.cacheLoc, d.lines = r, d.width, loc, lines
	return lines
}

// buildTimeline draws an interaction's (or an agent's) changes, oldest first, in a column w cells
// wide. Changes are grouped by the event that carried them: the event's time and type head each
// group.
func buildTimeline(st *Styles, timeline []model.Change, w int, loc *time.Location) []string {
	b := &detailLines{st: st, w: w, loc: loc}
	b.heading("Timeline · " + plural(len(timeline), "change", "changes"))
	if len(timeline) == 0 {
		b.add(st.Dim.Render("  no changes recorded"))
	}
	kindW := 0
	for _, c := range timeline {
		kindW = max(kindW, width(clean(c.Kind.String(), 19)))
	}
	for i, c := range timeline {
		if i == 0 || !c.At().Equal(timeline[i-1].At()) || c.Source() != timeline[i-1].Source() {
			when := fmtClock(timeIn(c.At(), b.loc))
			b.add(st.Bold.Render(when) + "  " + st.Dim.Render(clean(c.Source(), max(w-width(when)-2, 1))))
		}
		b.change(c, kindW)
	}
	return b.lines
}

// change adds one timeline entry under its event: the kind in a column and the text wrapped beside
// it; in a column too narrow for both, the text goes under the kind.
func (b *detailLines) change(c model.Change, kindW int) {
	st := b.st
	kind := "  " + changeStyle(st, c.Kind).Render(pad(clean(c.Kind.String(), kindW), kindW))
	textW := b.w - 2 - kindW - 2
	if textW < 16 {
		b.add(kind)
		for _, l := range wrapText(c.Text, max(b.w-4, 1), 4) {
			b.add("    " + st.Text.Render(l))
		}
		return
	}
	for i, l := range wrapText(c.Text, textW, 4) {
		if i == 0 {
			b.add(kind + "  " + st.Text.Render(l))
		} else {
			b.add(strings.Repeat(" ", 2+kindW+2) + st.Text.Render(l))
		}
	}
}

// changeStyle colours a timeline entry's kind.
func changeStyle(st *Styles, k model.ChangeKind) lipgloss.Style {
	switch k {
	case model.ChangeCreated, model.ChangeDisposition, model.ChangeRecord:
		return st.Accent
	case model.ChangeMuted, model.ChangePartyLeft, model.ChangeReopened:
		return st.Warn
	case model.ChangeRecStarted, model.ChangeAudioAlert:
		return st.Alert
	case model.ChangePartyJoined, model.ChangeAudioClear:
		return st.OK
	case model.ChangeEnded:
		return st.Ended
	}
	return st.Text
}

// scrollPos is the "12–30 of 85" indicator for items first (0-based) up to last (exclusive).
func scrollPos(first, last, total int) string {
	if total == 0 {
		return ""
	}
	return fmt.Sprintf("%d–%d of %d", first+1, last, total)
}

// timeIn shows t in the viewer's zone; the zero time stays zero so it prints as absent.
func timeIn(t time.Time, loc *time.Location) time.Time {
	if t.IsZero() || loc == nil {
		return t
	}
	return t.In(loc)
}
