package synth

import (
	"github.com/deskwatch/deskwatch/model"
)

// agent is one synthetic agent: what the monitor has been told (state, active) and what the agent's
// work calls for next (want, wantActive). The two differ for a moment after an interaction changes,
// as on a real desktop where the agent state follows the calls.
type agent struct {
	id, name string
	session  string
	seq      int64
	capacity int // interactions the agent takes at once (1 to 3)

	loggedIn           bool
	state, want        model.AgentState
	reason, wantReason string // the not_ready reason, as sent and as wanted
	active, wantActive string
	screen             bool // screen recording running
	convs              []*conv
}

func (a *agent) loginInfo() wireLogin {
	return wireLogin{IsLoggedIn: true, AgentID: a.id, Username: a.name, SessionID: a.session}
}

// open counts the interactions the agent has that have not been removed.
func (a *agent) open() int {
	n := 0
	for _, c := range a.convs {
		if !c.removed {
			n++
		}
	}
	return n
}

// onCall reports whether the agent has a call that has not reached wrap-up: one call at a time.
func (a *agent) onCall() bool {
	for _, c := range a.convs {
		if c.d.Type == model.TypeVoice && !c.wrapped {
			return true
		}
	}
	return false
}

// candKind is something an agent may do when picked.
type candKind uint8

const (
	candStep   candKind = iota // advance one of its interactions
	candNew                    // take a new interaction
	candBreak                  // go not ready with a reason
	candBack                   // come back from a break
	candLogout                 // leave for the day (briefly: they come back)
	candError                  // the desktop reports a server error
	candScreen                 // screen recording starts or stops
	candSwitch                 // bring another interaction to the front
	candIdle                   // nothing this time
)

type candidate struct {
	kind candKind
	w    float64
	c    *conv
}

// act makes agent a do one thing and returns the event, or nil when the agent idles. When forced,
// the agent does not idle, so that Next always has an event to return.
func (g *Generator) act(a *agent, forced bool) []byte {
	if !a.loggedIn {
		if forced || g.chance(0.03) {
			return g.login(a)
		}
		return nil
	}
	if a.state != a.want || a.reason != a.wantReason {
		a.state, a.reason = a.want, a.wantReason
		return g.stateEvent(a)
	}
	if a.active != a.wantActive {
		a.active = a.wantActive
		if a.active == "" {
			return g.event(a, model.EvActiveInteractionSwitch, nil)
		}
		return g.event(a, model.EvActiveInteractionSwitch, a.active)
	}
	c := g.choose(a, forced)
	switch c.kind {
	case candStep:
		data := g.step(a, c.c)
		g.derive(a)
		return data
	case candNew:
		data := g.newConv(a)
		g.derive(a)
		return data
	case candBreak:
		a.state, a.reason = model.AgentNotReady, pick(g, notReadyReasons[:])
		a.want, a.wantReason = a.state, a.reason
		return g.stateEvent(a)
	case candBack:
		a.state, a.reason, a.want, a.wantReason = model.AgentReady, "", model.AgentReady, ""
		return g.stateEvent(a)
	case candLogout:
		g.loggedOut++
		a.loggedIn, a.state, a.reason, a.want, a.wantReason = false, "", "", "", ""
		return g.event(a, model.EvLogout)
	case candError:
		e := pick(g, serverErrors[:])
		return g.event(a, model.EvServerError,
			wireServerError{Code: e.code, Name: e.name, Timestamp: g.millis(), Message: e.about})
	case candScreen:
		a.screen = !a.screen
		return g.event(a, model.EvScreenRecording, wireScreen{Allowed: true, Active: a.screen})
	case candSwitch:
		a.active, a.wantActive = c.c.d.InteractionID, c.c.d.InteractionID
		return g.event(a, model.EvActiveInteractionSwitch, a.active)
	}
	return nil
}

// choose draws what agent a does from weights that follow its situation.
func (g *Generator) choose(a *agent, forced bool) candidate {
	cs := g.cands[:0]
	add := func(k candKind, w float64, c *conv) { cs = append(cs, candidate{kind: k, w: w, c: c}) }
	open := a.open()
	for _, c := range a.convs {
		if c.next < len(c.ops) {
			add(candStep, c.pace(), c)
		}
	}
	if (a.state == model.AgentReady || a.state == model.AgentBusy) && open < a.capacity {
		w := 0.12 // a second or third interaction comes less often than the first
		if open == 0 {
			w = 0.5
		}
		add(candNew, w, nil)
	}
	// Breaks and logouts wait until the last activity record is saved.
	idle := a.state != model.AgentBusy && a.state != model.AgentAfterCallWork && len(a.convs) == 0
	switch {
	case idle && a.state == model.AgentReady:
		add(candBreak, 0.04, nil)
	case idle && a.state == model.AgentNotReady:
		add(candBack, 0.035, nil)
		if g.loggedOut == 0 { // one leaves at a time, so the desk stays staffed
			add(candLogout, 0.0007, nil)
		}
	}
	for _, c := range a.convs {
		if c.live() && c.d.InteractionID != a.active {
			add(candSwitch, 0.04, c)
		}
	}
	add(candError, 0.003, nil)
	add(candScreen, 0.002, nil)
	if !forced {
		add(candIdle, 0.35, nil)
	}
	g.cands = cs
	total := 0.0
	for _, c := range cs {
		total += c.w
	}
	r := g.rng.Float64() * total
	for _, c := range cs {
		if r < c.w {
			return c
		}
		r -= c.w
	}
	return cs[len(cs)-1]
}

// login logs agent a in with a fresh session; most agents then go ready, some start in a meeting.
func (g *Generator) login(a *agent) []byte {
	g.loggedOut--
	a.loggedIn = true
	a.session = g.uuid()
	a.want, a.wantReason = model.AgentReady, ""
	if g.chance(0.2) {
		a.want, a.wantReason = model.AgentNotReady, "Meeting"
	}
	return g.event(a, model.EvLogin, a.loginInfo())
}

// stateEvent is ON_AGENT_STATE_CHANGE with the agent's current state, and the reason with not_ready.
func (g *Generator) stateEvent(a *agent) []byte {
	if a.state == model.AgentNotReady && a.reason != "" {
		return g.event(a, model.EvAgentStateChange, a.state, a.reason)
	}
	return g.event(a, model.EvAgentStateChange, a.state)
}

// derive sets what the agent's state and front interaction should be after its interactions
// changed: busy while talking, after_call_work while wrapping up, then ready (or a break).
func (g *Generator) derive(a *agent) {
	live, wrap := 0, 0
	for _, c := range a.convs {
		switch {
		case c.removed:
		case c.live():
			live++
		case c.wrapped:
			wrap++
		}
	}
	switch {
	case live > 0:
		a.want, a.wantReason = model.AgentBusy, ""
	case wrap > 0:
		a.want, a.wantReason = model.AgentAfterCallWork, ""
	case a.want == model.AgentBusy || a.want == model.AgentAfterCallWork:
		a.want, a.wantReason = model.AgentReady, ""
		if g.chance(0.15) {
			a.want, a.wantReason = model.AgentNotReady, pick(g, notReadyReasons[:])
		}
	}
	if a.wantActive != "" && !a.has(a.wantActive) {
		a.wantActive = ""
		for _, c := range a.convs {
			if c.live() {
				a.wantActive = c.d.InteractionID
				break
			}
		}
	}
}

// has reports whether the agent still has the interaction open.
func (a *agent) has(id string) bool {
	for _, c := range a.convs {
		if c.d.InteractionID == id && !c.removed {
			return true
		}
	}
	return false
}
