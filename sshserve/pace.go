package sshserve

import (
	"sort"
	"sync"
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
)

// Frame pacing. A session draws a frame when something may have changed, but never while its
// previous output still waits for the client (a slow link gets fewer frames, not a queue: the
// frames in between are skipped, and the next one shows the latest state), and never sooner than
// the server's frame interval after the last one: Config.FrameInterval (DefaultFrameInterval)
// unless the server is busy (busy.go). Key presses and resizes draw at once when the client has
// taken the last frame.
const (
	// DefaultFrameInterval is the least time between two frames of one session: 20 frames a second.
	DefaultFrameInterval = 50 * time.Millisecond
	// maxFrameInterval is the longest a busy server makes a session wait for its next frame.
	maxFrameInterval = time.Second
)

// startMsgs are the messages a program starts with, as bits.
type startMsgs uint8

const (
	startedSize startMsgs = 1 << iota
	startedProfile
	startedEnv
	startedAll = startedSize | startedProfile | startedEnv
)

// frameMsg asks the session for a frame that was put off.
type frameMsg struct{}

// pacedModel wraps a session's model: it draws the model's view on the session's screen itself,
// paced as above, instead of leaving it to Bubble Tea's renderer (which runs with WithoutRenderer).
// Everything but the fields marked is used on the program's goroutine only.
type pacedModel struct {
	inner tea.Model
	v     *session
	scr   *screen

	stale   bool      // a message arrived since the last frame: the view may have changed
	staleAt time.Time // when the latest of them arrived
	last    time.Time // when the last frame was drawn

	// Sharing frames (share.go): own is set once the viewer's input made this session's frames
	// its own; behind says the model has not been given a store change the session took a shared
	// frame for; synced is when the model was last given the store's changes.
	own    bool
	behind bool
	// started says which of the messages a program starts with (size, colour profile,
	// environment) the model has had: only then is it in the state every session starts in.
	started startMsgs
	synced  time.Time
	ident   string
	w0, h0  int // the size the session opened with

	scheduled atomic.Bool // a frameMsg is on its way (timer or drained outbox)
}

func newPacedModel(inner tea.Model, v *session, w, h int) *pacedModel {
	scr := newScreen(w, h)
	// The profile wish gives the program (bubbletea.MakeOptions), from the first frame on.
	scr.profile = colorprofile.Env(v.viewer.Environ)
	return &pacedModel{inner: inner, v: v, scr: scr,
		synced: time.Now(), ident: identOf(v.viewer), w0: w, h0: h}
}

// Init gives the model the session's first size (the pty's, 80x24 when the client's pty said
// 0x0), here and not as a message: the program sends none of its own (session.go), the client's
// window changes all come after Init, and a pty of 0x0 sends no size the model could use.
func (p *pacedModel) Init() tea.Cmd {
	cmd := p.inner.Init()
	var size tea.Cmd
	p.inner, size = p.inner.Update(tea.WindowSizeMsg{Width: p.w0, Height: p.h0})
	p.started |= startedSize
	return tea.Batch(cmd, size)
}

func (p *pacedModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	var cmd tea.Cmd
	urgent := false
	switch msg := msg.(type) {
	case frameMsg:
		p.scheduled.Store(false)
	case tea.EnvMsg:
		p.inner, cmd = p.inner.Update(msg)
		p.started |= startedEnv
		p.markStale()
	case tea.ColorProfileMsg:
		p.started |= startedProfile
		if msg.Profile != p.scr.profile {
			p.scr.profile = msg.Profile
			p.scr.resize(p.scr.w, p.scr.h) // draw everything again in the new colours
		}
		p.inner, cmd = p.inner.Update(msg)
		p.markStale()
	case tea.WindowSizeMsg:
		p.started |= startedSize
		w, h := clampSize(msg.Width, msg.Height)
		if w != p.w0 || h != p.h0 {
			cmd = p.ownFrames()
		}
		var c tea.Cmd
		p.inner, c = p.inner.Update(msg)
		cmd = tea.Batch(cmd, c)
		if w != p.scr.w || h != p.scr.h {
			p.scr.resize(w, h)
		}
		p.markStale()
		urgent = true
	case tea.KeyPressMsg, tea.KeyReleaseMsg, tea.MouseMsg, tea.PasteMsg:
		cmd = p.ownFrames()
		var c tea.Cmd
		p.inner, c = p.inner.Update(msg)
		cmd = tea.Batch(cmd, c)
		p.markStale()
		urgent = true
	default:
		p.inner, cmd = p.inner.Update(msg)
		p.markStale()
	}
	if more := p.maybeDraw(urgent); more != nil {
		cmd = tea.Batch(cmd, more)
	}
	return p, cmd
}

func (p *pacedModel) markStale() { p.stale, p.staleAt = true, time.Now() }

// ownFrames stops sharing frames (the viewer's input makes this session's state its own) and
// gives the model the store's changes it has not seen.
func (p *pacedModel) ownFrames() tea.Cmd {
	p.own = true
	if !p.behind {
		return nil
	}
	return p.sync()
}

// sync gives the model the store's latest changes.
func (p *pacedModel) sync() tea.Cmd {
	p.behind, p.synced = false, time.Now()
	var cmd tea.Cmd
	p.inner, cmd = p.inner.Update(p.v.srv.cfg.ChangeMsg())
	return cmd
}

// View is empty: the session draws its frames itself (see draw).
func (p *pacedModel) View() tea.View { return tea.View{} }

// maybeDraw draws a frame now if one is due, or arranges for a frameMsg when it will be. It
// returns the model's command when it delivered a store change.
func (p *pacedModel) maybeDraw(urgent bool) tea.Cmd {
	pull := p.v.srv.cfg.ChangeMsg != nil && p.v.changedAt.Load() != 0
	if !p.stale && !pull {
		return nil
	}
	if p.v.out.waiting() {
		// The client has not taken the last frame: skip frames until it has.
		p.v.out.notifyDrained(p.schedule)
		return nil
	}
	if wait := time.Duration(p.v.srv.interval.Load()) - time.Since(p.last); !urgent && wait > 0 {
		if p.scheduled.CompareAndSwap(false, true) {
			time.AfterFunc(wait, p.send)
		}
		return nil
	}
	return p.draw()
}

// schedule sends a frameMsg unless one is on its way.
func (p *pacedModel) schedule() {
	if p.scheduled.CompareAndSwap(false, true) {
		go p.send()
	}
}

func (p *pacedModel) send() {
	if prog := p.v.prog.Load(); prog != nil {
		prog.Send(frameMsg{}) // returns at once once the program has ended
	}
}

// draw writes the model's view, or the frame its group shares when that is new enough, and
// records how far behind the store it was.
func (p *pacedModel) draw() tea.Cmd {
	changed := p.v.changedAt.Swap(0)
	// A shared frame must show the store as of the latest change noted (a change noted late
	// stands for the ones its signal merged with), drawn after the latest message.
	needStore, needDrawn := time.Unix(0, p.v.lastChange.Load()), p.last
	if p.stale {
		needDrawn = p.staleAt
	}
	pull := p.v.srv.cfg.ChangeMsg != nil
	sharing := pull && !p.own && p.started == startedAll
	g := group{w: p.scr.w, h: p.scr.h, profile: p.scr.profile, ident: p.ident}
	var cmd tea.Cmd
	var out []byte
	var e *sharedFrame
	if sharing {
		e = p.v.srv.shared.get(g)
	}
	if e != nil && e.fresh(needStore, needDrawn) && e.fits(p.scr) {
		out = e.take(p.scr)
		p.behind = p.behind || changed != 0
		p.v.srv.sharedFrames.Add(1)
	} else {
		if pull && (changed != 0 || p.behind) {
			cmd = p.sync()
		}
		drawn := time.Now()
		view := p.inner.View()
		out = p.scr.render(view)
		if sharing && len(p.scr.lines) > 0 {
			p.v.srv.shared.put(g, &sharedFrame{at: p.synced, drawn: drawn, content: p.scr.frame, modes: p.scr.modes, view: view,
				lines: p.scr.lines})
		}
	}
	if len(out) > 0 {
		_, _ = p.v.out.Write(out)
	}
	now := time.Now()
	if changed != 0 {
		p.v.srv.lags.add(now.Sub(time.Unix(0, changed)))
	}
	p.last, p.stale = now, false
	p.v.srv.frames.Add(1)
	return cmd
}

// restore puts the client's terminal back after the last frame.
func (p *pacedModel) restore() []byte { return p.scr.restore() }

// lagStats keeps how far behind the store each frame was when it was written: the time from the
// first store change it shows reaching the session to the frame reaching the session's output.
type lagStats struct {
	mu   sync.Mutex
	lags []time.Duration // the latest maxLags, a ring
	next int
	n    int64
}

const maxLags = 1 << 16

func (l *lagStats) add(d time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.lags) < maxLags {
		l.lags = append(l.lags, d)
	} else {
		l.lags[l.next] = d
		l.next = (l.next + 1) % maxLags
	}
	l.n++
}

// quantile is the q quantile (0..1) of the recorded lags, and how many there were.
func (l *lagStats) quantile(q float64) (time.Duration, int64) {
	l.mu.Lock()
	s := append([]time.Duration(nil), l.lags...)
	n := l.n
	l.mu.Unlock()
	if len(s) == 0 {
		return 0, 0
	}
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[min(int(q*float64(len(s))), len(s)-1)], n
}

// reset forgets the recorded lags.
func (l *lagStats) reset() {
	l.mu.Lock()
	l.lags, l.next, l.n = l.lags[:0], 0, 0
	l.mu.Unlock()
}

// FrameLag reports the q quantile (0..1) of how far behind the store sessions' frames were when
// written (of the latest 65,536 frames that showed a change), and how many such frames there were.
func (s *Server) FrameLag(q float64) (time.Duration, int64) { return s.lags.quantile(q) }

// ResetFrameStats forgets the frame lags recorded and the frames counted so far (benchmarks).
func (s *Server) ResetFrameStats() { s.lags.reset(); s.frames.Store(0); s.sharedFrames.Store(0) }

// Frames reports how many frames sessions have drawn, and how many of them were shared frames
// (share.go) drawn by another session.
func (s *Server) Frames() (all, shared int64) { return s.frames.Load(), s.sharedFrames.Load() }
