package sshserve

import (
	"sort"
	"sync"
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"
)

// Frame pacing. A session draws a frame when something may have changed, but never while its
// previous output still waits for the client (a slow link gets fewer frames, not a queue: the
// frames in between are skipped, and the next one shows the latest state), and never sooner than
// its interval after the last one. The interval is the configured one (DefaultFrameInterval)
// unless the server is busy: each session may spend its share of frameBudget of a core, so a
// session whose frames cost more, or a server with more sessions, draws less often. Key presses
// and resizes draw at once when the client has taken the last frame.
const (
	// DefaultFrameInterval is the least time between two frames of one session: 20 frames a second.
	DefaultFrameInterval = 50 * time.Millisecond
	// maxFrameInterval is the longest a busy server makes a session wait for its next frame.
	maxFrameInterval = time.Second
	// frameBudget is the share of one core all sessions' frames may take together (their Update
	// and View) before their frame rate is lowered.
	frameBudget = 0.7
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

	stale    bool          // a message arrived since the last frame: the view may have changed
	last     time.Time     // when the last frame was drawn
	interval time.Duration // the least time to the next frame
	cost     time.Duration // time spent in the model since the last frame

	scheduled atomic.Bool // a frameMsg is on its way (timer or drained outbox)
}

func newPacedModel(inner tea.Model, v *session, w, h int) *pacedModel {
	return &pacedModel{inner: inner, v: v, scr: newScreen(w, h), interval: v.srv.cfg.FrameInterval}
}

func (p *pacedModel) Init() tea.Cmd { return p.inner.Init() }

func (p *pacedModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	start := time.Now()
	var cmd tea.Cmd
	urgent := false
	switch msg := msg.(type) {
	case frameMsg:
		p.scheduled.Store(false)
	case tea.ColorProfileMsg:
		p.scr.profile = msg.Profile
		p.scr.resize(p.scr.w, p.scr.h) // draw everything again in the new colours
		p.inner, cmd = p.inner.Update(msg)
		p.stale = true
	case tea.WindowSizeMsg:
		p.inner, cmd = p.inner.Update(msg)
		if w, h := clampSize(msg.Width, msg.Height); w != p.scr.w || h != p.scr.h {
			p.scr.resize(w, h)
		}
		p.stale, urgent = true, true
	case tea.KeyPressMsg, tea.MouseMsg, tea.PasteMsg:
		p.inner, cmd = p.inner.Update(msg)
		p.stale, urgent = true, true
	default:
		p.inner, cmd = p.inner.Update(msg)
		p.stale = true
	}
	p.cost += time.Since(start)
	if more := p.maybeDraw(urgent); more != nil {
		cmd = tea.Batch(cmd, more)
	}
	return p, cmd
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
	if wait := p.interval - time.Since(p.last); !urgent && wait > 0 {
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

// draw writes the model's view, records how far behind the store it was, and sets the interval
// to the next frame from what this one cost.
func (p *pacedModel) draw() tea.Cmd {
	start := time.Now()
	changed := p.v.changedAt.Swap(0)
	var cmd tea.Cmd
	if changed != 0 && p.v.srv.cfg.ChangeMsg != nil {
		p.inner, cmd = p.inner.Update(p.v.srv.cfg.ChangeMsg())
	}
	if out := p.scr.render(p.inner.View()); len(out) > 0 {
		_, _ = p.v.out.Write(out)
	}
	now := time.Now()
	if changed != 0 {
		p.v.srv.lags.add(now.Sub(time.Unix(0, changed)))
	}
	p.cost += now.Sub(start)
	// This session's share of the budget: n sessions spending cost each interval take
	// n*cost/interval of a core.
	share := time.Duration(float64(p.cost) * float64(p.v.srv.Sessions()) / frameBudget)
	p.interval = min(max(p.v.srv.cfg.FrameInterval, share), maxFrameInterval)
	p.last, p.stale, p.cost = now, false, 0
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
func (s *Server) ResetFrameStats() { s.lags.reset(); s.frames.Store(0) }

// Frames reports how many frames sessions have drawn.
func (s *Server) Frames() int64 { return s.frames.Load() }
