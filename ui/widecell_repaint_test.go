package ui

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
)

// The renderer's cost per line, reduced to the smallest program: 50 lines, each with text and a
// counter that every tick advances, through a real pseudo-terminal. Upstream (charmbracelet/
// ultraviolet issue 163) repaints from column 0 every touched line holding a wide cell, so a line of
// CJK text costs its whole width each tick where the same line in ASCII costs the changed digits.
// third_party/ultraviolet diffs such a line cell by cell when every cell in it is one the model and
// the terminal measure alike (see its DESKWATCH.md); a line holding a cluster terminals measure
// differently (a flag) is still repainted, which is what README's known issues say remains.
func TestWideCellLinesCostTheirChangeNotTheirWidth(t *testing.T) {
	t.Parallel()
	ascii := counterBytesPerTick(t, "Caller ok", "Where is my order")
	cjk := counterBytesPerTick(t, "山田 太郎", "注文 請求書の金額")
	flag := counterBytesPerTick(t, "Caller 🇯🇵", "Where is my order")
	t.Logf("bytes per tick of 50 ticking lines: ascii %.0f, cjk %.0f, flag %.0f", ascii, cjk, flag)
	if cjk > 1.25*ascii+64 {
		t.Errorf("lines holding CJK cost %.0f bytes a tick, ASCII ones %.0f: wide lines are repainted whole", cjk, ascii)
	}
	if flag < 3*ascii {
		t.Errorf("lines holding a flag cost %.0f bytes a tick, ASCII ones %.0f: they are no longer repainted "+
			"whole, so README's known issues (terminal output) should say so", flag, ascii)
	}
}

// counterModel draws 50 lines: before, a counter, after. Every counterTick advances the counter.
type counterModel struct {
	before, after string
	count         int
}

type counterTick struct{}

func (m counterModel) Init() tea.Cmd { return nil }

func (m counterModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if _, ok := msg.(counterTick); ok {
		m.count++
	}
	return m, nil
}

func (m counterModel) View() tea.View {
	lines := make([]string, 50)
	for i := range lines {
		lines[i] = fmt.Sprintf("%02d %s %06d %s", i, m.before, m.count*7+i, m.after)
	}
	v := tea.NewView(strings.Join(lines, "\n"))
	v.AltScreen = true
	return v
}

// counterBytesPerTick runs counterModel on an 80x50 pseudo-terminal for some ticks and returns the
// bytes written per tick beyond those of a run without ticks (start, first frame, exit). Each
// tick waits for its frame, so frames never merge and the count does not depend on timing.
func counterBytesPerTick(t *testing.T, before, after string) float64 {
	const ticks = 20
	run := func(n int) int64 {
		tty, written := countingPTY(t, 80, 50)
		p := tea.NewProgram(counterModel{before: before, after: after}, tea.WithInput(nil),
			tea.WithOutput(tty), tea.WithWindowSize(80, 50), tea.WithColorProfile(colorprofile.TrueColor),
			tea.WithEnvironment([]string{"TERM=xterm-256color"}), tea.WithoutSignalHandler())
		done := make(chan error, 1)
		go func() { _, err := p.Run(); done <- err }()
		settle(t, written)
		for range n {
			from := written.Load()
			p.Send(counterTick{})
			waitMore(t, written, from)
		}
		settle(t, written)
		p.Quit()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		settle(t, written)
		return written.Load()
	}
	base, ticked := run(0), run(ticks)
	return float64(ticked-base) / ticks
}

// waitMore waits until more than from bytes were written: the frame a tick asked for has begun.
func waitMore(t *testing.T, written *atomic.Int64, from int64) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); written.Load() <= from; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no frame after 30s (%d bytes written)", from)
		}
	}
}

// settle waits until something was written and then nothing more for 100 ms: the frame being
// written is whole. A late frame would only move bytes from one count to the next, and the
// counts are compared with a wide margin.
func settle(t *testing.T, written *atomic.Int64) {
	t.Helper()
	waitMore(t, written, 0)
	for last := int64(-1); written.Load() != last; time.Sleep(100 * time.Millisecond) {
		last = written.Load()
	}
}
