package ui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// wheelLines is how far one turn of the mouse wheel moves.
const wheelLines = 3

// cursor is a position over total items of which page are visible at a time, and the first item
// shown (offset). It serves two kinds of pane. A list (the table, the agents) selects an item: pos
// moves and offset follows to keep it in view (select, clampList). A scroll (a detail, the rejected
// log, help) selects nothing: offset is the position, and follow keeps the end in view as the
// content grows (scroll, clampScroll); going to the bottom sets it, going up clears it.
type cursor struct {
	pos, offset int
	follow      bool
}

// navigation reads a navigation key or a turn of the wheel: a move of n items (negative is up), or
// to an end (end < 0 the top, end > 0 the bottom).
func navigation(msg tea.Msg, k KeyMap, page int) (n, end int) {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, k.Up):
			return -1, 0
		case key.Matches(msg, k.Down):
			return 1, 0
		case key.Matches(msg, k.PageUp):
			return -page, 0
		case key.Matches(msg, k.PageDown):
			return page, 0
		case key.Matches(msg, k.Top):
			return 0, -1
		case key.Matches(msg, k.Bottom):
			return 0, 1
		}
	case tea.MouseWheelMsg:
		switch msg.Button {
		case tea.MouseWheelUp:
			return -wheelLines, 0
		case tea.MouseWheelDown:
			return wheelLines, 0
		}
	}
	return 0, 0
}

// selectFor moves a list's cursor for a navigation key, the wheel or a left click; a click's Y
// counts from the pane's first line, and the first item is at Y top (1 under a line of titles, 2
// under a window line and the titles).
func (c *cursor) selectFor(msg tea.Msg, k KeyMap, total, page, top int) {
	page = max(page, 1)
	n, end := navigation(msg, k, page)
	switch {
	case end < 0:
		c.pos = 0
	case end > 0:
		c.pos = total - 1
	default:
		c.pos += n
	}
	if click, ok := msg.(tea.MouseClickMsg); ok && click.Button == tea.MouseLeft && click.Y >= top {
		if i := c.offset + click.Y - top; i < total {
			c.pos = i
		}
	}
	c.clampList(total, page)
}

// clampList keeps a list's cursor on an item and that item on screen.
func (c *cursor) clampList(total, page int) {
	page = max(page, 1)
	c.pos = min(max(c.pos, 0), max(total-1, 0))
	if c.pos < c.offset {
		c.offset = c.pos
	}
	if c.pos >= c.offset+page {
		c.offset = c.pos - page + 1
	}
	c.offset = min(max(c.offset, 0), max(total-page, 0))
}

// scroll moves a scroll's position for a navigation key or the wheel.
func (c *cursor) scroll(msg tea.Msg, k KeyMap, total, page int) {
	page = max(page, 1)
	n, end := navigation(msg, k, page)
	switch {
	case end < 0:
		c.offset, c.follow = 0, false
	case end > 0:
		c.follow = true
	case n != 0:
		c.scrollBy(n, total, page)
	}
	c.clampScroll(total, page)
}

func (c *cursor) scrollBy(n, total, page int) {
	bottom := max(total-page, 0)
	if c.follow {
		c.offset = bottom
	}
	c.offset = min(max(c.offset+n, 0), bottom)
	// Scrolling down onto the end follows it only when there is more than a page (or when already
	// following), so one stray j on a short detail does not make it jump later.
	c.follow = n > 0 && c.offset == bottom && (total > page || c.follow)
}

// clampScroll keeps a scroll's position inside the content, at its end when following.
func (c *cursor) clampScroll(total, page int) {
	bottom := max(total-max(page, 1), 0)
	if c.follow || c.offset > bottom {
		c.offset = bottom
	}
	c.offset = max(c.offset, 0)
}
