package cmd_test

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	uv "github.com/charmbracelet/ultraviolet"
	"github.com/charmbracelet/x/ansi"

	"github.com/deskwatch/deskwatch/internal/e2e"
)

// renderTokens are the pieces the random frames are made of: CJK, Hangul and emoji at every offset,
// ASCII, digits, and styled wide and narrow text, so that a line's wide characters move against
// the old ones, change style alone, and meet the right margin.
var renderTokens = []string{"世界", "注文", "한국", "📦", "😕", "a", "bc", "def", " ", "  ", "0", "12",
	"\x1b[31m赤\x1b[m", "\x1b[1mB\x1b[m", "\x1b[44m 青 \x1b[m", "\x1b[32m世界\x1b[m"}

// The renderer Bubble Tea draws with (third_party/ultraviolet, whose patch diffs lines of wide
// characters cell by cell) through 400 random frames of wide and narrow text, each changing a few
// lines: whole lines, one piece (shifting the rest), or one digit. Its output, played into a real
// terminal (tmux), must leave exactly the last frame on screen.
func TestRendererOutputOfWideLinesInTerminal(t *testing.T) {
	parallelTerminal(t)
	e2e.Require(t, "tmux")
	const width, height = 40, 12
	rng := rand.New(rand.NewPCG(13, 2))
	randomLine := func() []string {
		line := make([]string, 3+rng.IntN(14))
		for i := range line {
			line[i] = renderTokens[rng.IntN(len(renderTokens))]
		}
		return line
	}
	lines := make([][]string, height)
	for y := range lines {
		lines[y] = randomLine()
	}

	var out bytes.Buffer
	r := uv.NewTerminalRenderer(&out, []string{"TERM=tmux-256color"})
	r.SetFullscreen(true)
	r.Resize(width, height)
	r.Erase()
	scr := uv.NewScreenBuffer(width, height)
	for range 400 {
		for range 1 + rng.IntN(3) {
			y := rng.IntN(height)
			switch line := lines[y]; rng.IntN(3) {
			case 0:
				lines[y] = randomLine()
			case 1:
				line[rng.IntN(len(line))] = renderTokens[rng.IntN(len(renderTokens))]
			default:
				line[rng.IntN(len(line))] = string(rune('0' + rng.IntN(10)))
			}
		}
		text := make([]string, height)
		for y, line := range lines {
			text[y] = ansi.Truncate(strings.Join(line, ""), width, "")
		}
		scr.Clear()
		uv.NewStyledString(strings.Join(text, "\n")).Draw(scr, scr.Bounds())
		r.Render(scr.RenderBuffer)
		if err := r.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	want := make([]string, height)
	for y := range want {
		want[y] = strings.TrimRight(scr.Line(y).String(), " ")
	}

	path := filepath.Join(t.TempDir(), "frames")
	if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	term := e2e.Start(t, width, height, nil, "cat "+path+" && sleep 600")
	var got []string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		got = strings.Split(strings.TrimRight(term.Screen(), "\n"), "\n")
		if strings.Join(got, "\n") == strings.Join(want, "\n") {
			return
		}
	}
	for y := range want {
		if y >= len(got) || got[y] != want[y] {
			t.Errorf("row %d on screen:\n %q\nwant\n %q", y, strings.Join(got[min(y, len(got)):min(y+1, len(got))], ""), want[y])
		}
	}
}
