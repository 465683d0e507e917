// Package ui draws a store and turns keys into intents: one root model with small children (table,
// detail, header, status, filter, help, rejected log, agents), a file each, all of one shape (pane,
// in pane.go), each handed the same frame: one store snapshot and one reading of the clocks.
package ui

import (
	"time"

	"github.com/deskwatch/deskwatch/feed"
	"github.com/deskwatch/deskwatch/model"
	"github.com/deskwatch/deskwatch/travel"
)

// Common is the read-mostly context every child shares, passed by pointer: styles, keys, the store
// and the source. One Common per viewer (a terminal or an SSH session), so each can have its own theme.
// Build it with NewCommon.
type Common struct {
	Styles *Styles
	// Keys are the bindings; those the capabilities do not allow are disabled, so help hides them.
	Keys  KeyMap
	Store *model.Store
	// Caps say what this viewer may do besides looking; set them with SetCapabilities.
	Caps Capabilities
	// Status reports the source's state for the status line; nil reports nothing.
	Status func() feed.Status
	// Now is the source's clock (a replay's position); nil means the wall clock.
	Now func() time.Time
	// Wall is the wall clock, used for highlight fading and ticking (tests inject a fixed one).
	Wall func() time.Time
	// Control pauses or speeds up a replay; nil for live sources.
	Control feed.Controller
	// Retry starts a live source's next attempt to connect now (R); nil for other sources and for
	// read-only viewers (it is the server's shared source).
	Retry feed.Retrier
	// History is what the feed has applied, for time travel (issue 15: seek, step, freeze a live
	// view); nil when the source keeps none, and the travel keys then say so. Every viewer seeks
	// in it with a cursor of its own, so read-only viewers may travel too.
	History travel.History
	// Wallboard starts the viewer on the wallboard (--wallboard).
	Wallboard bool
	// Filter is the filter in force when the viewer starts (--filter); empty shows everything.
	Filter string
	// Columns are the interactions table's column ids in order (the configuration's columns);
	// nil shows them all in the default order.
	Columns []string
	// Alerts decide which rows and agents are alerting; Bell rings the terminal bell when the
	// number of open alerts rises.
	Alerts model.AlertRules
	Bell   bool
	// ExportDir is where the export keys write files ("" is the current directory).
	ExportDir string
	// Width and Height are the terminal's size.
	Width, Height int
}

// Capabilities say what a viewer may do besides looking. A terminal of its own may export and, over
// a file replay, pace it; a viewer sharing the source and the machine with others (an SSH session)
// is read-only.
type Capabilities struct {
	// ReadOnly takes away what would change things for the other viewers or write on the server:
	// pacing the shared replay and exporting. Their keys are hidden from help and do nothing.
	ReadOnly bool
	// CanExport lets the export keys and :export write files in ExportDir.
	CanExport bool
	// CanControlReplay lets the pause and speed keys pace the replay through Control. Without it
	// (a live source) the keys say they apply to replays only.
	CanControlReplay bool
	// Time travel (ui/travel.go) needs no capability: a viewer's cursor and a frozen live picture
	// are its own and change nothing for the others, so read-only viewers travel too. Only a seek
	// in a replay a viewer may not pace leaves the shared replay playing.
}

// NewCommon returns one viewer's context over store, with the wall clock as its clock and the
// capabilities given. The source's status, clock and controller and the optional settings (filter,
// columns, alerts, bell, export directory, size) are set on the result.
func NewCommon(styles *Styles, keys KeyMap, store *model.Store, caps Capabilities) *Common {
	c := &Common{Styles: styles, Keys: keys, Store: store, Wall: time.Now}
	c.SetCapabilities(caps)
	return c
}

// SetCapabilities sets what the viewer may do: read-only takes away export and replay control, and
// the keys of what is not allowed are disabled so that help does not list them.
func (c *Common) SetCapabilities(caps Capabilities) {
	if caps.ReadOnly {
		caps.CanExport, caps.CanControlReplay = false, false
	}
	c.Caps = caps
	c.Keys.ExportCSV.SetEnabled(caps.CanExport)
	c.Keys.ExportJSON.SetEnabled(caps.CanExport)
	c.Keys.Pause.SetEnabled(!caps.ReadOnly)
	c.Keys.Faster.SetEnabled(!caps.ReadOnly)
	c.Keys.Slower.SetEnabled(!caps.ReadOnly)
}

// clocks reads the viewer's two clocks once: the source's (durations, the zone times are shown in)
// and the wall clock (highlights, notes, file names). The source's clock stands still while the
// source is down, at the time it went down: nothing moves on data nobody is receiving.
func (c *Common) clocks() (now, wall time.Time) {
	if c.Wall != nil {
		wall = c.Wall()
	} else {
		wall = time.Now()
	}
	now = wall
	if c.Now != nil {
		now = c.Now()
	}
	return frozen(now, c.downSince()), wall
}

// now is the source's clock.
func (c *Common) now() time.Time {
	now, _ := c.clocks()
	return now
}
