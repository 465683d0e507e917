package sshserve

import (
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/deskwatch/deskwatch/internal/e2e"
)

// Sessions whose viewers have typed nothing share their frames: with three of them watching a
// hundred changes, their model draws fewer views than the sessions draw frames. A viewer's first
// key makes its frames its own: it shows its own state, and the others still theirs.
func TestSessionsShareFrames(t *testing.T) {
	e2e.Require(t, "ssh", "tmux")
	h := start(t, Config{ChangeMsg: func() tea.Msg { return changedMsg{} }, FrameInterval: 20 * time.Millisecond}, false)
	env := []string{"HOME=" + h.dir}
	var viewers []*e2e.Term
	for range 3 {
		viewers = append(viewers, e2e.Start(t, 80, 24, env, h.sshLine(h.key, []string{"-tt"})))
	}
	for _, v := range viewers {
		v.WaitFor(wait, "value=0 size=80x24")
	}
	h.srv.ResetFrameStats()
	views0 := h.views.Load()
	for i := int64(1); i <= 100; i++ {
		h.set(i)
		time.Sleep(2 * time.Millisecond)
	}
	for _, v := range viewers {
		v.WaitFor(wait, "value=100 ", "keys=0")
	}
	frames, shared := h.srv.Frames()
	if views := h.views.Load() - views0; views >= frames || shared == 0 {
		t.Errorf("the model drew %d views for %d frames, %d shared: the sessions did not share them", views, frames, shared)
	}
	viewers[0].Keys("k")
	viewers[0].WaitFor(wait, "value=100 ", "keys=1")
	h.set(101)
	viewers[0].WaitFor(wait, "value=101 ", "keys=1")
	for _, v := range viewers[1:] {
		v.WaitFor(wait, "value=101 ", "keys=0")
	}
}
