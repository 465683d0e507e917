package sshserve

import (
	"bytes"
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
)

// screen draws a session's frames on the client's terminal. It replaces Bubble Tea's renderer,
// which keeps two cell buffers per session (112 bytes a cell: 2.2 MB at 200x50), with the last
// frame's text (some tens of kilobytes): each line that changed is redrawn from its first changed
// cell to its last, found by comparing the old and the new line's text, with an absolute cursor
// move, so a line drawn wrong (a terminal measuring a character differently) stays on its line.
type screen struct {
	w, h    int
	lines   []string // the lines on the client's terminal; nil: nothing drawn yet (clear first)
	frame   string   // the frame lines points into
	modes   string   // the modes (alternate screen, mouse, title) set on the terminal
	profile colorprofile.Profile
	buf     bytes.Buffer      // the output of one frame, reused
	conv    bytes.Buffer      // the same, converted to the colour profile
	sgrs    map[string]string // SGR sequences converted to the profile (flush)
}

// Modes this package sets, and how it puts the terminal back.
const (
	enterAltScreen = "\x1b[?1049h"
	exitAltScreen  = "\x1b[?1049l"
	mouseOn        = "\x1b[?1002h\x1b[?1006h" // cell motion, SGR coordinates
	mouseOff       = "\x1b[?1002l\x1b[?1006l"
	hideCursor     = "\x1b[?25l"
	showCursor     = "\x1b[?25h"
	clearScreen    = "\x1b[H\x1b[2J"
	resetStyle     = "\x1b[m"
	eraseLineRight = "\x1b[K"
)

func newScreen(w, h int) *screen { return &screen{w: w, h: h, profile: colorprofile.TrueColor} }

// resize forgets what is drawn: the next frame clears the terminal and draws everything.
func (s *screen) resize(w, h int) { s.w, s.h, s.lines, s.frame, s.sgrs = w, h, nil, "", nil }

// render returns the output that turns the terminal's screen into v, or nil when nothing changed.
// The slice is valid until the next call.
func (s *screen) render(v tea.View) []byte {
	s.buf.Reset()
	s.setModes(v)
	if v.Content == s.frame && s.lines != nil {
		return s.flush()
	}
	lines := strings.SplitN(v.Content, "\n", s.h+1)
	lines = lines[:min(len(lines), s.h)]
	if s.lines == nil {
		s.buf.WriteString(resetStyle + clearScreen)
	}
	for y, line := range lines {
		old := ""
		if y < len(s.lines) {
			old = s.lines[y]
		} else if s.lines != nil {
			old = "\x00" // a line not drawn before differs from any line
		}
		s.drawLine(y, old, line, s.lines == nil)
	}
	for y := len(lines); y < len(s.lines); y++ { // the frame got shorter
		s.buf.WriteString(ansi.CursorPosition(1, y+1) + resetStyle + eraseLineRight)
	}
	s.lines, s.frame = lines, v.Content
	return s.flush()
}

// setModes sets the terminal modes the view asks for when they change.
func (s *screen) setModes(v tea.View) {
	modes := strconv.FormatBool(v.AltScreen) + strconv.Itoa(int(v.MouseMode)) + v.WindowTitle
	if modes == s.modes {
		return
	}
	s.modes = modes
	if v.AltScreen {
		s.buf.WriteString(enterAltScreen)
	}
	s.buf.WriteString(hideCursor)
	if v.MouseMode != tea.MouseModeNone {
		s.buf.WriteString(mouseOn)
	} else {
		s.buf.WriteString(mouseOff)
	}
	if v.WindowTitle != "" {
		s.buf.WriteString(ansi.SetWindowTitle(ansi.Strip(v.WindowTitle)))
	}
	s.lines = nil // entering the alternate screen shows a new screen: draw it whole
}

// restore is what puts the client's terminal back after the last frame.
func (s *screen) restore() []byte {
	if s.modes == "" {
		return nil
	}
	return []byte(resetStyle + mouseOff + showCursor + exitAltScreen)
}

// flush converts the frame's output to the client's colour profile: each SGR sequence as
// colorprofile.Writer would, once (a theme has a few dozen), the rest as it is.
func (s *screen) flush() []byte {
	out := s.buf.Bytes()
	switch {
	case len(out) == 0:
		return nil
	case s.profile == colorprofile.TrueColor:
		return out
	case s.profile <= colorprofile.NoTTY: // no escape sequences at all
		s.conv.Reset()
		w := colorprofile.Writer{Forward: &s.conv, Profile: s.profile}
		_, _ = w.Write(out)
		return s.conv.Bytes()
	}
	s.conv.Reset()
	for len(out) > 0 {
		i := bytes.Index(out, []byte("\x1b["))
		if i < 0 {
			s.conv.Write(out)
			break
		}
		s.conv.Write(out[:i])
		out = out[i:]
		end := 2
		for end < len(out) && (out[end] < 0x40 || out[end] > 0x7e) {
			end++
		}
		if end == len(out) {
			s.conv.Write(out)
			break
		}
		seq := out[:end+1]
		out = out[end+1:]
		if seq[end] != 'm' {
			s.conv.Write(seq)
			continue
		}
		s.conv.WriteString(s.sgr(seq))
	}
	return s.conv.Bytes()
}

// sgr is seq in the client's colour profile.
func (s *screen) sgr(seq []byte) string {
	if c, ok := s.sgrs[string(seq)]; ok {
		return c
	}
	var b strings.Builder
	w := colorprofile.Writer{Forward: &b, Profile: s.profile}
	_, _ = w.Write(seq)
	if s.sgrs == nil || len(s.sgrs) >= 512 {
		s.sgrs = map[string]string{}
	}
	s.sgrs[string(seq)] = b.String()
	return b.String()
}

// drawLine redraws the cells of line y that differ from old (the cell before the first byte that
// differs onwards), each run of them after a cursor move and with the style in force there. whole
// draws the line whole.
func (s *screen) drawLine(y int, old, line string, whole bool) {
	if line == old && !whole {
		return
	}
	runs, clear := []run{{to: len(line)}}, ansi.StringWidth(line)
	if !whole {
		// The cell before the first difference is compared too: a combining mark that differs
		// belongs to the cell before it.
		from, col, style := 0, 0, ""
		if pre := commonPrefix(old, line); pre > 0 {
			from, col, style = walk(line, pre-1)
		}
		runs, clear = changedRuns(old, line, from, col, style)
	}
	for _, r := range runs {
		s.buf.WriteString(ansi.CursorPosition(r.col+1, y+1))
		s.buf.WriteString(resetStyle)
		s.buf.WriteString(r.style)
		s.buf.WriteString(line[r.from:r.to])
		s.buf.WriteString(resetStyle)
	}
	if clear >= 0 && clear < s.w {
		// A line shorter than the terminal, or than the line before: clear what was after it.
		s.buf.WriteString(ansi.CursorPosition(clear+1, y+1) + resetStyle + eraseLineRight)
	}
}

// commonPrefix is the length of the bytes a and b start with.
func commonPrefix(a, b string) int {
	n := min(len(a), len(b))
	for i := range n {
		if a[i] != b[i] {
			return i
		}
	}
	return n
}

// walk steps through line's cells and escape sequences to the start of the one that holds byte pos.
// It returns that offset, its column, and the escape sequences in force there (the style and any
// link) since the last reset. line and any line with the same bytes up to pos agree on all three.
func walk(line string, pos int) (at, col int, style string) {
	c := cells{line: line}
	for c.at < len(line) {
		seq, width, n, next := step(line[c.at:], c.state)
		if c.at+n > pos {
			break
		}
		c.take(seq, width, n, next)
	}
	return c.at, c.col, c.style
}
