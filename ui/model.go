package ui

import (
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/deskwatch/deskwatch/model"
)

// screen names what the body of the window shows.
type screen int

const (
	screenTable screen = iota
	screenDetail
	screenRejected
	screenHelp
	screenAgents
	screenAgentDetail
	screenServices
	screenTimeline
	screenWall
	screens // the number of screens
)

// changedMsg says the store has changed since the last frame (coalesced by the feed's notifier).
type changedMsg struct{}

// ChangedMsg returns the message that tells a viewer the store changed, for a host that delivers
// changes itself (the SSH server, once a frame) and gives New a nil channel.
func ChangedMsg() tea.Msg { return changedMsg{} }

// tickMsg redraws once a second so durations tick and highlights fade.
type tickMsg time.Time

// noteFor is how long a note (a speed change, a pause) stays in the status line.
const noteFor = 3 * time.Second

// Model is the root model: it owns the query (filter, sort, hide ended) and the grouping, routes
// keys to the child in front, and lays the children out. Every viewer (a terminal, an SSH session)
// has its own Model over a shared store.
type Model struct {
	c       *Common
	changes <-chan struct{}

	snap  *model.Snapshot
	query model.Query
	group grouping
	view  viewState

	// body holds the pane each screen shows; screen is the one in front, back where help returns.
	screen, back screen
	body         [screens]pane
	header       *headerView
	table        *tableView
	status       *statusView
	filter       *filterView
	command      *commandView
	help         *helpView
	detail       *detailView
	rejected     *rejectedView
	agents       *agentsView
	agentDetail  *agentDetailView
	services     *servicesView
	// drilled is set while the table shows a service's or an agent's interactions opened from the
	// services or agents view (or an agent's detail): esc goes back there and restores the filter
	// before.
	drilled  *drillReturn
	timeline *timelineView
	// wall is the wallboard; wallBack is the screen Esc (or W) returns to from it.
	wall     *wallView
	wallBack screen

	quitting bool

	// shown is the last screen drawn; dirty says it must be drawn again. A store change marks it
	// dirty only when it changes a line this viewer shows (see stamp); the once-a-second tick
	// redraws the rest.
	shown   string
	dirty   bool
	drawn   []lineID
	renders int
	// down is when the source went down, zero while it is up (stale.go).
	down time.Time
	// bannerLines is the lines the source-down banner takes (bannerHeight).
	bannerLines int
	// travel is the viewer's time travel (travel.go).
	travel travelState
}

// New returns the root model of one viewer. changes delivers a value whenever the store changed; it
// may be nil for a store that never changes (tests).
func New(c *Common, changes <-chan struct{}) *Model {
	m := &Model{c: c, changes: changes,
		header: newHeader(c), table: newTable(c), status: newStatus(c), filter: newFilter(c),
		command: newCommand(c), help: newHelp(c), detail: newDetail(c), rejected: newRejected(c),
		agents: newAgents(c), agentDetail: newAgentDetail(c), services: newServices(c),
		timeline: newTimeline(c), wall: newWall(c), dirty: true}
	m.body = [screens]pane{screenTable: m.table, screenDetail: m.detail, screenRejected: m.rejected,
		screenHelp: m.help, screenAgents: m.agents, screenAgentDetail: m.agentDetail, screenServices: m.services,
		screenTimeline: m.timeline, screenWall: m.wall}
	m.help.SetSections([]helpSection{{"Interactions", m.table}, {"Interaction detail", m.detail},
		{"Agents", m.agents}, {"Agent detail", m.agentDetail}, {"Services", m.services},
		{"State timeline", m.timeline}, {"Wallboard", m.wall}, {"Rejected log", m.rejected},
		{"Time travel", travelHelp{c}}, {"Help", m.help}})
	m.query = model.DefaultQuery(model.Filter{})
	if c.Filter != "" {
		if f, err := model.ParseFilter(c.Filter); err == nil {
			m.query.Filter = f
		} else {
			m.setError("--filter: " + err.Error())
		}
	}
	if c.Wallboard {
		m.screen = screenWall
	}
	m.snap = c.Store.Snapshot()
	m.down = c.downSince()
	m.resize(max(c.Width, 20), max(c.Height, 5))
	m.refresh()
	return m
}

// Init starts listening for store changes and the once-a-second tick.
func (m *Model) Init() tea.Cmd {
	return tea.Batch(waitChange(m.changes), tick())
}

// waitChange waits for the next change notification. It captures the channel, not the model.
func waitChange(ch <-chan struct{}) tea.Cmd {
	if ch == nil {
		return nil
	}
	return func() tea.Msg {
		if _, ok := <-ch; !ok {
			return nil
		}
		return changedMsg{}
	}
}

func tick() tea.Cmd {
	return tea.Tick(tickEvery, func(t time.Time) tea.Msg { return tickMsg(t) })
}

// Update handles one message; when the open alerts grew and the bell is on, it rings it.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	cmd := m.update(msg)
	if m.view.ring {
		m.view.ring = false
		cmd = tea.Batch(cmd, tea.Raw("\a"))
	}
	return m, cmd
}

func (m *Model) update(msg tea.Msg) tea.Cmd {
	if _, ok := msg.(changedMsg); !ok {
		m.dirty = true
	}
	m.checkDown()
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.resize(msg.Width, msg.Height)
		return nil
	case changedMsg:
		if m.travel.on { // the picture stays; the status line's count behind moves on
			m.dirty = true
			return waitChange(m.changes)
		}
		m.snap = m.c.Store.Snapshot()
		m.refresh()
		m.markIfShown()
		return waitChange(m.changes)
	case tickMsg:
		m.refresh()
		return tick()
	case tea.KeyPressMsg:
		// An error stays on the status line until the next key: this one has read it.
		m.status.ClearError()
		if cmd, ok := m.travelKey(msg); ok {
			return cmd
		}
		if why := m.disabledKey(msg); why != "" {
			m.setError(why)
			return nil
		}
		return m.handleKey(m.newFrame(), msg)
	case exportedMsg:
		if msg.err != nil {
			m.status.SetNote("", time.Time{}) // "exporting csv…" is over
			m.setError("export failed: " + msg.err.Error())
		} else {
			m.setNote("exported " + shortPath(msg.path))
		}
		return nil
	case tea.MouseWheelMsg:
		return m.updateFront(m.newFrame(), msg)
	case travelMsg:
		return m.traveled(msg)
	case tea.MouseClickMsg:
		if cmd, ok := m.clickBar(msg); ok {
			return cmd
		}
		msg.Y -= headerHeight + m.bannerHeight() // the pane's first line is under the header
		return m.updateFront(m.newFrame(), msg)
	}
	switch {
	case m.filter.Active():
		return m.updateFilter(m.newFrame(), msg)
	case m.command.Active():
		return m.updateCommand(m.newFrame(), msg)
	}
	return nil
}

// front is the pane in front.
func (m *Model) front() pane { return m.body[m.screen] }

// updateFront passes a message to the pane in front.
func (m *Model) updateFront(f *frame, msg tea.Msg) tea.Cmd {
	p, cmd := m.front().Update(f, msg)
	m.body[m.screen] = p
	return cmd
}

func (m *Model) resize(w, h int) {
	m.c.Width, m.c.Height = w, h
	m.sizeBanner()
	m.header.SetSize(w, headerHeight)
	m.status.SetSize(w, 1)
	m.filter.SetSize(w, 1)
	m.command.SetSize(w, 1)
	for _, p := range m.body {
		p.SetSize(w, max(h-headerHeight-m.bannerHeight()-m.stripHeight()-1, 1))
	}
}

// setNote shows a note on the status line for noteFor on the wall clock.
func (m *Model) setNote(s string) {
	_, wall := m.c.clocks()
	m.status.SetNote(s, wall.Add(noteFor))
}

// setError shows an error on the status line until the next key, however many ticks and store
// changes come first.
func (m *Model) setError(s string) { m.status.SetError(s) }

// disabledKey explains a key this viewer's capabilities turned off (a read-only SSH viewer's export
// and replay keys), which would otherwise do nothing and say nothing. It is "" for any other key,
// and while a prompt takes the keys as text.
func (m *Model) disabledKey(msg tea.KeyPressMsg) string {
	if m.filter.Active() || m.command.Active() {
		return ""
	}
	k := &m.c.Keys
	for _, off := range []struct {
		b    *key.Binding
		what string
	}{{&k.ExportCSV, "export"}, {&k.ExportJSON, "export"}, {&k.Pause, "pause"}, {&k.Faster, "speed"},
		{&k.Slower, "speed"}} {
		if !off.b.Enabled() && slices.Contains(off.b.Keys(), msg.String()) {
			return m.offWhy(off.what)
		}
	}
	return ""
}

// offWhy says why an action the capabilities took away does nothing.
func (m *Model) offWhy(what string) string {
	if m.c.Caps.ReadOnly {
		if what == "export" {
			return "read-only view: export is off (files would be written on the server)"
		}
		return "read-only view: " + what + " is off (the replay is shared with other viewers)"
	}
	return what + " is not available in this session"
}

// View draws the header, the body (table, detail, rejected log or help) and the status line.
func (m *Model) View() tea.View {
	v := tea.NewView(m.Render())
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = "deskwatch"
	return v
}

// Render draws the whole screen as text: exactly Height lines of Width cells. A frame nothing
// on screen changed since is not drawn again.
func (m *Model) Render() string {
	if m.quitting {
		return ""
	}
	if !m.dirty && m.shown != "" {
		return m.shown
	}
	f := m.newFrame()
	m.shown, m.dirty, m.drawn = m.draw(f), false, m.stamp(f)
	m.renders++
	return m.shown
}

// draw draws the header, the pane in front and the status line (or the open prompt) on one frame.
// A prompt whose hint or error is wrapped over several lines is drawn over the bottom of the pane.
func (m *Model) draw(f *frame) string {
	var bottom string
	switch {
	case m.filter.Active():
		bottom = m.filter.View(f)
	case m.command.Active():
		bottom = m.command.View(f)
	default:
		bottom = m.status.View(f)
	}
	body := m.front().View(f)
	if extra := strings.Count(bottom, "\n"); extra > 0 {
		lines := strings.Split(body, "\n")
		keep := max(len(lines)-extra, 1)
		body = strings.Join(lines[:keep], "\n")
		if over := extra - (len(lines) - keep); over > 0 { // a very short terminal: the hint's end
			bottom = strings.Join(strings.Split(bottom, "\n")[over:], "\n")
		}
	}
	var b strings.Builder
	if f.down.IsZero() {
		b.WriteString(m.header.View(f))
	} else {
		b.WriteString(dimLines(m.header.View(f), m.c.Styles.HeaderDim))
		b.WriteByte('\n')
		b.WriteString(m.banner(f))
	}
	b.WriteByte('\n')
	b.WriteString(body)
	b.WriteByte('\n')
	if m.stripHeight() > 0 {
		b.WriteString(m.strip(f))
		b.WriteByte('\n')
	}
	b.WriteString(bottom)
	return b.String()
}
