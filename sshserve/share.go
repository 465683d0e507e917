package sshserve

import (
	"strings"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
)

// Sessions that show the same thing share their frames. A viewer who has not typed anything (nor
// clicked, pasted or resized) since the session opened is in the state any viewer starts in, given
// the same command, environment, size and colour profile: every such session would draw the same
// frame from the same store at the same moment. One of them draws it (the first that needs a frame
// newer than the last one drawn) and the others take it, with the output that turns the frame
// before into it, computed once for each frame before. A session stops sharing at its viewer's
// first input, and draws its own frames from then on. When ChangeMsg is set the store's changes
// reach a sharing session's model only when it draws a frame itself.

// group identifies sessions that draw the same frames.
type group struct {
	w, h    int
	profile colorprofile.Profile
	ident   string // the viewer's command and environment
}

// sharedFrame is the latest frame drawn for a group.
type sharedFrame struct {
	at      time.Time // the store as of this time is in the frame
	drawn   time.Time // when it was drawn (durations, fading highlights)
	content string
	modes   string
	view    tea.View
	lines   []string // content's lines, as the screen that drew it keeps them

	mu   sync.Mutex
	outs map[*string]sharedOut // output from a frame before, by the first line of that frame
}

type sharedOut struct {
	before string // the frame before, kept so its address is not reused
	out    []byte
}

// maxOuts bounds the outputs kept for one frame: sessions that fell further behind draw their own.
const maxOuts = 8

// frameShare holds each group's latest frame.
type frameShare struct {
	mu  sync.Mutex
	all map[group]*sharedFrame
}

// get returns the group's latest frame, or nil.
func (f *frameShare) get(g group) *sharedFrame {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.all[g]
}

// put makes e the group's latest frame unless a newer one is there, and forgets frames nobody
// drew for a while (their sessions ended or left their group).
func (f *frameShare) put(g group, e *sharedFrame) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.all == nil {
		f.all = map[group]*sharedFrame{}
	}
	if old := f.all[g]; old != nil && old.at.After(e.at) && old.drawn.After(e.drawn) {
		return
	}
	f.all[g] = e
	if len(f.all) > 64 {
		for k, old := range f.all {
			if e.at.Sub(old.at) > 10*time.Second {
				delete(f.all, k)
			}
		}
	}
}

// take moves scr to the shared frame and returns the output that does it on the terminal.
func (e *sharedFrame) take(scr *screen) []byte {
	before := scr.frame
	key := &scr.lines[0]
	e.mu.Lock()
	o, ok := e.outs[key]
	e.mu.Unlock()
	if ok && o.before == before {
		scr.lines, scr.frame = e.lines, e.content
		return o.out
	}
	out := append([]byte(nil), scr.render(e.view)...)
	scr.lines, scr.frame = e.lines, e.content
	e.mu.Lock()
	if e.outs == nil || len(e.outs) >= maxOuts {
		e.outs = map[*string]sharedOut{}
	}
	e.outs[key] = sharedOut{before: before, out: out}
	e.mu.Unlock()
	return out
}

// fresh reports whether e shows the store as of store or later, drawn at drawn or later.
func (e *sharedFrame) fresh(store, drawn time.Time) bool {
	return !e.at.Before(store) && !e.drawn.Before(drawn)
}

// fits reports whether scr can take e: it shows a frame of the same size with the same modes.
func (e *sharedFrame) fits(scr *screen) bool {
	return len(scr.lines) > 0 && scr.modes == e.modes
}

// identOf is what of a viewer decides their frames besides size and colours.
func identOf(v Viewer) string {
	return strings.Join(v.Args, "\x00") + "\x01" + strings.Join(v.Environ, "\x00")
}
