package ui

import "strings"

// The wallboard's block digits: one 3×5 bitmap per glyph (a '#' is a lit pixel), drawn at three
// sizes. Half-block cells put two pixel rows in one line (3 lines high, a cell a pixel); full
// blocks draw a pixel two cells wide and one line high (5 lines), or three cells wide and two lines
// high (10 lines). Only what a figure needs: 0-9 : % . - and space.

// glyphs are the font's bitmaps, five rows each, every row as wide as the glyph.
var glyphs = map[rune][5]string{
	'0': {"###", "#.#", "#.#", "#.#", "###"},
	'1': {".#.", "##.", ".#.", ".#.", "###"},
	'2': {"###", "..#", "###", "#..", "###"},
	'3': {"###", "..#", ".##", "..#", "###"},
	'4': {"#.#", "#.#", "###", "..#", "..#"},
	'5': {"###", "#..", "###", "..#", "###"},
	'6': {"###", "#..", "###", "#.#", "###"},
	'7': {"###", "..#", ".#.", ".#.", ".#."},
	'8': {"###", "#.#", "###", "#.#", "###"},
	'9': {"###", "#.#", "###", "..#", "###"},
	':': {".", "#", ".", "#", "."},
	'.': {".", ".", ".", ".", "#"},
	'-': {"...", "...", "###", "...", "..."},
	'%': {"#.#", "..#", ".#.", "#..", "#.#"},
	' ': {"..", "..", "..", "..", ".."},
}

// digitSize is how big the wallboard draws its figures.
type digitSize int

const (
	digitsPlain digitSize = iota // the text itself, one line
	digitsSmall                  // half blocks, 3 lines
	digitsBig                    // full blocks, 5 lines
	digitsHuge                   // full blocks doubled, 10 lines
)

// digitSizes lists the sizes from the biggest down.
var digitSizes = []digitSize{digitsHuge, digitsBig, digitsSmall, digitsPlain}

// lines is how many lines a figure takes at size z.
func (z digitSize) lines() int { return [...]int{1, 3, 5, 10}[z] }

// scale is how many cells wide and lines high one pixel is at a full-block size.
func (z digitSize) scale() (w, h int) {
	if z == digitsHuge {
		return 3, 2
	}
	return 2, 1
}

// blockWidth is how many cells s takes at size z (glyphs one pixel apart), and false when s has a
// rune the font lacks.
func blockWidth(s string, z digitSize) (int, bool) {
	if z == digitsPlain {
		return width(s), true
	}
	px := 0
	for i, r := range s {
		g, ok := glyphs[r]
		if !ok {
			return 0, false
		}
		if i > 0 {
			px++
		}
		px += len(g[0])
	}
	if z == digitsSmall {
		return px, true
	}
	w, _ := z.scale()
	return px * w, true
}

// blockLines draws s at size z, z.lines() lines of equal width, and false when s has a rune the
// font lacks (the caller draws it plain).
func blockLines(s string, z digitSize) ([]string, bool) {
	if z == digitsPlain {
		return []string{s}, true
	}
	if _, ok := blockWidth(s, z); !ok {
		return nil, false
	}
	out := make([]string, z.lines())
	var b strings.Builder
	for line := range out {
		b.Reset()
		for i, r := range s {
			if i > 0 {
				blockGap(&b, z)
			}
			blockRow(&b, glyphs[r], line, z)
		}
		out[line] = b.String()
	}
	return out, true
}

// blockGap writes the one-pixel gap between two glyphs.
func blockGap(b *strings.Builder, z digitSize) {
	w := 1
	if z != digitsSmall {
		w, _ = z.scale()
	}
	b.WriteString(strings.Repeat(" ", w))
}

// blockRow writes line of glyph g at size z.
func blockRow(b *strings.Builder, g [5]string, line int, z digitSize) {
	if z == digitsSmall {
		top, bottom := g[2*line], ""
		if 2*line+1 < len(g) {
			bottom = g[2*line+1]
		}
		for x := range len(top) {
			t, u := top[x] == '#', bottom != "" && bottom[x] == '#'
			b.WriteString([2][2]string{{" ", "▄"}, {"▀", "█"}}[b2i(t)][b2i(u)])
		}
		return
	}
	w, h := z.scale()
	row := g[line/h]
	for x := range len(row) {
		if row[x] == '#' {
			b.WriteString(strings.Repeat("█", w))
		} else {
			b.WriteString(strings.Repeat(" ", w))
		}
	}
}

func b2i(v bool) int {
	if v {
		return 1
	}
	return 0
}
