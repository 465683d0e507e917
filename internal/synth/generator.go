// Package synth makes deskwatch's synthetic Agent Desktop stream: a seeded generator of realistic
// events for several agents, and the pacer that releases them in real time. The demo source
// (synth/demo) and the simulator (sim) are built on it; it knows nothing of where the bytes go.
package synth

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/deskwatch/deskwatch/internal/positive"
	"github.com/deskwatch/deskwatch/model"
)

// Generator defaults, used when the configuration leaves a field at zero.
const (
	DefaultAgents = 6
	DefaultRate   = 8.0
)

// defaultStart is the event time of the first event when GeneratorConfig.Start is zero: a fixed
// Monday morning, so that a seeded stream is the same on every run.
func defaultStart() time.Time { return time.Date(2025, time.January, 6, 9, 0, 0, 0, time.UTC) }

// GeneratorConfig configures a synthetic event stream.
type GeneratorConfig struct {
	// Seed selects the stream: the same seed and configuration give a byte-identical stream.
	Seed int64
	// Agents is the number of agents (DefaultAgents when <= 0).
	Agents int
	// Start is the event time (ts) of the first event (when zero, 2025-01-06 09:00 UTC, so that a
	// seeded stream is the same on every run).
	Start time.Time
	// Rate is the mean number of events per second over all agents (DefaultRate when <= 0); it sets
	// the spacing of the events' times, which are exponentially distributed around 1/Rate.
	Rate float64
	// AgentPrefix starts every agent id ("" for none), so that several streams can publish to one
	// hub side by side without sharing agents (or their seq counts).
	AgentPrefix string
}

// Generator produces a realistic, seeded, never-ending stream of Agent Desktop events (EVENTS.md
// envelopes) for several agents: logins, agent state changes, and voice, chat and email interactions
// going through their lifecycle. It is not safe for concurrent use; one goroutine drives it.
type Generator struct {
	rng       *rand.Rand
	rate      float64
	now       time.Time
	agents    []*agent
	booted    int // agents whose opening ON_LOGIN has been produced
	loggedOut int // agents not logged in (all of them before the opening logins)
	nextID    int // counter behind interaction ids, unique over the stream

	welcome bool // encoding Presence or Snapshots: seq numbers are restated, not taken

	buf     bytes.Buffer
	enc     *json.Encoder
	scratch []byte // interaction bytes, built by hand (see appendInteraction)
	cands   []candidate
}

// NewGenerator returns a generator for cfg. It does no I/O and never fails.
func NewGenerator(cfg GeneratorConfig) *Generator {
	cfg.Agents = positive.Or(cfg.Agents, DefaultAgents)
	cfg.Rate = positive.Or(cfg.Rate, DefaultRate)
	if cfg.Start.IsZero() {
		cfg.Start = defaultStart()
	}
	seed := uint64(cfg.Seed)
	g := &Generator{
		rng:    rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		rate:   cfg.Rate,
		now:    cfg.Start,
		nextID: 10000,

		loggedOut: cfg.Agents,
	}
	g.enc = json.NewEncoder(&g.buf)
	g.enc.SetEscapeHTML(false) // "Q&A" stays readable in recordings; the output is valid JSON either way
	for i := range cfg.Agents {
		g.agents = append(g.agents, g.newAgent(cfg.AgentPrefix, i))
	}
	return g
}

// newAgent builds the i-th agent from the roster, its id after prefix; beyond the roster's length ids
// and names get a number so that they stay unique.
func (g *Generator) newAgent(prefix string, i int) *agent {
	p := agentRoster[i%len(agentRoster)]
	id, name := prefix+p.id, p.name
	if round := i / len(agentRoster); round > 0 {
		id += strconv.Itoa(round + 1)
		name += " " + strconv.Itoa(round+1)
	}
	return &agent{id: id, name: name, capacity: 1 + g.rng.IntN(3)}
}

// Now returns the generator's current event time: the time the next event from Next will carry.
// Snapshots and Presence are stamped with it.
func (g *Generator) Now() time.Time { return g.now }

// Next returns the next event as one JSON object and its event time. The first events log every
// agent in; after that agents pick up and work interactions. The stream never ends.
func (g *Generator) Next() (data []byte, at time.Time) {
	at = g.now
	data = g.produce()
	gap := g.rng.ExpFloat64() / g.rate
	g.now = g.now.Add(time.Duration(gap * float64(time.Second)))
	return data, at
}

// produce makes the next event at the current time.
func (g *Generator) produce() []byte {
	if g.booted < len(g.agents) {
		a := g.agents[g.booted]
		g.booted++
		return g.login(a)
	}
	// Pick agents at random until one has something to do; an agent on a break or between calls
	// often has nothing, which is what spaces its activity out.
	for range 4 * len(g.agents) {
		if data := g.act(g.agents[g.rng.IntN(len(g.agents))], false); data != nil {
			return data
		}
	}
	// Everyone was idle: a forced agent always acts.
	return g.act(g.agents[g.rng.IntN(len(g.agents))], true)
}

// Snapshots returns one INTERACTIONS_STATE event per agent listing its open interactions and the one
// in front of it, as a bridge sends on connect. They are stamped with the current event time and
// carry the agents' current seq (see event), so the stream that follows still rises by one.
func (g *Generator) Snapshots() [][]byte { return g.snapshots(g.agents) }

func (g *Generator) snapshots(agents []*agent) [][]byte {
	g.welcome = true
	defer func() { g.welcome = false }()
	out := make([][]byte, 0, len(agents))
	for _, a := range agents {
		st := wireState{Interactions: []*wireInteraction{}}
		if a.active != "" {
			st.ActiveInteractionID = &a.active
		}
		for _, c := range a.convs {
			if !c.removed {
				st.Interactions = append(st.Interactions, &c.d)
			}
		}
		out = append(out, g.event(a, model.EvInteractionsState, st))
	}
	return out
}

// Presence returns, per agent, what a monitor joining late needs to show the agent: ON_LOGIN and the
// current ON_AGENT_STATE_CHANGE for an agent that is logged in, ON_LOGOUT for one that is not. Like
// Snapshots, the events carry the agents' current seq.
func (g *Generator) Presence() [][]byte { return g.presence(g.agents) }

func (g *Generator) presence(agents []*agent) [][]byte {
	g.welcome = true
	defer func() { g.welcome = false }()
	out := make([][]byte, 0, 2*len(agents))
	for _, a := range agents {
		if !a.loggedIn {
			out = append(out, g.event(a, model.EvLogout))
			continue
		}
		out = append(out, g.event(a, model.EvLogin, a.loginInfo()))
		if a.state != "" {
			out = append(out, g.stateEvent(a))
		}
	}
	return out
}

// Welcome returns what a bridge sends a subscriber on connect: every agent's Presence, then its
// Snapshots.
func (g *Generator) Welcome() [][]byte { return append(g.Presence(), g.Snapshots()...) }

// event encodes one envelope for agent a with the current time and a's seq: type, agentId, ts, seq
// and params, in that order.
//
// The generator owns the seq numbers, as a bridge does: a live event (from Next) takes the agent's
// next number; the welcome (Presence, Snapshots) restates its current one, since it describes the
// state as of that event. So every subscriber, whenever it joins, sees each agent's seq rise by one
// from its welcome on, and an event a stream leaves out shows as a gap. Nothing downstream edits them.
func (g *Generator) event(a *agent, typ string, params ...any) []byte {
	if !g.welcome {
		a.seq++
	}
	if params == nil {
		params = []any{}
	}
	ts := g.now.UnixMilli()
	if d, ok := firstInteraction(params); ok {
		g.scratch = append(appendInteraction(append(g.scratch[:0], '['), d), ']')
		return model.AppendEvent(nil, typ, a.id, ts, a.seq, g.scratch)
	}
	g.buf.Reset()
	if err := g.enc.Encode(params); err != nil {
		// Only plain structs, strings, numbers and string maps are encoded; failing is a bug here.
		panic(fmt.Sprintf("synth: generator cannot encode %s params: %v", typ, err))
	}
	return model.AppendEvent(nil, typ, a.id, ts, a.seq, bytes.TrimSuffix(g.buf.Bytes(), []byte("\n")))
}

// millis returns the current event time in epoch milliseconds, as interaction times are sent.
func (g *Generator) millis() int64 { return g.now.UnixMilli() }

// firstInteraction returns the interaction when it is the only param, the case built by hand.
func firstInteraction(params []any) (*wireInteraction, bool) {
	if len(params) != 1 {
		return nil, false
	}
	d, ok := params[0].(*wireInteraction)
	return d, ok
}

// AgentIDs returns the agents' ids, in the order of their opening logins.
func (g *Generator) AgentIDs() []string {
	ids := make([]string, len(g.agents))
	for i, a := range g.agents {
		ids[i] = a.id
	}
	return ids
}

// AgentWelcome is Welcome for the i-th agent alone (AgentIDs' order): its INTERACTIONS_STATE first,
// then its presence, as one bridge sends them on connect. It costs one agent's work, not the floor's.
func (g *Generator) AgentWelcome(i int) [][]byte {
	one := g.agents[i : i+1]
	return append(g.snapshots(one), g.presence(one)...)
}

// StartAt sets the event time of the next event; it is for a generator whose first event is not
// produced yet (a stream that waits for its listeners before it starts).
func (g *Generator) StartAt(t time.Time) { g.now = t }
