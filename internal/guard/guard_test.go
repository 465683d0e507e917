package guard

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
)

type bomb struct{ batch bool }

func (bomb) Init() tea.Cmd { return nil }

func (b bomb) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if b.batch {
		return b, tea.Batch(func() tea.Msg { return nil }, func() tea.Msg { panic("inner boom") })
	}
	panic("update boom")
}

func (bomb) View() tea.View { panic("view boom") }

// Each way a model can panic is recovered and recorded with its place; the first panic is kept.
func TestModelRecoversPanics(t *testing.T) {
	t.Parallel()
	var seen []string
	c := NewCatcher(func(p *Panic) { seen = append(seen, p.Where+": "+p.Error()) })
	m := Model(bomb{}, c)
	if v := m.View(); v.Content != "" {
		t.Errorf("view after a panic: %v", v.Content)
	}
	select {
	case <-c.Done():
	default:
		t.Fatal("Done not closed after a panic")
	}
	if _, cmd := m.Update(nil); cmd == nil {
		t.Error("Update after a panic does not quit")
	}
	if p := c.Panic(); p == nil || p.Where != "View" || !strings.Contains(string(p.Stack), "bomb.View") {
		t.Errorf("first panic %+v; want View's with its stack", p)
	}

	c2 := NewCatcher(nil)
	_, cmd := Model(bomb{batch: true}, c2).Update(nil)
	batch, ok := cmd().(tea.BatchMsg)
	if !ok || len(batch) != 2 {
		t.Fatalf("the batch command gave %T", batch)
	}
	for _, inner := range batch {
		if msg := inner(); msg != nil {
			t.Errorf("inner command gave %v", msg)
		}
	}
	if p := c2.Panic(); p == nil || p.Where != "a command" || p.Value != "inner boom" {
		t.Errorf("panic %+v; want the inner command's", p)
	}
	if len(seen) != 1 {
		t.Errorf("OnPanic calls %q; want 1", seen)
	}
}
