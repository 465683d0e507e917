package sshserve

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/deskwatch/deskwatch/internal/e2e"
)

// exploding is the fake monitor with a bug on cue: View panics once the shared value is 13, Update
// on the key x, a command on the key c.
type exploding struct{ *fakeModel }

func (m exploding) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if cmd, ok := e2e.Explode(msg); ok {
		return m, cmd
	}
	_, cmd := m.fakeModel.Update(msg)
	return m, cmd
}

func (m exploding) View() tea.View {
	if m.value == 13 {
		panic("view exploded")
	}
	return m.fakeModel.View()
}

// A panic in one session (building its model, its View, its Update, one of its commands) ends that
// session only, with a word to its viewer, status 1 and the stack in the log; the server and the
// other viewer carry on.
func TestPanicEndsOnlyThatSession(t *testing.T) {
	e2e.Require(t, "ssh", "tmux")
	h := startWith(t, Config{}, false, func(h *harness, v Viewer, changes <-chan struct{}) (tea.Model, error) {
		m := &fakeModel{viewer: v, changes: changes, shared: h.shared, views: h.views}
		if slices.Contains(v.Args, "new") {
			panic("NewModel exploded")
		}
		if slices.Contains(v.Args, "explode") {
			return exploding{m}, nil
		}
		return m, nil
	})
	env := []string{"HOME=" + h.dir}
	bystander := e2e.Start(t, 80, 24, env, h.sshLine(h.key, []string{"-tt"}))
	bystander.WaitFor(wait, "value=0")
	for i, tc := range []struct {
		args  []string
		act   func(*e2e.Term)
		value string
	}{
		{[]string{"new"}, nil, "NewModel exploded"},
		{[]string{"explode"}, func(*e2e.Term) { h.set(13) }, "view exploded"},
		{[]string{"explode"}, func(term *e2e.Term) { term.Keys("x") }, "update exploded"},
		{[]string{"explode"}, func(term *e2e.Term) { term.Keys("c") }, "command exploded"},
	} {
		h.set(int64(i))
		victim := e2e.Start(t, 80, 24, env, h.sshLine(h.key, []string{"-tt"}, tc.args...))
		if tc.act != nil {
			victim.WaitFor(wait, "args=[explode]")
			tc.act(victim)
		}
		victim.WaitFor(wait, "internal error, session ended.", "[exit 1]")
		waitFor(t, wait, "the victim's session gone", func() bool { return h.srv.Sessions() == 1 })
		h.set(100 + int64(i))
		bystander.WaitFor(wait, "value="+strconv.Itoa(100+i))
		logs := h.logs.String()
		if !strings.Contains(logs, tc.value) || !strings.Contains(logs, "goroutine ") {
			t.Errorf("%s: the log lacks the panic and its stack:\n%s", tc.value, logs)
		}
	}
	if got := h.srv.Panics(); got != 4 {
		t.Errorf("Panics() = %d, want 4", got)
	}
	if n := strings.Count(h.logs.String(), `reason="internal error"`); n != 3 {
		t.Errorf("%d disconnects logged with reason=\"internal error\", want 3 (NewModel's panic has no disconnect)", n)
	}
}
