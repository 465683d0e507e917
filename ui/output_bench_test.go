package ui

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/creack/pty"

	"github.com/deskwatch/deskwatch/model"
	"github.com/deskwatch/deskwatch/themes"
)

// openCalls fills a store with n open, delivered voice calls whose durations tick.
func openCalls(b *testing.B, n int, start time.Time) *model.Store {
	b.Helper()
	store := model.NewStore()
	for i := range n {
		line := fmt.Sprintf(`{"type":"ON_NEW_INTERACTION","agentId":"agent%02d","params":[{"interactionId":"call-%04d",`+
			`"state":"delivered","type":"voice","subject":"Call %d","associatedObjects":{"list":[]},"callParties":[`+
			`{"id":"p","name":"Caller %d","phone":"+1555000%04d"}],"callMuted":false,"callRecording":true,`+
			`"attachedData":{},"ANI":"+1555000%04d","service":"Support","startTime":%d}]}`,
			i, i, i, i, i, i, start.Add(-time.Duration(i)*time.Second).UnixMilli())
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
// would). Each iteration is one second of each, so run it with -benchtime 10x.
func BenchmarkTerminalOutput(b *testing.B) {
	ptmx, tty, err := pty.Open()
	if err != nil {
		b.Skipf("no pseudo-terminal: %v", err)
	}
	defer ptmx.Close()
	defer tty.Close()
	var written atomic.Int64
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
	store := openCalls(b, 50, time.Now())
	c := testCommon(themes.Dark, store, time.Now)
	c.Width, c.Height = 200, 50
	m := New(c, nil)
	ctx, cancel := context.WithCancel(context.Background())
	p := tea.NewProgram(m, tea.WithContext(ctx), tea.WithInput(nil), tea.WithOutput(tty),
		tea.WithWindowSize(200, 50), tea.WithColorProfile(colorprofile.TrueColor),
		tea.WithEnvironment([]string{"TERM=xterm-256color"}), tea.WithoutSignalHandler())
	done := make(chan struct{})
	go func() { _, _ = p.Run(); close(done) }()
	time.Sleep(2 * time.Second) // the first full frame is not steady state
	b.ResetTimer()
	perSec := measureOutput(&written, b.N, nil)
	full := measureOutput(&written, b.N, func() { p.Send(tea.ClearScreen()) })
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
