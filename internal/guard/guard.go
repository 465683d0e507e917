// Package guard turns a panic (a bug) in a Bubble Tea program or in a goroutine of ours into a
// recorded failure: the value and the stack are kept for the log, and whoever watches the Catcher
// ends the program the normal way, so that the terminal is restored and the process (or, over SSH,
// every other session) goes on or exits cleanly.
package guard

import (
	"fmt"
	"runtime/debug"
	"sync"

	tea "charm.land/bubbletea/v2"
)

// Panic is one recovered panic.
type Panic struct {
	Where string // what panicked: "Update", "View", "a command", "the feed", ...
	Value any
	Stack []byte
}

func (p *Panic) Error() string { return fmt.Sprintf("internal error in %s: %v", p.Where, p.Value) }

// Catcher records the first panic recovered through it and closes Done. Later panics are passed to
// OnMore (when set) but do not replace the first.
type Catcher struct {
	once  sync.Once
	done  chan struct{}
	mu    sync.Mutex
	first *Panic
	// OnPanic, when set, is called (once per panic, in the panicking goroutine) with each
	// recovered panic, before Done is closed for the first.
	OnPanic func(*Panic)
}

// NewCatcher returns a Catcher that has caught nothing yet.
func NewCatcher(onPanic func(*Panic)) *Catcher {
	return &Catcher{done: make(chan struct{}), OnPanic: onPanic}
}

// Recover is deferred at the top of a goroutine or call to guard: defer c.Recover("the feed").
func (c *Catcher) Recover(where string) {
	if r := recover(); r != nil {
		c.Record(where, r, debug.Stack())
	}
}

// Record notes a panic recovered elsewhere.
func (c *Catcher) Record(where string, value any, stack []byte) {
	p := &Panic{Where: where, Value: value, Stack: stack}
	if c.OnPanic != nil {
		c.OnPanic(p)
	}
	c.mu.Lock()
	if c.first == nil {
		c.first = p
	}
	c.mu.Unlock()
	c.once.Do(func() { close(c.done) })
}

// Done is closed when the first panic has been recorded.
func (c *Catcher) Done() <-chan struct{} { return c.done }

// Panic returns the first recorded panic, or nil.
func (c *Catcher) Panic() *Panic {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.first
}

// Model wraps m so that a panic in its Init, Update or View, or in any command it returns
// (commands in a tea.Batch too), is recovered and recorded in c, and the program quits. After a
// panic the wrapped model is not called again: the view is empty and every message quits.
func Model(m tea.Model, c *Catcher) tea.Model { return &model{m: m, c: c} }

type model struct {
	m      tea.Model
	c      *Catcher
	failed bool // only touched from the program's event loop (Init, Update, View)
}

func (g *model) Init() (cmd tea.Cmd) {
	defer g.catch("Init", &cmd)
	return g.wrap(g.m.Init())
}

func (g *model) Update(msg tea.Msg) (res tea.Model, cmd tea.Cmd) {
	if g.failed {
		return g, tea.Quit
	}
	res = g // also what a panic returns
	defer g.catch("Update", &cmd)
	var next tea.Model
	next, cmd = g.m.Update(msg)
	g.m = next
	return g, g.wrap(cmd)
}

func (g *model) View() (v tea.View) {
	if g.failed {
		return tea.NewView("")
	}
	defer func() {
		if r := recover(); r != nil {
			g.failed = true
			g.c.Record("View", r, debug.Stack())
			v = tea.NewView("") // the Catcher's watcher quits the program
		}
	}()
	return g.m.View()
}

// catch recovers a panic of Init or Update: the program is told to quit.
func (g *model) catch(where string, cmd *tea.Cmd) {
	if r := recover(); r != nil {
		g.failed = true
		g.c.Record(where, r, debug.Stack())
		*cmd = tea.Quit
	}
}

// wrap guards a command; a batch's commands are guarded when the batch is opened.
func (g *model) wrap(cmd tea.Cmd) tea.Cmd {
	if cmd == nil {
		return nil
	}
	c := g.c
	return func() (msg tea.Msg) {
		defer func() {
			if r := recover(); r != nil {
				c.Record("a command", r, debug.Stack())
				msg = nil
			}
		}()
		msg = cmd()
		if b, ok := msg.(tea.BatchMsg); ok {
			out := make(tea.BatchMsg, len(b))
			for i, inner := range b {
				out[i] = g.wrap(inner)
			}
			return out
		}
		return msg
	}
}
