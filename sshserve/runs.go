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
		seq, w, n, next := ansi.DecodeSequence(c.line[c.at:], c.state, nil)
		c.state = next
		if w > 0 {
			at, col = c.at, c.col
			c.at += n
			c.col += w
			return at, col, seq, w
		}
		if len(seq) > 0 && seq[0] == ansi.ESC {
			if seq == resetStyle || seq == "\x1b[0m" {
				c.style = ""
			} else {
				c.style += seq
			}
		}
		c.at += n
	}
	return len(c.line), c.col, "", 0
}

// run is a stretch of the new line to draw: bytes from to to, starting at column col with style.
type run struct {
	from, to, col int
	style         string
}

// changedRuns splits line[from:to] (column col, style in force style) into the runs of cells that
// differ from old, whose bytes up to from are the same. A run that reaches to ends there.
func changedRuns(old, line string, from, to, col int, style string) []run {
	o := cells{line: old, at: from, col: col, style: style}
	n := cells{line: line, at: from, col: col, style: style}
	var runs []run
	var cur *run
	same := 0 // equal cells since the current run's last changed cell
	for {
		nAt, nCol, nText, nw := n.next()
		if nw == 0 || nAt >= to {
			break
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
			cur.to = to // the lines no longer line up: draw the rest
			break
		}
	}
	return runs
}
