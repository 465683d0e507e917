package sshserve

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
)

// term is a tiny terminal for the sequences screen writes: cursor position, SGR, erase line,
// clear screen and text. Each cell holds its grapheme and the escape sequences in force when it
// was written, so a cell drawn in the wrong style differs too.
type term struct {
	w, h   int
	cells  [][]string
	x, y   int
	style  string
	broken string // the first sequence it did not expect
}

func newTerm(w, h int) *term {
	t := &term{w: w, h: h}
	t.clear()
	return t
}

func (t *term) clear() {
	t.cells = make([][]string, t.h)
	for y := range t.cells {
		t.cells[y] = make([]string, t.w)
		for x := range t.cells[y] {
			t.cells[y][x] = " |"
		}
	}
}

func (t *term) write(out string) {
	var state byte
	for len(out) > 0 {
		seq, width, n, next := ansi.DecodeSequence(out, state, nil)
		state, out = next, out[n:]
		switch {
		case width > 0:
			if t.y < t.h && t.x+width <= t.w {
				t.cells[t.y][t.x] = seq + "|" + t.style
				for i := 1; i < width; i++ {
					t.cells[t.y][t.x+i] = ""
				}
			}
			t.x += width
		case seq == resetStyle || seq == "\x1b[0m":
			t.style = ""
		case strings.HasSuffix(seq, "m") && strings.HasPrefix(seq, "\x1b["):
			t.style += seq
		case seq == clearScreen[3:]: // ESC[2J
			t.clear()
		case seq == "\x1b[H":
			t.x, t.y = 0, 0
		case seq == eraseLineRight:
			for x := t.x; x < t.w; x++ {
				t.cells[t.y][x] = " |"
			}
		case strings.HasSuffix(seq, "H") && strings.HasPrefix(seq, "\x1b["):
			row, col, _ := strings.Cut(seq[2:len(seq)-1], ";")
			r, _ := strconv.Atoi(row)
			c, _ := strconv.Atoi(col)
			t.y, t.x = r-1, c-1
		case strings.HasPrefix(seq, "\x1b[?") || strings.HasPrefix(seq, "\x1b]"):
		default:
			if t.broken == "" {
				t.broken = strconv.Quote(seq)
			}
		}
	}
}

func (t *term) String() string {
	var b strings.Builder
	for _, row := range t.cells {
		b.WriteString(strings.Join(row, "") + "\n")
	}
	return b.String()
}

// randomLine is w cells of words in random styles, some wide, some accented.
func randomLine(r *rand.Rand, w int) string {
	words := []string{"agent", "chat", "0:0" + strconv.Itoa(r.IntN(10)), "表示", "café", "🙂", "x", "  "}
	styles := []string{"", "\x1b[1m", "\x1b[38;2;200;10;10m", "\x1b[7m\x1b[4m"}
	var b strings.Builder
	col := 0
	for col < w {
		word := words[r.IntN(len(words))]
		if col+ansi.StringWidth(word) > w {
			word = strings.Repeat(" ", w-col)
		}
		if s := styles[r.IntN(len(styles))]; s != "" {
			b.WriteString(s + word + resetStyle)
		} else {
			b.WriteString(word)
		}
		col += ansi.StringWidth(word)
	}
	return b.String()
}

// Whatever the frames, the output that takes the terminal from one frame to the next leaves it
// showing exactly what drawing the new frame on a clear screen shows: the same characters in the
// same styles.
func TestScreenDiffsDrawTheFrame(t *testing.T) {
	t.Parallel()
	const w, h = 40, 8
	r := rand.New(rand.NewPCG(1, 2))
	scr, live := newScreen(w, h), newTerm(w, h)
	lines := make([]string, h)
	for y := range lines {
		lines[y] = randomLine(r, w)
	}
	for frame := range 2000 {
		for range r.IntN(4) { // change a few lines, or a cell of them
			y := r.IntN(h)
			if r.IntN(2) == 0 {
				lines[y] = randomLine(r, w)
			} else {
				lines[y] = strings.Replace(lines[y], "0:0", "0:1", 1)
			}
		}
		v := tea.NewView(strings.Join(lines, "\n"))
		v.AltScreen = true
		live.write(string(scr.render(v)))
		fresh := newTerm(w, h)
		fresh.write(string(newScreen(w, h).render(v)))
		if live.broken != "" || live.String() != fresh.String() {
			t.Fatalf("frame %d: the terminal shows\n%s\nwant\n%s\n(unexpected sequence %s)", frame, live, fresh,
				live.broken)
		}
	}
}

// step, the fast path, splits a line exactly as ansi.DecodeSequence does.
func TestStepDecodesAsTheParser(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(3, 4))
	for range 200 {
		line := randomLine(r, 60) + "e\u0301\x1b]8;;x\x07a\x1b[38;5;1m"
		var s1, s2 byte
		for a, b := line, line; len(a) > 0; {
			q1, w1, n1, next1 := step(a, s1)
			q2, w2, n2, next2 := ansi.DecodeSequence(b, s2, nil)
			if q1 != q2 || w1 != w2 || n1 != n2 || next1 != next2 {
				t.Fatalf("step(%q) = %q %d %d, the parser gives %q %d %d", a, q1, w1, n1, q2, w2, n2)
			}
			a, b, s1, s2 = a[n1:], b[n2:], next1, next2
		}
	}
}

// A frame's output in the 256, 16 and no colours is what colorprofile's own writer makes of it.
func TestScreenColourProfiles(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(5, 6))
	for _, p := range []colorprofile.Profile{colorprofile.ANSI256, colorprofile.ANSI, colorprofile.Ascii, colorprofile.NoTTY} {
		scr, ref := newScreen(30, 4), newScreen(30, 4)
		ref.profile, scr.profile = colorprofile.TrueColor, p
		for range 50 {
			lines := make([]string, 4)
			for y := range lines {
				lines[y] = randomLine(r, 30) + "\x1b[48;2;1;200;3;1m\x1b[38;5;200mz\x1b[m"
			}
			v := tea.NewView(strings.Join(lines, "\n"))
			got := string(scr.render(v))
			var want strings.Builder
			w := colorprofile.Writer{Forward: &want, Profile: p}
			_, _ = w.Write(ref.render(v))
			if got != want.String() {
				t.Fatalf("%s: got %q, want %q", p, got, want.String())
			}
		}
	}
}
