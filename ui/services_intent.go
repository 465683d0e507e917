package ui

import (
	"fmt"
	"io"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/deskwatch/deskwatch/export"
	"github.com/deskwatch/deskwatch/model"
)

// drillReturn is where esc in the table goes after Enter on a service or an agent: back to the view
// it was pressed in, with the filter in force before.
type drillReturn struct {
	before model.Filter
	screen screen
}

// cycleScreen is Tab: interactions → agents → services → interactions; from any other screen, the
// agents.
func (m *Model) cycleScreen() {
	m.drilled = nil // esc in the table no longer goes back to a view left by Tab
	switch m.screen {
	case screenAgents:
		m.screen = screenServices
	case screenServices:
		m.screen = screenTable
	default:
		m.screen = screenAgents
	}
}

// servicesKey handles the intents of the services view: Enter shows the service's interactions,
// / filters the services by name, s > < S sort, x X export, w switches the window.
func (m *Model) servicesKey(f *frame, msg tea.KeyPressMsg) (tea.Cmd, bool) {
	k, s := m.c.Keys, m.services
	switch {
	case key.Matches(msg, k.Open):
		if name, ok := s.Selected(f); ok {
			m.showServiceInteractions(name)
		}
	case key.Matches(msg, k.Filter):
		return m.filter.StartPlain(s.filter, "service name (any part, any case)"), true
	case key.Matches(msg, k.Sort), key.Matches(msg, k.SortPrev):
		s.nextSort(key.Matches(msg, k.Sort))
		m.noteServicesSort()
	case key.Matches(msg, k.SortDir):
		s.desc = !s.desc
		m.noteServicesSort()
	case key.Matches(msg, k.ExportCSV):
		return m.exportServices("csv"), true
	case key.Matches(msg, k.ExportJSON):
		return m.exportServices("json"), true
	case key.Matches(msg, k.Window):
		m.switchWindow()
	case key.Matches(msg, k.NextAlert), key.Matches(msg, k.PrevAlert):
		m.jumpToAlert(key.Matches(msg, k.NextAlert))
	default:
		return nil, false
	}
	return nil, true
}

func (m *Model) noteServicesSort() {
	m.setNote("services sorted by " + m.services.sortTitle() + ", " + direction(m.services.desc))
}

// showServiceInteractions shows the interactions table filtered to one service; esc comes back.
func (m *Model) showServiceInteractions(name string) {
	m.drill("service", name, "service "+model.Sanitize(name), "the services")
}

// drill shows the interactions table filtered to field:value (what names them, back where esc
// goes), from the screen in front, to which esc returns with the filter before (backFromDrill).
func (m *Model) drill(field, value, what, back string) {
	f, err := model.ParseFilter(model.FilterTerm(field, value))
	if err != nil {
		m.setError("cannot filter on " + field + " " + model.Sanitize(value) + ": " + err.Error())
		return
	}
	m.drilled = &drillReturn{before: m.query.Filter, screen: m.screen}
	m.query.Filter = f
	m.refresh()
	m.screen = screenTable
	// The way back first: a narrow line cuts the filter, which the status line shows after the note.
	m.setNote("interactions of " + what + " — " + keyName(m.c.Keys.Back) + " back to " + back +
		" (filter " + f.String() + ")")
}

// backFromDrill is esc in the table: back to the services or agents view, with the filter before,
// when the table was opened on a service or an agent from there.
func (m *Model) backFromDrill() {
	r := m.drilled
	if r == nil {
		return
	}
	m.drilled = nil
	m.query.Filter = r.before
	m.refresh()
	m.screen = r.screen
	m.setNote("") // the note said how to come back
}

// filterServices follows the filter prompt in the services view: the view keeps the services whose
// name holds the text as typed; esc restores the filter before.
func (m *Model) filterServices(res filterResult) {
	m.nameFilter(res, &m.services.filter, &m.services.cur, "services named")
}

// nameFilter sets *filter from the prompt (its text as typed; the filter before when cancelled) and
// puts the view's cursor back at its top; an applied filter is noted as what then *text*.
func (m *Model) nameFilter(res filterResult, filter *string, cur *cursor, what string) {
	text := m.filter.Text()
	if res == filterCancelled {
		text = m.filter.Before()
	}
	*filter, *cur = strings.TrimSpace(text), cursor{}
	if res == filterApplied && *filter != "" {
		m.setNote(what + " *" + model.Sanitize(*filter) + "*")
	}
}

// filterAgents follows the filter prompt in the agents view: the view keeps the agents whose id or
// name holds the text as typed; esc restores the filter before.
func (m *Model) filterAgents(res filterResult) {
	m.nameFilter(res, &m.agents.filter, &m.agents.cur, "agents whose id or name holds")
}

// switchWindow is w: the floor's figures over the rolling window or since the start.
func (m *Model) switchWindow() {
	m.view.floorWindow = nextWindow(m.view.floorWindow)
	m.setNote("figures " + windowText(m.newFrame()))
}

// servicesSortCommand is ":sort NAME [asc|desc]" in the services view.
func (m *Model) servicesSortCommand(args []string) (func() tea.Cmd, error) {
	if len(args) == 0 || len(args) > 2 {
		return nil, fmt.Errorf("sort COLUMN [asc|desc], e.g. sort waiting desc")
	}
	if _, ok := export.FigureColumnFor(export.ServiceColumns, args[0]); !ok {
		return nil, fmt.Errorf("no column %q to sort the services by (%s)", args[0],
			strings.Join(export.FigureColumnNames(export.ServiceColumns), ", "))
	}
	desc, err := sortDirection(args, m.services.desc)
	if err != nil {
		return nil, err
	}
	return func() tea.Cmd {
		m.services.setSort(args[0])
		m.services.desc = desc
		m.noteServicesSort()
		return nil
	}, nil
}

// exportServices writes the services view as shown (filtered, sorted) to a new file.
func (m *Model) exportServices(format string) tea.Cmd {
	rows, _ := m.services.rows(m.newFrame())
	return m.exportFigures("services", format, func(w io.Writer) error {
		return export.WriteFigures(w, format, export.ServiceColumns, rows, nil)
	})
}

// exportShown writes the view in front as x and X do there: the services' or the agents' figures,
// else the interactions.
func (m *Model) exportShown(format string) tea.Cmd {
	switch m.screen {
	case screenServices:
		return m.exportServices(format)
	case screenAgents:
		return m.exportAgents(format)
	}
	return m.export(format)
}

// exportAgents writes the agents view's figures, in its order, to a file.
func (m *Model) exportAgents(format string) tea.Cmd {
	f := m.newFrame()
	figs := f.figures()
	agents := m.agents.shown(f) // the view's: its filter's, in its order
	rows := make([]model.AgentFigures, 0, len(agents))
	for _, ag := range agents {
		if af, ok := figs.Agent(ag.ID); ok {
			rows = append(rows, af)
		}
	}
	return m.exportFigures("agents", format, func(w io.Writer) error {
		return export.WriteFigures(w, format, export.AgentColumns, rows, nil)
	})
}

// exportFigures writes a figures view (what names it) to a file with write.
func (m *Model) exportFigures(what, format string, write func(io.Writer) error) tea.Cmd {
	if !m.c.Caps.CanExport {
		m.setError(m.offWhy("export"))
		return nil
	}
	m.setNote("exporting " + what + " " + format + "…")
	_, wall := m.c.clocks()
	name := fmt.Sprintf("deskwatch-%s-%s.%s", what, wall.Format("20060102-150405"), format)
	return exportFile(m.c.ExportDir, name, write)
}
