package ui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/deskwatch/deskwatch/feed"
	"github.com/deskwatch/deskwatch/model"
)

// handleKey routes a key: ctrl+c quits, whatever is open; an open prompt (filter or command) takes
// every other key; then the keys that work everywhere; then the intents of the screen in front;
// then the pane in front.
func (m *Model) handleKey(f *frame, msg tea.KeyPressMsg) tea.Cmd {
	switch {
	case msg.String() == "ctrl+c":
		m.quitting = true
		return tea.Quit
	case m.filter.Active():
		return m.updateFilter(f, msg)
	case m.command.Active():
		return m.updateCommand(f, msg)
	}
	k := m.c.Keys
	switch {
	case key.Matches(msg, k.Quit):
		m.quitting = true
		return tea.Quit
	case key.Matches(msg, k.Help):
		m.toggleHelp()
		return nil
	case key.Matches(msg, k.Back):
		m.goBack()
		return nil
	case key.Matches(msg, k.Command):
		return m.command.Start()
	case key.Matches(msg, k.Pause), key.Matches(msg, k.Faster), key.Matches(msg, k.Slower):
		m.control(msg)
		return nil
	case key.Matches(msg, k.Retry):
		m.retry()
		return nil
	case key.Matches(msg, k.Agents):
		m.cycleScreen()
		return nil
	case key.Matches(msg, k.Rejected):
		m.toggleScreen(screenRejected)
		return nil
	case key.Matches(msg, k.Timeline):
		m.toggleScreen(screenTimeline)
		return nil
	case key.Matches(msg, k.Wall):
		m.toggleWall()
		return nil
	}
	if cmd, ok := m.screenKey(f, msg); ok {
		return cmd
	}
	return m.updateFront(f, msg)
}

// retry starts a live source's next attempt to connect now, or says why it does not.
func (m *Model) retry() {
	switch {
	case m.c.Caps.ReadOnly:
		m.setError("read-only view: reconnecting is the server's")
	case m.c.Retry == nil:
		m.setNote(keyName(m.c.Keys.Retry) + " reconnects a live source that is down")
	case m.c.Retry.RetryNow():
		m.setNote("reconnecting now")
	default:
		m.setNote("the source is not waiting to reconnect")
	}
}

// screenKey handles the keys that are intents on the screen in front (open, filter, sort, group,
// export…), reporting whether the key was one; the rest move the pane's cursor.
func (m *Model) screenKey(f *frame, msg tea.KeyPressMsg) (tea.Cmd, bool) {
	switch m.screen {
	case screenTable:
		return m.tableKey(msg)
	case screenAgents:
		return m.agentsKey(f, msg)
	case screenAgentDetail:
		return nil, m.agentKey(msg, m.agentDetail.ID(), true)
	case screenServices:
		return m.servicesKey(f, msg)
	case screenTimeline, screenWall, screenRejected:
		if key.Matches(msg, m.c.Keys.ExportCSV) || key.Matches(msg, m.c.Keys.ExportJSON) {
			m.setNote(msg.String() + ": exports the interactions table, the agents or the services view " +
				"(" + keyName(m.c.Keys.Back) + ", then " + keyName(m.c.Keys.Agents) + "), not this screen")
			return nil, true
		}
	}
	return nil, false
}

// toggleScreen puts s in front, or goes back to the table when s is in front already.
func (m *Model) toggleScreen(s screen) {
	if m.screen == s {
		m.screen = screenTable
	} else {
		m.screen = s
	}
}

func (m *Model) toggleHelp() {
	if m.screen == screenHelp {
		m.screen = m.back
		return
	}
	m.back, m.screen = m.screen, screenHelp
	m.help.Top()
}

// tableKey handles the intents of the interactions table.
func (m *Model) tableKey(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	k := m.c.Keys
	switch {
	case key.Matches(msg, k.Open):
		m.open()
	case key.Matches(msg, k.Follow):
		m.follow()
	case key.Matches(msg, k.Filter):
		return m.filter.Start(m.query.Filter.String()), true
	case key.Matches(msg, k.Sort), key.Matches(msg, k.SortPrev):
		m.setSort(m.table.nextSort(m.query.Sort, len(m.snap.Agents) > 0, key.Matches(msg, k.Sort)), m.query.Desc)
	case key.Matches(msg, k.SortDir):
		m.setSort(m.query.Sort, !m.query.Desc)
	case key.Matches(msg, k.Group):
		m.setGroup(m.group.by.Next())
	case key.Matches(msg, k.Fold):
		m.fold()
	case key.Matches(msg, k.FoldAll):
		m.foldAll()
	case key.Matches(msg, k.NextAlert), key.Matches(msg, k.PrevAlert):
		m.jumpToAlert(key.Matches(msg, k.NextAlert))
	case key.Matches(msg, k.ExportCSV):
		return m.export("csv"), true
	case key.Matches(msg, k.ExportJSON):
		return m.export("json"), true
	case key.Matches(msg, k.HideEnded):
		m.query.HideEnded = !m.query.HideEnded
		if m.query.HideEnded {
			m.setNote("ended interactions hidden")
		} else {
			m.setNote("ended interactions shown")
		}
		m.refresh()
	default:
		if where := elsewhere(k, msg); where != "" {
			m.setNote(where) // a key of another view says where it works, rather than nothing
			return nil, true
		}
		return nil, false
	}
	return nil, true
}

// elsewhere says where a key of another view works, or "" when msg is none of those.
func elsewhere(k KeyMap, msg tea.KeyPressMsg) string {
	switch {
	case key.Matches(msg, k.Window):
		return msg.String() + ": the figures' window, in the agents and services views (" + keyName(k.Agents) + ")"
	case key.Matches(msg, k.Describe):
		return msg.String() + ": an agent's detail, in the agents view (" + keyName(k.Agents) + ")"
	case key.Matches(msg, k.ZoomIn), key.Matches(msg, k.ZoomOut):
		return msg.String() + ": zooms the agent state timeline (" + keyName(k.Timeline) + ")"
	}
	return ""
}

// open shows the selected interaction's detail, or folds the group whose heading is selected.
func (m *Model) open() {
	if r := m.table.Selected(); r != nil {
		m.detail.Show(r.Key)
		m.screen = screenDetail
		return
	}
	if h := m.table.SelectedHead(); h != nil {
		m.fold()
	}
}

// follow pins the selected interaction, so the cursor stays on it when it ends, or unpins it;
// unpinned, the cursor goes on to the next open interaction when its own ends.
func (m *Model) follow() {
	switch r := m.table.togglePin(); {
	case r != nil && !r.Open():
		m.setNote("following " + model.Sanitize(r.Data.ID) + " (ended) — f again to stop")
	case r != nil:
		m.setNote("following " + model.Sanitize(r.Data.ID) + " when it ends — f again to stop")
	case m.table.Selected() == nil:
		m.setNote("select an interaction to follow")
	default:
		m.setNote("not following: the cursor moves on to the next open interaction when this one ends")
	}
}

// setSort sorts by key in the given direction and says so.
func (m *Model) setSort(k model.SortKey, desc bool) {
	m.query.Sort, m.query.Desc = k, desc
	m.setNote("sort by " + k.String() + ", " + direction(desc))
	m.refresh()
}

// direction names a sort's direction.
func direction(desc bool) string {
	if desc {
		return "descending"
	}
	return "ascending"
}

// setGroup groups the table by another field and says so.
func (m *Model) setGroup(by model.GroupBy) {
	m.group.setBy(by)
	if by == model.GroupNone {
		m.setNote("not grouped")
	} else {
		m.setNote("grouped by " + by.String() + " — " + keyName(m.c.Keys.Fold) + " folds a group, " +
			keyName(m.c.Keys.FoldAll) + " all")
	}
	m.refresh()
}

// fold folds or unfolds the group under the cursor and leaves the cursor on its heading.
func (m *Model) fold() {
	h := m.table.SelectedHead()
	if h == nil {
		m.setNote("rows are not grouped — b groups them")
		return
	}
	m.group.toggle(h.key)
	m.refresh()
	m.table.Select(tableItem{head: h}.key())
}

// foldAll folds every group, or unfolds them all when all are folded.
func (m *Model) foldAll() {
	if len(m.view.heads) == 0 {
		m.setNote("rows are not grouped — b groups them")
		return
	}
	fold := false
	for _, h := range m.view.heads {
		fold = fold || !h.folded
	}
	m.group.setAll(m.view.heads, fold)
	m.refresh()
}

// export writes the view as shown (filtered, sorted, grouped) to a file.
func (m *Model) export(format string) tea.Cmd {
	if !m.c.Caps.CanExport {
		m.setError(m.offWhy("export"))
		return nil
	}
	m.setNote("exporting " + format + "…")
	_, wall := m.c.clocks()
	now := m.now() // a viewer traveling exports the moment it shows
	return exportRows(m.view.ordered, format, m.c.ExportDir, now, wall)
}

// goBack closes the screen in front: help returns where it was opened, others to the table.
func (m *Model) goBack() {
	switch m.screen {
	case screenHelp:
		m.screen = m.back
	case screenAgentDetail:
		m.screen = screenAgents
	case screenTable:
		m.backFromDrill()
	case screenWall:
		m.screen = m.wallBack
	default:
		m.screen = screenTable
	}
}

// sourceOver reports whether the source has ended for good (a replay done, stopped or failed).
func sourceOver(st feed.State) bool {
	return st == feed.StateDone || st == feed.StateStopped || st == feed.StateFailed
}

// control pauses, resumes or changes the speed of a replay.
func (m *Model) control(msg tea.KeyPressMsg) {
	if !m.c.Caps.CanControlReplay || m.c.Control == nil {
		switch {
		case key.Matches(msg, m.c.Keys.Pause) && m.c.History == nil && !m.isReplay():
			m.setNote("nothing to freeze: this monitor keeps no history (--history 0)")
		default:
			m.setNote("pause and speed apply to file replays only")
		}
		return
	}
	k := m.c.Keys
	if sourceOver(m.c.Status().State) {
		m.setNote("the replay is over: nothing to pause or speed up")
		return
	}
	switch {
	case key.Matches(msg, k.Pause):
		m.c.Control.TogglePause()
		if m.c.Status().Paused {
			m.setNote("paused — " + keyName(m.c.Keys.Pause) + " to resume")
		} else {
			m.setNote("resumed")
		}
	default:
		speed := nextSpeed(m.c.Status().Speed, key.Matches(msg, k.Faster))
		m.c.Control.SetSpeed(speed)
		m.setNote("speed " + speedText(speed))
	}
}

// updateFilter passes a message to the open filter prompt; the table follows valid text as typed.
func (m *Model) updateFilter(fr *frame, msg tea.Msg) tea.Cmd {
	_, cmd := m.filter.Update(fr, msg)
	f, ok, res := m.filter.Result()
	switch m.screen {
	case screenServices:
		m.filterServices(res)
		return cmd
	case screenAgents:
		m.filterAgents(res)
		return cmd
	}
	if ok {
		m.query.Filter = f
		m.refresh()
	}
	if res == filterApplied && !f.Empty() {
		m.setNote("filter " + f.String())
	}
	return cmd
}

// agentsKey handles the intents of the agents view: Enter shows the selected agent's interactions,
// d their detail, x and X export its figures.
func (m *Model) agentsKey(f *frame, msg tea.KeyPressMsg) (tea.Cmd, bool) {
	a := m.agents.Selected(f)
	if key.Matches(msg, m.c.Keys.Describe) {
		if a != nil {
			m.agentDetail.Show(a.ID)
			m.screen = screenAgentDetail
		}
		return nil, true
	}
	switch {
	case key.Matches(msg, m.c.Keys.ExportCSV):
		return m.exportAgents("csv"), true
	case key.Matches(msg, m.c.Keys.ExportJSON):
		return m.exportAgents("json"), true
	case key.Matches(msg, m.c.Keys.Filter):
		return m.filter.StartPlain(m.agents.filter, "agent id or name (any part, any case)"), true
	case key.Matches(msg, m.c.Keys.Sort), key.Matches(msg, m.c.Keys.SortPrev):
		m.agents.nextSort(key.Matches(msg, m.c.Keys.Sort))
		m.agents.cur = cursor{}
		m.setNote("agents " + m.agents.sortText())
		return nil, true
	case key.Matches(msg, m.c.Keys.SortDir):
		m.agents.desc = !m.agents.desc
		m.setNote("agents " + m.agents.sortText())
		return nil, true
	}
	var id string
	if a != nil {
		id = a.ID
	}
	return nil, m.agentKey(msg, id, id != "") // keys are bound to one action each: the order is free
}

// agentKey handles the keys the agents view and an agent's detail share, reporting whether msg
// was one: Enter shows agent id's interactions (when open is true), n and N jump to an alert.
func (m *Model) agentKey(msg tea.KeyPressMsg, id string, open bool) bool {
	switch {
	case key.Matches(msg, m.c.Keys.Open):
		if open {
			m.showAgentInteractions(id)
		}
	case key.Matches(msg, m.c.Keys.NextAlert), key.Matches(msg, m.c.Keys.PrevAlert):
		m.jumpToAlert(key.Matches(msg, m.c.Keys.NextAlert))
	case key.Matches(msg, m.c.Keys.Window):
		m.switchWindow()
	default:
		return false
	}
	return true
}

// showAgentInteractions shows the interactions table filtered to one agent; esc comes back.
func (m *Model) showAgentInteractions(id string) {
	back := map[screen]string{screenAgents: "the agents", screenAgentDetail: "the agent"}[m.screen]
	m.drill("agent", id, model.Sanitize(id), back)
}
