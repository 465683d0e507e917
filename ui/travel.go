package ui

import (
	"context"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/deskwatch/deskwatch/model"
	"github.com/deskwatch/deskwatch/travel"
)

// Time travel (issue 15): a viewer may leave the feed's latest state and look at any earlier one
// the history keeps. While it travels, the frame's snapshot is its cursor's store's and the frame's
// clock is the cursor's event time, so every pane shows exactly what it showed then; the panes do
// not know. A live view may also only be frozen (space): the picture stays while the feed goes on
// applying. Seeks run in commands that capture values (the history, a position, a target), never
// the model, and never hold up the feed's writer.

// travelState is one viewer's travel. The zero value is not traveling.
type travelState struct {
	// on is set while the picture is not the feed's latest: frozen or moved.
	on bool
	// cur is the viewer's cursor, nil while a frozen live view has not moved (frozenNow is then
	// the source's clock when it froze); at is the position shown and store its store. A seek
	// moves cur while it runs, so the model never reads cur itself: at and store are what the
	// seek's result said.
	cur       *travel.Cursor
	at        travel.Position
	store     *model.Store
	frozenNow time.Time
	// live says the source is a live stream (space returns to live), else a replay.
	live bool
	// busy is set while a seek runs; the targets asked for meanwhile wait in queue, in order.
	busy  bool
	queue []travelTarget
	// gen counts travels: a seek's result from an earlier one is dropped.
	gen int
	// strip caches the line of what the event shown changed, for the snapshot stripOf.
	strip   string
	stripOf *model.Snapshot
}

// travelMsg is a seek's result: the cursor, its position, store and store's snapshot, or why it
// failed.
type travelMsg struct {
	gen   int
	cur   *travel.Cursor
	pos   travel.Position
	store *model.Store
	snap  *model.Snapshot
	err   error
	// still says a step could not move (at a bound of the history).
	still bool
}

// seekTimeout bounds one seek (a file's first index can take a while; a seek after it is fast).
const seekTimeout = time.Minute

// noHistory is what the travel keys say when the source keeps no history.
const noHistory = "no history: this view keeps none to travel in (a file replay, or a live view with a history, has one)"

// pos is the position shown while traveling.
func (t *travelState) pos() travel.Position { return t.at }

// store is the store the viewer reads: its cursor's while it travels, else the feed's.
func (m *Model) store() *model.Store {
	if m.travel.store != nil {
		return m.travel.store
	}
	return m.c.Store
}

// travelNow is the source's clock of the picture shown while traveling, in the zone of now.
func (m *Model) travelNow(now time.Time) time.Time {
	switch t := &m.travel; {
	case !t.on:
		return now
	case t.cur != nil && !t.at.At.IsZero():
		return t.at.At.In(now.Location())
	}
	return m.travel.frozenNow
}

// now is the source's clock of the picture shown (the viewer's travel's, or the source's).
func (m *Model) now() time.Time { return m.travelNow(m.c.now()) }

// travelKeyTargets maps the travel keys to the targets they ask for.
func travelKeyTargets(k *KeyMap) []struct {
	b *key.Binding
	t travelTarget
} {
	return []struct {
		b *key.Binding
		t travelTarget
	}{
		{&k.EventPrev, travelTarget{kind: targetEvents, n: -1}}, {&k.EventNext, travelTarget{kind: targetEvents, n: 1}},
		{&k.Back10s, timeStep(-10 * time.Second)}, {&k.Forward10s, timeStep(10 * time.Second)},
		{&k.Back1m, timeStep(-time.Minute)}, {&k.Forward1m, timeStep(time.Minute)},
	}
}

// travelKey handles the travel keys and space while traveling or in a live view with a history,
// reporting whether msg was one. It comes before the capability check: a read-only viewer's
// travel is its own.
func (m *Model) travelKey(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	if m.filter.Active() || m.command.Active() {
		return nil, false
	}
	k := &m.c.Keys
	if slices.Contains(k.Pause.Keys(), msg.String()) {
		switch {
		case m.travel.on:
			m.leaveTravel()
			return nil, true
		case m.c.History != nil && !m.isReplay():
			m.freeze()
			return nil, true
		}
		return nil, false
	}
	for _, kt := range travelKeyTargets(k) {
		if key.Matches(msg, *kt.b) {
			return m.seek(kt.t), true
		}
	}
	return nil, false
}

// isReplay reports whether the source is a replay (it has a controller or a length), not a live
// stream.
func (m *Model) isReplay() bool {
	if m.c.Control != nil {
		return true
	}
	return m.c.Status != nil && m.c.Status().Total > 0
}

// sourcePos is the position of a snapshot of the feed's store: the messages its pump handled, each
// either applied (an event) or rejected (a refused event is rejected too).
func sourcePos(snap *model.Snapshot) travel.Position {
	return travel.Position{N: snap.Stats.Events + snap.Stats.Rejected}
}

// freeze stops the picture of a live view where it is; the feed goes on applying. The status line
// says so ("paused · 12 events behind · space: live").
func (m *Model) freeze() { m.startTravel() }

// startTravel leaves the feed's latest state at the picture shown. A replay this viewer may pace is
// paused first, so that it does not run on unseen.
func (m *Model) startTravel() {
	t := &m.travel
	t.on, t.cur, t.at, t.store, t.frozenNow = true, nil, sourcePos(m.snap), nil, m.c.now()
	if p, ok := knownPosition(m.c.History, t.at.N); ok { // with its event time, for the strip
		t.at = p
	}
	t.busy, t.queue = false, nil
	t.live = !m.isReplay()
	if !t.live && m.c.Caps.CanControlReplay && m.c.Control != nil && m.c.Status != nil {
		if st := m.c.Status(); !st.Paused && !sourceOver(st.State) {
			m.c.Control.TogglePause()
		}
	}
	m.resize(m.c.Width, m.c.Height)
}

// leaveTravel returns to the feed's latest state: live, or the replay where the source was, which
// resumes when it is paused and this viewer may pace it. The bell does not ring for the alerts
// that opened in between.
func (m *Model) leaveTravel() {
	t := &m.travel
	*t = travelState{gen: t.gen + 1}
	m.showSnap(m.c.Store.Snapshot())
	m.resize(m.c.Width, m.c.Height)
	switch {
	case !m.isReplay():
		m.setNote("live")
	case m.c.Caps.CanControlReplay && m.c.Control != nil && m.c.Status != nil && m.c.Status().Paused:
		m.c.Control.TogglePause()
		m.setNote("back to the replay, where it was — resumed")
	default:
		m.setNote("back to the replay, where it was")
	}
}

// showSnap shows another snapshot, of another store or of another moment: what was derived from
// the one before is taken again in full.
func (m *Model) showSnap(s *model.Snapshot) {
	m.snap = s
	m.view.live, m.view.counts = nil, nil
	m.refresh()
}

// seek asks to travel to target: at once when no seek runs, else after the ones asked for before.
func (m *Model) seek(target travelTarget) tea.Cmd {
	if m.c.History == nil {
		m.setError(noHistory)
		return nil
	}
	if !m.travel.on {
		m.startTravel()
	}
	t := &m.travel
	if t.busy {
		t.queue = queueTarget(t.queue, target)
		return nil
	}
	t.busy = true
	return seekCmd(m.c.History, t.cur, t.at, target, m.c.now().Location(), t.gen)
}

// queueTarget adds target to the seeks waiting: a step of events in the same direction as the last
// one waiting joins it (steps one by one would land in the same place, stopping at the same bound),
// so that a held key does not pile up one seek per repeat.
func queueTarget(queue []travelTarget, target travelTarget) []travelTarget {
	if n := len(queue); n > 0 && target.kind == targetEvents && queue[n-1].kind == targetEvents &&
		(target.n < 0) == (queue[n-1].n < 0) {
		queue[n-1].n += target.n
		return queue
	}
	return append(queue, target)
}

// seekCmd resolves target from the position shown and seeks there, off the model's goroutine: by
// moving cur (travel.Cursor.Goto: a few events forward apply them, back restores the nearest
// checkpoint, the cursor's own ones on its way included), else, or when that fails, with a new
// cursor from the history. It captures values only; the model does not read cur meanwhile.
func seekCmd(h travel.History, cur *travel.Cursor, from travel.Position, target travelTarget, loc *time.Location,
	gen int) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), seekTimeout)
		defer cancel()
		if target.needsAt() && from.At.IsZero() && from.N > 0 {
			p, err := positionOf(ctx, h, from.N) // a frozen view knows its position's number, not its time
			if err != nil {
				return travelMsg{gen: gen, err: err}
			}
			from = p
		}
		n, err := target.resolve(h, from, loc)
		if err != nil {
			return travelMsg{gen: gen, err: err}
		}
		still := n == from.N && target.kind == targetEvents
		c := cur
		if c == nil || c.Goto(ctx, n) != nil || c.Pos.N != n {
			var err error
			if c, err = h.Seek(ctx, n); err != nil { // a cursor that failed to move is replaced
				return travelMsg{gen: gen, err: err}
			}
		}
		return travelMsg{gen: gen, cur: c, pos: c.Pos, store: c.Store, snap: c.Store.Snapshot(), still: still}
	}
}

// traveled shows a seek's result and starts the next seek asked for.
func (m *Model) traveled(msg travelMsg) tea.Cmd {
	t := &m.travel
	if msg.gen != t.gen || !t.on {
		return nil
	}
	t.busy = false
	switch {
	case msg.err != nil:
		t.queue = nil
		why := msg.err.Error()
		if !strings.HasPrefix(why, "travel: ") {
			why = "travel: " + why
		}
		m.setError(why)
		return nil
	case msg.still && msg.pos.N <= m.travelFirst():
		m.setNote("at the first event the history holds")
	case msg.still:
		m.setNote("at the last event the history holds")
	}
	t.cur, t.at, t.store = msg.cur, msg.pos, msg.store
	m.showSnap(msg.snap)
	if len(t.queue) > 0 {
		next := t.queue[0]
		t.queue = t.queue[1:]
		return m.seek(next)
	}
	return nil
}

// travelFirst is the first position the history keeps.
func (m *Model) travelFirst() int64 {
	first, _ := m.c.History.Bounds()
	return first.N
}

// gotoCommand is ":goto TARGET".
func (m *Model) gotoCommand(rest string) (func() tea.Cmd, error) {
	if m.c.History == nil {
		return nil, errNoHistory
	}
	target, err := parseGoto(m.c.History, rest)
	if err != nil {
		return nil, err
	}
	return func() tea.Cmd { return m.seek(target) }, nil
}

// errNoHistory is noHistory as a command's error.
var errNoHistory = travelError(noHistory)

type travelError string

func (e travelError) Error() string { return string(e) }
