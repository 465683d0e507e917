package ui

import (
	"strings"
	"time"

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
)

// changedMsg says the store has changed since the last frame (coalesced by the feed's notifier).
type changedMsg struct{}

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

	screen, back screen
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

	note      string
	noteUntil time.Time
	quitting  bool

	// frame is the last screen drawn; dirty says it must be drawn again. A store change marks it
	// dirty only when it changes a line this viewer shows (see stamp); the once-a-second tick
	// redraws the rest.
	frame   string
	dirty   bool
	drawn   []lineID
	renders int
}

// New returns the root model of one viewer. changes delivers a value whenever the store changed; it
// may be nil for a store that never changes (tests).
func New(c *Common, changes <-chan struct{}) *Model {
	m := &Model{c: c, changes: changes,
		header: newHeader(c), table: newTable(c), status: newStatus(c), filter: newFilter(c),
		command: newCommand(c), help: newHelp(c), detail: newDetail(c), rejected: newRejected(c),
		agents: newAgents(c), agentDetail: newAgentDetail(c), dirty: true}
	m.query.Sort, m.query.OpenFirst = model.SortStarted, true
	if c.Filter != "" {
		if f, err := model.ParseFilter(c.Filter); err == nil {
			m.query.Filter = f
		} else {
			m.setNote("filter: "+err.Error(), c.Wall())
		}
	}
	m.snap = c.Store.Snapshot()
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
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.resize(msg.Width, msg.Height)
		return nil
	case changedMsg:
		m.snap = m.c.Store.Snapshot()
		m.refresh()
		m.markIfShown()
		return waitChange(m.changes)
	case tickMsg:
		m.refresh()
		return tick()
	case tea.KeyPressMsg:
		return m.handleKey(msg)
	case exportedMsg:
		if msg.err != nil {
			m.setNote("export failed: "+msg.err.Error(), m.c.Wall())
		} else {
			m.setNote("exported "+msg.path, m.c.Wall())
		}
		return nil
	case tea.MouseWheelMsg:
		return m.handleMouse(msg)
	case tea.MouseClickMsg:
		return m.handleMouse(msg)
	}
	switch {
	case m.filter.Active():
		return m.updateFilter(msg)
	case m.command.Active():
		return m.updateCommand(msg)
	}
	return nil
}

func (m *Model) now() time.Time { return m.c.now() }

func (m *Model) resize(w, h int) {
	m.c.Width, m.c.Height = w, h
	body := max(h-headerHeight-1, 1)
	m.header.SetSize(w)
	m.table.SetSize(w, body)
	m.status.SetSize(w)
	m.filter.SetSize(w)
	m.command.SetSize(w)
	m.help.SetSize(w, body)
	m.detail.SetSize(w, body)
	m.rejected.SetSize(w, body)
	m.agents.SetSize(w, body)
	m.agentDetail.SetSize(w, body)
}

func (m *Model) setNote(s string, wall time.Time) {
	m.note, m.noteUntil = s, wall.Add(noteFor)
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
	if !m.dirty && m.frame != "" {
		return m.frame
	}
	m.frame, m.dirty, m.drawn = m.draw(), false, m.stamp()
	m.renders++
	return m.frame
}

func (m *Model) draw() string {
	now, wall := m.now(), m.c.Wall()
	var b strings.Builder
	b.WriteString(m.header.View(m.snap, &m.view, now))
	b.WriteByte('\n')
	switch m.screen {
	case screenDetail:
		b.WriteString(m.detail.View(now))
	case screenRejected:
		b.WriteString(m.rejected.View(m.snap))
	case screenHelp:
		b.WriteString(m.help.View())
	case screenAgents:
		b.WriteString(m.agents.View(m.snap, &m.view, now))
	case screenAgentDetail:
		b.WriteString(m.agentDetail.View(m.snap, &m.view, now))
	default:
		b.WriteString(m.table.View(m.query, now, wall, len(m.snap.Agents) > 0, m.emptyText()))
	}
	b.WriteByte('\n')
	switch {
	case m.filter.Active():
		b.WriteString(m.filter.View())
	case m.command.Active():
		b.WriteString(m.command.View())
	default:
		note := ""
		if wall.Before(m.noteUntil) {
			note = m.note
		}
		b.WriteString(m.status.View(m.snap, m.query, len(m.view.rows), note))
	}
	return b.String()
}

// emptyText explains an empty table.
func (m *Model) emptyText() string {
	switch {
	case len(m.snap.Rows) == 0:
		return "  no interactions yet — waiting for events"
	case !m.query.Filter.Empty():
		return "  no interaction matches the filter " + m.query.Filter.String() + " — / to change it"
	default:
		return "  every interaction has ended — e to show ended ones"
	}
}
