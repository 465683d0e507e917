package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/deskwatch/deskwatch/model"
)

// commandView is the command prompt opened by ":", as in k9s and vim: ":agents", ":sort dur desc",
// ":group service". Enter runs the command; an unknown or invalid one is explained in place and
// the prompt stays open; Esc closes it.
type commandView struct {
	noKeys
	c      *Common
	input  textinput.Model
	active bool
	err    string
	width  int
	// entered holds the command line when the last Update was Enter, for the root to run.
	entered *string
}

// commandHelp lists the commands, for the prompt's placeholder, its errors and the help screen.
const commandHelp = "agents · services · interactions · timeline · wall · group [agent|service|state|type|none] · " +
	"sort COLUMN [asc|desc] · filter TEXT · export csv|json · goto TIME|+5m|#N|start|end · rejected · help · quit"

func newCommand(c *Common) *commandView {
	return &commandView{c: c, input: newPrompt(c, ":", "")}
}

// SetSize sets the prompt's width (it is one line high).
func (p *commandView) SetSize(width, _ int) {
	p.width = width
	p.input.SetWidth(max(width-4, 1))
}

// Start opens an empty prompt.
func (p *commandView) Start() tea.Cmd {
	p.active, p.err = true, ""
	p.input.SetValue("")
	return p.input.Focus()
}

// Active reports whether the prompt is open.
func (p *commandView) Active() bool { return p.active }

// Close closes the prompt.
func (p *commandView) Close() {
	p.active, p.err = false, ""
	p.input.Blur()
}

// Fail keeps the prompt open with the reason the command did not run.
func (p *commandView) Fail(err error) { p.err = err.Error() }

// Update edits the prompt; after Enter, Entered has the command line.
func (p *commandView) Update(_ *frame, msg tea.Msg) (pane, tea.Cmd) {
	p.entered = nil
	if k, ok := msg.(tea.KeyPressMsg); ok {
		switch k.String() {
		case "enter":
			line := strings.TrimSpace(p.input.Value())
			p.entered = &line
			return p, nil
		case "esc":
			p.Close()
			return p, nil
		}
	}
	// The reason a command failed stays until the next key or paste: a cursor blink or any other
	// message on a busy feed must not take it away before it is read.
	switch msg.(type) {
	case tea.KeyPressMsg, tea.PasteMsg:
		p.err = ""
	}
	var cmd tea.Cmd
	p.input, cmd = p.input.Update(msg)
	cleanInput(&p.input)
	return p, cmd
}

// Entered returns the command line when the last Update was Enter.
func (p *commandView) Entered() (line string, ok bool) {
	if p.entered == nil {
		return "", false
	}
	return *p.entered, true
}

// View draws the prompt line with the commands, or the reason the last command failed.
func (p *commandView) View(*frame) string {
	hint := p.c.Styles.Dim.Render(commandHelp + " · enter run · esc cancel")
	if p.err != "" {
		hint = p.c.Styles.Alert.Render(model.Sanitize(p.err))
	}
	return promptLine(&p.input, hint, p.width)
}

// promptMin is the least room a prompt's input keeps beside its hint.
const promptMin = 20

// promptLine draws a prompt and its hint (or error) in width cells: on one line when the hint fits
// beside an input of promptMin cells, else the hint wrapped on the lines above the input line,
// which is then the input's alone. Nothing of the hint is cut; the root draws the extra lines over
// the bottom of the pane in front.
func promptLine(in *textinput.Model, hint string, cells int) string {
	if room := cells - ansi.StringWidth(hint) - 3; room >= promptMin || hint == "" {
		in.SetWidth(max(room-1, 1))
		return fit(in.View()+"  "+hint, cells)
	}
	in.SetWidth(max(cells-2, 1))
	var out []string
	for _, l := range wrapLines(hint, cells) {
		out = append(out, fit(l, cells))
	}
	return strings.Join(append(out, fit(in.View(), cells)), "\n")
}

// updateCommand passes a message to the open prompt and runs the command entered.
func (m *Model) updateCommand(f *frame, msg tea.Msg) tea.Cmd {
	_, cmd := m.command.Update(f, msg)
	line, entered := m.command.Entered()
	if !entered {
		return cmd
	}
	if line == "" {
		m.command.Close()
		return nil
	}
	run, err := m.parseCommand(line)
	if err != nil {
		m.command.Fail(err)
		return nil
	}
	m.command.Close()
	return run()
}

// parseCommand reads a command line and returns what running it does.
func (m *Model) parseCommand(line string) (func() tea.Cmd, error) {
	name, rest, _ := strings.Cut(line, " ")
	rest = strings.TrimSpace(rest)
	args := strings.Fields(rest)
	done := func(f func()) func() tea.Cmd { return func() tea.Cmd { f(); return nil } }
	switch strings.ToLower(name) {
	case "agents", "agent", "ag", "a":
		return done(func() { m.screen = screenAgents }), nil
	case "services", "service", "svc":
		return done(func() { m.screen = screenServices }), nil
	case "interactions", "interaction", "int", "i", "table":
		return done(func() { m.screen = screenTable }), nil
	case "timeline", "tl":
		return done(func() { m.screen = screenTimeline }), nil
	case "wall", "wallboard":
		return done(m.openWall), nil
	case "rejected", "rej":
		return done(func() { m.screen = screenRejected }), nil
	case "help", "h":
		return done(func() {
			if m.screen != screenHelp {
				m.toggleHelp()
			}
		}), nil
	case "quit", "q", "q!":
		return func() tea.Cmd { m.quitting = true; return tea.Quit }, nil
	case "group", "g":
		return m.groupCommand(args)
	case "sort":
		if m.screen == screenServices {
			return m.servicesSortCommand(args)
		}
		return m.sortCommand(args)
	case "filter", "f":
		f, err := model.ParseFilter(rest)
		if err != nil {
			return nil, fmt.Errorf("filter: %w", err)
		}
		return done(func() { m.query.Filter = f; m.screen = screenTable; m.refresh() }), nil
	case "goto", "go":
		return m.gotoCommand(rest)
	case "export", "x":
		if len(args) != 1 || (args[0] != "csv" && args[0] != "json") {
			return nil, fmt.Errorf("export csv or export json")
		}
		return func() tea.Cmd { return m.exportShown(args[0]) }, nil
	}
	return nil, fmt.Errorf("unknown command %q — %s", name, commandHelp)
}

func (m *Model) groupCommand(args []string) (func() tea.Cmd, error) {
	by := m.group.by.Next()
	if len(args) > 0 {
		var ok bool
		if by, ok = model.ParseGroupBy(args[0]); !ok {
			return nil, fmt.Errorf("group by agent, service, state, type or none, not %q", args[0])
		}
	}
	return func() tea.Cmd { m.screen = screenTable; m.setGroup(by); return nil }, nil
}

func (m *Model) sortCommand(args []string) (func() tea.Cmd, error) {
	if len(args) == 0 || len(args) > 2 {
		return nil, fmt.Errorf("sort COLUMN [asc|desc], e.g. sort dur desc")
	}
	k, ok := m.table.sortFor(args[0])
	if !ok {
		return nil, fmt.Errorf("no column %q to sort by (%s)", args[0], strings.Join(model.SortKeyNames(), ", "))
	}
	desc, err := sortDirection(args, m.query.Desc)
	if err != nil {
		return nil, err
	}
	return func() tea.Cmd { m.screen = screenTable; m.setSort(k, desc); return nil }, nil
}

// sortDirection reads the direction of ":sort COLUMN [asc|desc]": desc as the caller has it when none
// is given.
func sortDirection(args []string, desc bool) (bool, error) {
	if len(args) < 2 {
		return desc, nil
	}
	switch strings.ToLower(args[1]) {
	case "asc", "up":
		return false, nil
	case "desc", "down":
		return true, nil
	}
	return desc, fmt.Errorf("sort direction is asc or desc, not %q", args[1])
}
