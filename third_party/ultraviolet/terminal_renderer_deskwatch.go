package uv

import (
	"unicode"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// This file is deskwatch's patch of the renderer (see DESKWATCH.md). Upstream repaints in full,
// from column 0, every touched line that holds a wide cell (lineHasDrift), because a terminal
// that measures a cluster differently than the model leaves the cursor somewhere the model
// cannot name. That costs a whole line each frame for a line whose only change is a clock. The
// patch diffs such a line cell by cell instead, but only when every cell in it is one the model
// and every terminal measure alike: a cell upstream does not count as drift, or a single wide
// character of a script whose width has not changed since terminals first knew it.

// agreedLine reports whether row y may be diffed cell by cell although it holds a wide cell: the
// row was not disturbed by the renderer itself (scrolled, erased, resized: those keep upstream's
// repaint), and every cell of its old and new contents is agreed.
func (s *TerminalRenderer) agreedLine(newbuf *RenderBuffer, y int) bool {
	if y < 0 || y < len(s.damaged) && s.damaged[y] || s.curbuf.Width() != newbuf.Width() {
		return false
	}
	return agreedCells(s.method, s.curbuf.Line(y), newbuf.Width()) &&
		agreedCells(s.method, newbuf.Line(y), newbuf.Width())
}

// agreedCells reports whether every cell of line is agreed: a cell lineHasDrift passes, or a
// stable wide character; and no wide cell runs past the right margin.
func agreedCells(m ansi.Method, line Line, width int) bool {
	for x := 0; x < len(line); x++ {
		c := line.At(x)
		if c == nil || c.Width == 0 || len(c.Content) == 0 {
			continue
		}
		if c.Width > 1 {
			if x+c.Width > width || !stableWide(m, c) {
				return false
			}
			continue
		}
		if lineHasDrift(m, line[x:x+1]) {
			return false
		}
	}
	return true
}

// stableWide reports whether c is one code point, two columns wide under every width model, from
// a block every terminal in use draws two columns wide: CJK ideographs, kana, Hangul, CJK symbols
// and full-width forms (wide since Unicode's first East Asian Width tables), and the emoji of
// U+1F300–U+1F64F and U+1F680–U+1F6FF (emoji presentation, wide since Unicode 9, 2016). Newer
// emoji are left out: a terminal whose tables predate one draws it one column wide.
func stableWide(m ansi.Method, c *Cell) bool {
	r, size := utf8.DecodeRuneInString(c.Content)
	if size != len(c.Content) || c.Width != 2 ||
		m.StringWidth(c.Content) != 2 || ansi.StringWidth(c.Content) != 2 {
		return false
	}
	switch {
	case r >= 0x1F300 && r <= 0x1F64F, r >= 0x1F680 && r <= 0x1F6FF:
		return true
	case r >= 0x3000 && r <= 0x303F, r >= 0xFF01 && r <= 0xFF60, r >= 0xFFE0 && r <= 0xFFE6:
		return true // CJK symbols and punctuation, full-width forms
	}
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul, unicode.Bopomofo)
}

// overwriteLine writes the cells of row y that differ from the model, in place: from the first
// differing cell to the last, widened so that neither end splits a wide character of the old or
// the new contents. No cell is inserted or deleted, so nothing on the row moves, and every cell up
// to the first written one is measured alike by the model and the terminal, so the cursor lands
// where the model says.
func (s *TerminalRenderer) overwriteLine(newbuf *RenderBuffer, y int) {
	oldLine, newLine := s.curbuf.Line(y), newbuf.Line(y)
	width := newbuf.Width()
	first := 0
	for first < width && cellEqual(oldLine.At(first), newLine.At(first)) {
		first++
	}
	if first >= width {
		return
	}
	last := width - 1
	for last > first && cellEqual(oldLine.At(last), newLine.At(last)) {
		last--
	}
	for first > 0 && (oldLine.At(first).isWidePlaceholder() || newLine.At(first).isWidePlaceholder()) {
		first--
	}
	for last+1 < width && (oldLine.At(last+1).isWidePlaceholder() || newLine.At(last+1).isWidePlaceholder()) {
		last++
	}
	// Without the buffer, move uses escape sequences only. With it, the cheapest move can be to
	// print the row's own cells from the cursor's column to the target (relativeCursorMove's
	// overwrite), and on a row of wide characters the column the cursor comes down to can be the
	// right half of one: printing from there shifts the row.
	s.move(nil, first, y)
	for x := first; x <= last; x++ {
		s.putCell(newbuf, newLine.At(x))
	}
	copy(oldLine, newLine)
}
