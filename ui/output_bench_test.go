package ui

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/creack/pty"

	"github.com/deskwatch/deskwatch/internal/synth"
	"github.com/deskwatch/deskwatch/model"
	"github.com/deskwatch/deskwatch/themes"
)

// openCalls fills a store with n open, delivered voice calls whose durations tick. With wide, every
// call's subject and caller are the simulator's own with a wide character; without, ASCII.
func openCalls(b *testing.B, n int, start time.Time, wide bool) *model.Store {
	b.Helper()
	store := model.NewStore()
	wideNames, wideSubjects := synth.WideStrings()
	for i := range n {
		subject, name := fmt.Sprintf("Call %d", i), fmt.Sprintf("Caller %d", i)
		if wide {
			subject = fmt.Sprintf("%s %d", wideSubjects[i%len(wideSubjects)], i)
			name = fmt.Sprintf("%s %d", wideNames[i%len(wideNames)], i)
		}
		line := fmt.Sprintf(`{"type":"ON_NEW_INTERACTION","agentId":"agent%02d","params":[{"interactionId":"call-%04d",`+
			`"state":"delivered","type":"voice","subject":%q,"associatedObjects":{"list":[]},"callParties":[`+
			`{"id":"p","name":%q,"phone":"+1555000%04d"}],"callMuted":false,"callRecording":true,`+
			`"attachedData":{},"ANI":"+1555000%04d","service":"Support","startTime":%d}]}`,
			i, i, subject, name, i, i, start.Add(-time.Duration(i)*time.Second).UnixMilli())
		ev, err := model.Decode([]byte(line))
		if err != nil {
			b.Fatal(err)
		}
		store.Apply(ev, start)
	}
	return store
}

// BenchmarkTerminalOutput runs the real Bubble Tea program on a real pseudo-terminal at 200x50 with
// 50 open calls whose durations tick and nothing else changing, and reports the bytes written to
// the terminal per second of steady state; then, through the same terminal, the bytes per second
// when the whole screen is redrawn each second (tea.ClearScreen, as a renderer without diffing
// would). strings=ascii has ASCII subjects and callers; strings=wide has the simulator's, with a
// wide character in every row. Each iteration is one second of each, so run it with -benchtime 10x.
func BenchmarkTerminalOutput(b *testing.B) {
	for _, wide := range []bool{false, true} {
		name := map[bool]string{false: "strings=ascii", true: "strings=wide"}[wide]
		b.Run(name, func(b *testing.B) { benchmarkTerminalOutput(b, wide) })
	}
}

func benchmarkTerminalOutput(b *testing.B, wide bool) {
	tty, written := countingPTY(b, 200, 50)
	store := openCalls(b, 50, time.Now(), wide)
	c := testCommon(themes.Dark, store, time.Now)
	c.Width, c.Height = 200, 50
	m := New(c, nil)
	ctx, cancel := context.WithCancel(context.Background())
	p := tea.NewProgram(m, tea.WithContext(ctx), tea.WithInput(nil), tea.WithOutput(tty),
		tea.WithWindowSize(200, 50), tea.WithColorProfile(colorprofile.TrueColor),
		tea.WithEnvironment([]string{"TERM=xterm-256color"}), tea.WithoutSignalHandler())
	done := make(chan struct{})
	go func() { _, _ = p.Run(); close(done) }()
	// Neither the first full frame nor the frame that ends the new rows' highlight is steady state.
	time.Sleep(highlightFor + 2*time.Second)
	b.ResetTimer()
	perSec := measureOutput(written, b.N, nil)
	full := measureOutput(written, b.N, func() { p.Send(tea.ClearScreen()) })
	b.StopTimer()
	cancel()
	<-done
	b.ReportMetric(perSec, "bytes/s")
	b.ReportMetric(full, "full-redraw-bytes/s")
	b.ReportMetric(float64(len(m.Render())), "frame-bytes")
}

// measureOutput counts the bytes written over n seconds, calling each (when not nil) at the start
// of every second.
func measureOutput(written *atomic.Int64, n int, each func()) float64 {
	before, start := written.Load(), time.Now()
	for i := range n {
		if each != nil {
			each()
		}
		time.Sleep(time.Until(start.Add(time.Duration(i+1) * time.Second)))
	}
	return float64(written.Load()-before) / time.Since(start).Seconds()
}

// countingPTY opens a pseudo-terminal of cols x rows and counts every byte written to its terminal
// side (the returned file), which is what a program's output costs a real terminal.
func countingPTY(tb testing.TB, cols, rows int) (*os.File, *atomic.Int64) {
	tb.Helper()
	ptmx, tty, err := pty.Open()
	if err != nil {
		tb.Skipf("no pseudo-terminal: %v", err)
	}
	tb.Cleanup(func() { _ = tty.Close(); _ = ptmx.Close() })
	// A program asks the terminal for its size, so the pty has to have one: a new one reports 0x0
	// and Bubble Tea falls back to 80x24.
	if err := pty.Setsize(ptmx, &pty.Winsize{Cols: uint16(cols), Rows: uint16(rows)}); err != nil {
		tb.Fatal(err)
	}
	written := new(atomic.Int64)
	go func() {
		buf := make([]byte, 64<<10)
		for {
			n, err := ptmx.Read(buf)
			written.Add(int64(n))
			if err != nil {
				return
			}
		}
	}()
	return tty, written
}
