package ui

import (
	"time"

	"charm.land/bubbles/v2/help"
	tea "charm.land/bubbletea/v2"

	"github.com/deskwatch/deskwatch/model"
)

// frame is what the root hands every pane on one Update or View: one store snapshot, the viewer's
// query and what it derived from that snapshot, and one reading of each clock. Panes read the store
// only through it, so nothing drawn on one frame mixes two store versions or two instants.
type frame struct {
	snap  *model.Snapshot
	query model.Query
	view  *viewState
	// now is the source's clock (durations, the zone times are shown in); wall is the wall clock
	// (highlights, notes).
	now, wall time.Time
	// down is when the source went down (Common.clocks stopped now there), zero while it is up.
	down time.Time
	// travel describes the viewer's time travel (ui/travel.go), nil while it shows the latest
	// state; now is then the event time of the position shown.
	travel *travelInfo
	// over: the source has ended (a replay done, stopped or failed): nothing more will come.
	over bool
	// keys are the viewer's key bindings, for the hints that name a key (keyName).
	keys *KeyMap
}

// newFrame reads the clocks once and hands out the snapshot the root holds.
func (m *Model) newFrame() *frame {
	now, wall := m.c.clocks()
	return &frame{snap: m.snap, query: m.query, view: &m.view, now: m.travelNow(now), wall: wall, down: m.down,
		travel: m.travelFrame(), over: m.c.Status != nil && sourceOver(m.c.Status().State), keys: &m.c.Keys}
}

// pane is the shape of every child of the root, as soft-serve's common.Component: Update returns
// the pane and a command, View draws exactly the size set, and the pane lists its own keys for help.
// The root handles the keys that work everywhere and the intents that change the query; the pane in
// front gets the rest.
type pane interface {
	help.KeyMap
	// SetSize sets the area the pane draws in.
	SetSize(width, height int)
	// Update handles a message the root passes on, on the frame of this update.
	Update(f *frame, msg tea.Msg) (pane, tea.Cmd)
	// View draws the pane on the frame, in exactly the size set.
	View(f *frame) string
}

// stamper is a pane that can tell whether a store change shows in it: stamp identifies what it
// shows on the frame, compared with the last drawn to skip a redraw. A pane that is not a stamper
// is redrawn on every store change.
type stamper interface {
	stamp(f *frame) []lineID
}

// lineID names what one line of a pane shows: a row snapshot (rows are immutable, so the pointer
// says whether it changed) or a group heading's text.
type lineID struct {
	row  *model.Row
	head string
}

// Every child of the root is a pane.
var _ = [...]pane{(*headerView)(nil), (*statusView)(nil), (*filterView)(nil), (*commandView)(nil),
	(*tableView)(nil), (*detailView)(nil), (*rejectedView)(nil), (*helpView)(nil), (*agentsView)(nil),
	(*agentDetailView)(nil), (*servicesView)(nil), (*timelineView)(nil)}
