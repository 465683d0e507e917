package ui

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/deskwatch/deskwatch/feed"
	"github.com/deskwatch/deskwatch/model"
	"github.com/deskwatch/deskwatch/travel"
)

// travelInfo is what a frame knows of the viewer's travel, for the status line: nil while the
// viewer shows the feed's latest state.
type travelInfo struct {
	// busy is set while a seek runs (a first seek in a large file may take a moment).
	live, moved, busy bool
	pos               travel.Position
	first, last       travel.Position
	// indexing is how much of a replayed file the history has indexed, in percent, while it is
	// still indexing it (-1 after, or for a history that indexes nothing).
	indexing int
	// cut is why the history stopped indexing the file before its end ("" when it did not).
	cut string
}

// indexer is a history that indexes a file first (travel.File).
type indexer interface {
	Progress() (done, total int64)
	Indexed() bool
}

// travelFrame describes the travel for a frame.
func (m *Model) travelFrame() *travelInfo {
	t := &m.travel
	if !t.on {
		return nil
	}
	info := &travelInfo{live: t.live, moved: t.cur != nil, busy: t.busy, pos: t.pos(), indexing: -1}
	if m.c.History != nil {
		info.first, info.last = m.c.History.Bounds()
	}
	if ix, ok := m.c.History.(indexer); ok && !ix.Indexed() {
		done, total := ix.Progress()
		info.indexing = int(100 * done / max(total, 1))
	}
	var full *travel.IndexFullError
	if ie, ok := m.c.History.(interface{ IndexError() error }); ok && errors.As(ie.IndexError(), &full) {
		info.cut = "history ends at event " + thousands(full.Messages)
	}
	return info
}

// barCells is the width of the replay's progress bar inside its brackets.
const barCells = 12

// travelSource draws the left of the status line while the viewer travels, in at most room cells:
// the source, "⏸ paused", a replay's progress bar at the position shown, "event n of N" and its
// event time, a live view's "1,234 events behind", and how to return. When the room is short it
// drops, in turn, the name, the date, the word "paused" and most of the hint, the bar, the time.
// barX is where the bar's "[" is, -1 when it is not drawn.
func (s *statusView) travelSource(src feed.Status, tr *travelInfo, now time.Time, room int) (string, int) {
	st := s.c.Styles
	var out string
	barX := -1
	for _, o := range []struct{ name, date, long, bar, time bool }{{true, true, true, true, true},
		{false, true, true, true, true}, {false, false, true, true, true}, {false, false, false, true, true},
		{false, false, false, false, true}, {false, false, false, false, false}} {
		var head []string
		if o.name {
			head = append(head, st.Bold.Render(clean(model.Sanitize(src.Name), 24)))
		}
		if o.long {
			head = append(head, st.Warn.Render("⏸ paused"))
		} else {
			head = append(head, st.Warn.Render("⏸"))
		}
		barX = -1
		if o.bar && !tr.live && tr.last.N > tr.first.N {
			barX = width(strings.Join(head, " ")) + 1
			head = append(head, travelBar(tr.pos.N-tr.first.N, tr.last.N-tr.first.N))
		}
		parts := []string{strings.Join(head, " ")}
		if tr.moved {
			parts = append(parts, st.Text.Render("event "+thousands(tr.pos.N)+" of "+thousands(tr.last.N)))
			switch {
			case tr.pos.At.IsZero() || !o.time:
			case o.date:
				parts = append(parts, st.Text.Render(now.Format("2006-01-02 15:04:05")))
			default:
				parts = append(parts, st.Text.Render(now.Format("15:04:05")))
			}
		}
		if tr.busy {
			parts = append(parts, st.Dim.Render("seeking…"))
		}
		if tr.cut != "" {
			parts = append(parts, st.Warn.Render(tr.cut))
		}
		if tr.indexing >= 0 {
			parts = append(parts, st.Dim.Render("indexing "+strconv.Itoa(tr.indexing)+"%"))
		}
		back := ": back"
		switch {
		case tr.live:
			parts = append(parts, st.Warn.Render(thousands(max(tr.last.N-tr.pos.N, 0))+" events behind"))
			back = ": live"
		case o.long:
			back = ": back to the replay"
		}
		sep := st.Dim.Render(" · ")
		if !o.long { // "⏸ event 4 of 11", not "⏸ · event 4 of 11"
			sep = " "
		}
		rest := strings.Join(append(parts[1:], st.Key.Render(keyName(s.c.Keys.Pause))+st.Dim.Render(back)), st.Dim.Render(" · "))
		out = parts[0] + sep + rest
		if width(out) <= room {
			break
		}
	}
	if barX >= 0 && barX+barCells+2 > room {
		barX = -1
	}
	return out, barX
}

// travelBar draws pos/total as a bar of barCells cells, without the percentage (the status line
// says "event n of N").
func travelBar(pos, total int64) string {
	return bar(min(max(float64(pos)/float64(total), 0), 1), barCells)
}

// clickBar seeks to where a click on the replay's progress bar points (its first cell is the
// history's start, its last the end), reporting whether the click was on the bar.
func (m *Model) clickBar(msg tea.MouseClickMsg) (tea.Cmd, bool) {
	x0 := m.status.barX
	if msg.Button != tea.MouseLeft || msg.Y != m.c.Height-1 || x0 < 0 || m.filter.Active() || m.command.Active() {
		return nil, false
	}
	cell := msg.X - x0 - 1
	if cell < 0 || cell >= barCells {
		return nil, false
	}
	return m.seek(travelTarget{kind: targetFrac, f: float64(cell) / (barCells - 1)}), true
}

// stripHeight is the height of the line of what the event shown changed: one line while the
// viewer travels, on a window tall enough to spare it.
func (m *Model) stripHeight() int {
	if m.travel.on && m.c.Height >= 8 {
		return 1
	}
	return 0
}

// strip draws the line of what the event shown changed, in the words of the timelines: the
// event's number, time and type, then each row or agent it changed and its changes.
func (m *Model) strip(f *frame) string {
	t := &m.travel
	if t.stripOf != f.snap {
		t.strip, t.stripOf = appliedText(f.snap, t.pos().At, f.now.Location()), f.snap
		if t.pos().N == 0 {
			t.strip = "the start, before the first message"
		}
	}
	st := m.c.Styles
	return fit(st.Accent.Render("▸ #"+thousands(t.pos().N))+" "+st.Text.Render(clean(t.strip, m.c.Width)), m.c.Width)
}

// appliedText says what the last event applied to snap changed: the rows and agents it produced
// (their Version is the snapshot's) whose latest timeline entries the event carried (the latest
// event time and type among them), each with those entries' texts, as the timelines word them.
// at is that event's time (zero when not known): an entry of another time is an earlier event's,
// left on a row or agent the event touched without adding to its timeline. Every text is sanitized.
func appliedText(snap *model.Snapshot, at time.Time, loc *time.Location) string {
	type item struct {
		id string
		tl []model.Change
	}
	var items []item
	var ref *model.Change
	add := func(id string, tl []model.Change) {
		if len(tl) == 0 || !at.IsZero() && !tl[len(tl)-1].At().Equal(at) {
			return
		}
		items = append(items, item{id, tl})
		if end := tl[len(tl)-1]; ref == nil || end.At().After(ref.At()) {
			ref = &end
		}
	}
	for _, r := range snap.Rows {
		if r.Version == snap.Version {
			add(r.Data.ID, r.Timeline)
		}
	}
	for _, a := range snap.Agents {
		if a.Version == snap.Version {
			add(a.ID, a.Timeline)
		}
	}
	var out []string
	for _, it := range items {
		var texts []string
		for i := len(it.tl) - 1; i >= 0 && it.tl[i].At().Equal(ref.At()) && it.tl[i].Source() == ref.Source(); i-- {
			texts = append([]string{it.tl[i].Text}, texts...)
		}
		if len(texts) > 0 {
			out = append(out, model.Sanitize(it.id)+": "+model.Sanitize(strings.Join(texts, ", ")))
		}
	}
	if len(out) == 0 {
		return "no timeline entry (a rejected message, or one that changed no state, party, mute, recording, " +
			"service, disposition, login or desktop)"
	}
	return ref.At().In(loc).Format("15:04:05") + " " + model.Sanitize(ref.Source()) + " · " + strings.Join(out, " · ")
}

// travelHelp lists the travel keys for the help screen: space (which freezes a live view and
// returns to live or to the replay; where the viewer paces a replay, help lists space once, as its
// pause key) and the seek keys.
type travelHelp struct{ c *Common }

// ShortHelp lists the seek keys.
func (h travelHelp) ShortHelp() []key.Binding {
	k := &h.c.Keys
	return []key.Binding{k.EventPrev, k.EventNext, k.Back10s, k.Forward10s, k.Back1m, k.Forward1m}
}

// FullHelp lists space, the seek keys and :goto.
func (h travelHelp) FullHelp() [][]key.Binding {
	k := &h.c.Keys
	gotoKey := key.NewBinding(key.WithKeys(k.Command.Keys()...), key.WithHelp(":goto", "go to "+gotoForms))
	keys := append(h.ShortHelp(), gotoKey)
	if !h.c.Caps.CanControlReplay {
		space := key.NewBinding(key.WithKeys(k.Pause.Keys()...),
			key.WithHelp(keyLabel(k.Pause.Keys()), "freeze a live view · back to live / to the replay"))
		keys = append([]key.Binding{space}, keys...)
	}
	return [][]key.Binding{keys}
}
