package synth

import (
	"encoding/json"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/model"
)

// streamCheck follows a generated stream event by event: it fails the test on the first event that
// breaks the contract, and records what the stream contained for the coverage assertions.
type streamCheck struct {
	t     *testing.T
	store *model.Store
	seq   map[string]int64
	last  time.Time
	prev  map[string]*model.Interaction
	open  map[string]map[string]bool // agent -> open interaction ids

	types       map[string]int
	states      map[model.State]bool
	media       map[model.Type]bool
	agentStates map[model.AgentState]bool
	reasons     map[string]bool
	fields      map[string]bool
	changes     map[string]bool // muted, unmuted, recording on/off, joined, left mid-call, alert, clear, …
	life        map[string][]model.State
	order       []string // interaction keys in order of first sight
}

// lifecycles returns each interaction's states in order, without repeats.
func (c *streamCheck) lifecycles() [][]model.State {
	out := make([][]model.State, 0, len(c.order))
	for _, k := range c.order {
		out = append(out, c.life[k])
	}
	return out
}

type timed struct {
	data []byte
	at   time.Time
}

// checkStream generates n events with cfg, decodes and checks each, and applies it to a store.
func checkStream(t *testing.T, cfg GeneratorConfig, n int) *streamCheck {
	t.Helper()
	g := NewGenerator(cfg)
	c := &streamCheck{t: t, store: model.NewStore(), seq: map[string]int64{},
		prev: map[string]*model.Interaction{}, open: map[string]map[string]bool{}, types: map[string]int{},
		states: map[model.State]bool{}, media: map[model.Type]bool{}, agentStates: map[model.AgentState]bool{},
		reasons: map[string]bool{}, fields: map[string]bool{}, changes: map[string]bool{},
		life: map[string][]model.State{}}
	raw, evs := decodeAll(t, g, n)
	for i, ev := range evs {
		c.envelope(i, ev, raw[i].at)
		c.store.Apply(ev, raw[i].at)
		c.payload(i, ev, raw[i].data)
		if i%500 == 0 {
			if o := c.store.Snapshot().Stats.Open; o >= 4*len(g.agents) {
				t.Fatalf("event %d: %d interactions open with %d agents; they do not end", i, o, len(g.agents))
			}
		}
	}
	return c
}

// decodeAll generates n events and decodes them on all CPUs (decoding is most of the cost under
// -race), failing on the first that does not decode.
func decodeAll(t *testing.T, g *Generator, n int) ([]timed, []model.Event) {
	t.Helper()
	raw := make([]timed, n)
	for i := range raw {
		raw[i].data, raw[i].at = g.Next()
	}
	evs := make([]model.Event, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	workers := runtime.GOMAXPROCS(0)
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				evs[i], errs[i] = model.Decode(raw[i].data)
			}
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("event %d does not decode: %v\n%s", i, err, raw[i].data)
		}
	}
	return raw, evs
}

// envelope checks agentId, ts (the event time, never going back) and seq (rising by one per agent).
func (c *streamCheck) envelope(i int, ev model.Event, at time.Time) {
	t := c.t
	t.Helper()
	if ev.AgentID == "" || !ev.HasSeq || !ev.TS.Equal(time.UnixMilli(at.UnixMilli())) {
		t.Fatalf("event %d: envelope agentId %q seq %v ts %v, at %v", i, ev.AgentID, ev.HasSeq, ev.TS, at)
	}
	if at.Before(c.last) {
		t.Fatalf("event %d goes back in time: %v after %v", i, at, c.last)
	}
	c.last = at
	if ev.Seq != c.seq[ev.AgentID]+1 {
		t.Fatalf("event %d: %s seq %d after %d", i, ev.AgentID, ev.Seq, c.seq[ev.AgentID])
	}
	c.seq[ev.AgentID] = ev.Seq
	c.types[ev.Type]++
}

func (c *streamCheck) payload(i int, ev model.Event, data []byte) {
	t := c.t
	t.Helper()
	switch p := ev.Payload.(type) {
	case *model.Interaction:
		c.interaction(i, ev, p, data)
	case *model.AgentStateChange:
		c.agentStates[p.State] = true
		if !p.State.Known() {
			t.Fatalf("event %d: unknown agent state %q", i, p.State)
		}
		if p.Reason != "" {
			if p.State != model.AgentNotReady {
				t.Fatalf("event %d: reason %q with state %s", i, p.Reason, p.State)
			}
			c.reasons[p.Reason] = true
		}
	case *model.AudioQualityAlert:
		c.changes[pickWord(p.Active, "alert", "clear")] = true
	case *model.Login:
		if !p.IsLoggedIn || p.Username == "" || p.AgentID != ev.AgentID || p.SessionID == "" {
			t.Fatalf("event %d: bad login %+v", i, p)
		}
	case *model.Unknown:
		t.Fatalf("event %d: unknown event type %q", i, ev.Type)
	}
}

func (c *streamCheck) interaction(i int, ev model.Event, p *model.Interaction, data []byte) {
	t := c.t
	t.Helper()
	checkInteraction(t, i, p)
	if ev.Type == model.EvSaveActivityRecord {
		collectFields(t, data, c.fields) // the final record carries every field it will ever have
	}
	key := model.RowKey(ev.AgentID, p.ID)
	if _, seen := c.life[key]; !seen {
		c.order = append(c.order, key)
	}
	if s := c.life[key]; len(s) == 0 || s[len(s)-1] != p.State {
		c.life[key] = append(s, p.State)
	}
	c.states[p.State], c.media[p.Type] = true, true
	if old := c.prev[key]; old != nil {
		diffs(old, p, c.changes)
	}
	c.prev[key] = p
	open := c.open[ev.AgentID]
	if open == nil {
		open = map[string]bool{}
		c.open[ev.AgentID] = open
	}
	open[p.ID] = true
	if ev.Type == model.EvInteractionRemoved || ev.Type == model.EvSaveActivityRecord {
		delete(open, p.ID)
	}
	if len(open) > 3 {
		t.Fatalf("event %d: %s has %d interactions open", i, ev.AgentID, len(open))
	}
}

func checkInteraction(t *testing.T, i int, p *model.Interaction) {
	t.Helper()
	switch {
	case !p.State.Known() || !p.Type.Known():
		t.Fatalf("event %d: unknown state %q or type %q", i, p.State, p.Type)
	case p.Subject == "" || p.AttachedData == nil || p.CallParties == nil || p.AssociatedObjects.List == nil:
		t.Fatalf("event %d: a required field is empty: %+v", i, p)
	case p.Type != model.TypeVoice && (p.CallMuted || p.CallRecording || len(p.CallParties) > 0):
		t.Fatalf("event %d: a %s with call fields set", i, p.Type)
	case p.CallDirection != nil && !p.CallDirection.Known(), p.Origination != nil && !p.Origination.Known():
		t.Fatalf("event %d: unknown direction or origination", i)
	case len(p.Extra) > 0:
		t.Fatalf("event %d: fields outside API 5.19: %v", i, p.Extra)
	}
}

// collectFields records which InteractionData fields the event carries.
func collectFields(t *testing.T, data []byte, seen map[string]bool) {
	t.Helper()
	var env struct{ Params []map[string]json.RawMessage }
	if err := json.Unmarshal(data, &env); err != nil {
		t.Fatal(err)
	}
	for k := range env.Params[0] {
		seen[k] = true
	}
}

// diffs records the kinds of change between two snapshots of an interaction.
func diffs(old, p *model.Interaction, seen map[string]bool) {
	if old.CallMuted != p.CallMuted {
		seen[pickWord(p.CallMuted, "muted", "unmuted")] = true
	}
	if old.CallRecording != p.CallRecording {
		seen[pickWord(p.CallRecording, "recording on", "recording off")] = true
	}
	for _, q := range p.CallParties {
		if !slices.ContainsFunc(old.CallParties, func(o model.CallParty) bool { return o.ID == q.ID }) {
			seen["joined"] = true
		}
	}
	for _, o := range old.CallParties {
		gone := !slices.ContainsFunc(p.CallParties, func(q model.CallParty) bool { return q.ID == o.ID })
		if gone && p.State != model.StateWrapUp {
			seen["left mid-call"] = true
		}
	}
	if model.Str(old.Disposition) == "" && model.Str(p.Disposition) != "" {
		seen["disposition"] = true
	}
	if a, b := model.Str(old.Service), model.Str(p.Service); a != b {
		seen["service changed"] = true
	}
}

func pickWord(b bool, yes, no string) string {
	if b {
		return yes
	}
	return no
}
