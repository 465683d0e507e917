package ui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/deskwatch/deskwatch/model"
)

// handleKey routes a key: the filter prompt takes every key while it is open; then the keys that
// work everywhere; then the child in front.
func (m *Model) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	if m.filter.Active() {
		return m.updateFilter(msg)
	}
	k := m.c.Keys
	if msg.String() == "ctrl+c" {
		m.quitting = true
		return tea.Quit
	}
	switch {
	case key.Matches(msg, k.Quit):
		m.quitting = true
		return tea.Quit
	case key.Matches(msg, k.Help):
		if m.screen == screenHelp {
			m.screen = m.back
		} else {
			m.back, m.screen = m.screen, screenHelp
		}
		return nil
	case key.Matches(msg, k.Back):
		m.goBack()
		return nil
	case key.Matches(msg, k.Pause), key.Matches(msg, k.Faster), key.Matches(msg, k.Slower):
		m.control(msg)
		return nil
	case key.Matches(msg, k.Agents):
		if m.screen == screenAgents {
			m.screen = screenTable
		} else {
			m.screen = screenAgents
		}
		return nil
	case key.Matches(msg, k.Rejected):
		if m.screen == screenRejected {
			m.screen = screenTable
		} else {
			m.screen = screenRejected
		}
		return nil
	}
	switch m.screen {
	case screenDetail:
		return m.detail.Update(msg)
	case screenRejected:
		return m.rejected.Update(msg)
	case screenHelp:
		return nil
	case screenAgents:
		return m.agentsKey(msg)
	}
	return m.tableKey(msg)
}

// tableKey handles the keys of the interactions table.
func (m *Model) tableKey(msg tea.KeyPressMsg) tea.Cmd {
	k := m.c.Keys
	wall := m.c.Wall()
	switch {
	case key.Matches(msg, k.Open):
		if r := m.table.Selected(); r != nil {
			m.detail.Show(r.Key)
			m.screen = screenDetail
		}
	case key.Matches(msg, k.Filter):
		return m.filter.Start(m.query.Filter.String())
	case key.Matches(msg, k.Sort):
		m.query.Sort = m.query.Sort.Next()
		m.setNote("sort by "+m.query.Sort.String(), wall)
		m.refresh()
	case key.Matches(msg, k.SortDir):
		m.query.Desc = !m.query.Desc
		dir := "ascending"
		if m.query.Desc {
			dir = "descending"
		}
		m.setNote("sort "+dir, wall)
		m.refresh()
	case key.Matches(msg, k.ExportCSV), key.Matches(msg, k.ExportJSON):
		format := "csv"
		if key.Matches(msg, k.ExportJSON) {
			format = "json"
		}
		m.setNote("exporting "+format+"…", wall)
		return exportRows(m.rows, format, m.c.ExportDir, m.now(), wall)
	case key.Matches(msg, k.HideEnded):
		m.query.HideEnded = !m.query.HideEnded
		if m.query.HideEnded {
			m.setNote("ended interactions hidden", wall)
		} else {
			m.setNote("ended interactions shown", wall)
		}
		m.refresh()
	default:
		return m.table.Update(msg)
	}
	return nil
}

// goBack closes the screen in front: help returns where it was opened, others to the table.
func (m *Model) goBack() {
	switch m.screen {
	case screenHelp:
		m.screen = m.back
	default:
		m.screen = screenTable
	}
}

// control pauses, resumes or changes the speed of a replay.
func (m *Model) control(msg tea.KeyPressMsg) {
	wall := m.c.Wall()
	if m.c.Control == nil {
		m.setNote("pause and speed apply to file replays only", wall)
		return
	}
	k := m.c.Keys
	switch {
	case key.Matches(msg, k.Pause):
		m.c.Control.TogglePause()
		if m.c.Status().Paused {
			m.setNote("paused — space to resume", wall)
		} else {
			m.setNote("resumed", wall)
		}
	default:
		speed := nextSpeed(m.c.Status().Speed, key.Matches(msg, k.Faster))
		m.c.Control.SetSpeed(speed)
		m.setNote("speed "+speedText(speed), wall)
	}
}

// updateFilter passes a message to the open filter prompt; the table follows valid text as typed.
func (m *Model) updateFilter(msg tea.Msg) tea.Cmd {
	f, ok, res, cmd := m.filter.Update(msg)
	if ok {
		m.query.Filter = f
		m.refresh()
	}
	if res == filterApplied && !f.Empty() {
		m.setNote("filter "+f.String(), m.c.Wall())
	}
	return cmd
}

// handleMouse scrolls with the wheel and selects the clicked row.
func (m *Model) handleMouse(msg tea.Msg) tea.Cmd {
	switch m.screen {
	case screenDetail:
		return m.detail.Update(msg)
	case screenRejected:
		return m.rejected.Update(msg)
	case screenHelp:
		return nil
	case screenAgents:
		if c, ok := msg.(tea.MouseClickMsg); ok {
			c.Y -= headerHeight
			msg = c
		}
		return m.agents.Update(msg, len(m.snap.Agents))
	}
	if c, ok := msg.(tea.MouseClickMsg); ok {
		c.Y -= headerHeight
		msg = c
	}
	return m.table.Update(msg)
}

// agentsKey handles the agents view: Enter shows the selected agent's interactions.
func (m *Model) agentsKey(msg tea.KeyPressMsg) tea.Cmd {
	if key.Matches(msg, m.c.Keys.Open) {
		if a := m.agents.Selected(m.snap); a != nil && a.ID != "" {
			if f, err := model.ParseFilter(agentFilter(a.ID)); err == nil {
				m.query.Filter = f
				m.refresh()
			}
			m.screen = screenTable
			m.setNote("interactions of "+model.Sanitize(a.ID)+" — / to change the filter", m.c.Wall())
		}
		return nil
	}
	return m.agents.Update(msg, len(m.snap.Agents))
}
