package sshserve

import "github.com/charmbracelet/x/ansi"

// Within the part of a line that changed, cells that are the same in the old and the new line (the
// same text, style and column) are not sent again: the part is split into runs of changed cells,
// each drawn after a cursor move. Runs closer than minGap cells are joined, since a cursor move
// costs about as much as a few cells.
const minGap = 6

// cells steps through a line's printable cells, keeping the escape sequences in force.
type cells struct {
	line  string
	at    int // the byte of the next sequence
	col   int // the column of the next cell
	state byte
	style string // escape sequences since the last reset, before the next cell
}

// next moves to the next printable cell: its byte offset, column, text and width (0 at the end).
func (c *cells) next() (at, col int, text string, width int) {
	for c.at < len(c.line) {
		seq, w, n, next := step(c.line[c.at:], c.state)
		at, col = c.at, c.col
		c.take(seq, w, n, next)
		if w > 0 {
			return at, col, seq, w
		}
	}
	return len(c.line), c.col, "", 0
}

// take moves past the sequence step decoded.
func (c *cells) take(seq string, width, n int, next byte) {
	if width == 0 && len(seq) > 0 && seq[0] == ansi.ESC {
		if seq == resetStyle || seq == "\x1b[0m" {
			c.style = ""
		} else {
			c.style += seq
		}
	}
	c.at, c.col, c.state = c.at+n, c.col+width, next
}

// run is a stretch of the new line to draw: bytes from to to, starting at column col with style.
type run struct {
	from, to, col int
	style         string
}

// changedRuns splits the rest of line from byte from (column col, style in force style) into the
// runs of cells that differ from old, whose bytes up to from are the same. Once the two lines' cells
// no longer line up it draws the rest of the line. clear is the column from which the terminal's
// line must be erased (what old had beyond the end of line), or -1.
func changedRuns(old, line string, from, col int, style string) (runs []run, clear int) {
	o := cells{line: old, at: from, col: col, style: style}
	n := cells{line: line, at: from, col: col, style: style}
	var cur *run
	same := 0 // equal cells since the current run's last changed cell
	for {
		nAt, nCol, nText, nw := n.next()
		if nw == 0 {
			if _, _, _, ow := o.next(); ow > 0 { // old was longer
				return runs, n.col
			}
			return runs, -1
		}
		_, oCol, oText, ow := o.next()
		if ow > 0 && oCol == nCol && oText == nText && o.style == n.style {
			same++
			continue
		}
		if cur != nil && same < minGap {
			cur.to, same = n.at, 0 // join: the equal cells between are drawn again
			continue
		}
		runs = append(runs, run{from: nAt, to: n.at, col: nCol, style: n.style})
		cur, same = &runs[len(runs)-1], 0
		if ow == 0 || oCol != nCol {
			cur.to = len(line) // the lines no longer line up: draw the rest
			return runs, nCol + ansi.StringWidth(line[nAt:])
		}
	}
}

// step decodes the sequence at the start of s, as ansi.DecodeSequence does: its text, width, length
// and the parser's next state. A printable ASCII character not followed by a combining one, and a
// complete control sequence (CSI), the bulk of a frame, are decoded here without the grapheme
// segmenter.
func step(s string, state byte) (seq string, width, n int, next byte) {
	if state == ansi.NormalState && len(s) > 0 {
		switch c := s[0]; {
		case c >= 0x20 && c < 0x7f && (len(s) == 1 || s[1] < 0x80):
			return s[:1], 1, 1, state
		case c == ansi.ESC && len(s) > 1 && s[1] == '[':
			for i := 2; i < len(s); i++ {
				if b := s[i]; b >= 0x40 && b <= 0x7e {
					return s[:i+1], 0, i + 1, state
				} else if b < 0x20 || b > 0x7e {
					break
				}
			}
		}
	}
	return ansi.DecodeSequence(s, state, nil)
}
