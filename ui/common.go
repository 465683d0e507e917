// Package ui draws a store and turns keys into intents: one root model with small children (table,
// detail, header, status, filter, help, rejected log), a file each.
package ui

import (
	"time"

	"github.com/deskwatch/deskwatch/feed"
	"github.com/deskwatch/deskwatch/model"
)

// Common is the read-mostly context every child shares, passed by pointer: styles, keys, the store
// and the source. One Common per viewer (a terminal or an SSH session), so each can have its own theme.
type Common struct {
	Styles *Styles
	Keys   KeyMap
	Store  *model.Store
	// Status reports the source's state for the status line.
	Status func() feed.Status
	// Now is the source's clock (a replay's position, or wall time).
	Now func() time.Time
	// Wall is the wall clock, used for highlight fading and ticking (tests inject a fixed one).
	Wall func() time.Time
	// Control pauses or speeds up a replay; nil for live sources.
	Control feed.Controller
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
