package feed

import (
	"bytes"
	"encoding/json"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/model"
)

func TestGeneratorIsDeterministic(t *testing.T) {
	t.Parallel()
	cfg := GeneratorConfig{Seed: 42, Agents: 6, Rate: 8, Start: time.UnixMilli(1700000000000)}
	a, b, c := NewGenerator(cfg), NewGenerator(cfg), NewGenerator(GeneratorConfig{Seed: 43, Agents: 6,
		Rate: 8, Start: cfg.Start})
	differ := 0
	for i := range 5000 {
		da, ta := a.Next()
		db, tb := b.Next()
		dc, _ := c.Next()
		if !bytes.Equal(da, db) || !ta.Equal(tb) {
			t.Fatalf("event %d differs with the same seed:\n%s\n%s", i, da, db)
		}
		if !bytes.Equal(da, dc) {
			differ++
		}
	}
	if differ < 4000 {
		t.Errorf("seeds 42 and 43 gave %d different events out of 5000, want nearly all", differ)
	}
	if first, _ := NewGenerator(cfg).Next(); !bytes.Contains(first, []byte(`"ts":1700000000000,`)) {
		t.Errorf("first event is not stamped with Start: %s", first)
	}
}

// streamStats is what a long stream was seen to contain.
type streamStats struct {
	types       map[string]int
	states      map[model.State]bool
	media       map[model.Type]bool
	agentStates map[model.AgentState]bool
	reasons     map[string]bool
	fields      map[string]bool
	changes     map[string]bool // muted, unmuted, rec on, rec off, joined, left, alert, clear
	lifecycles  [][]model.State // per interaction, the states in order without repeats
}

type timed struct {
	data []byte
	at   time.Time
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

// runStream generates n events, checks every envelope, decodes and applies each to a store, and
// returns what it saw.
func runStream(t *testing.T, cfg GeneratorConfig, n int) (streamStats, *model.Store) {
	t.Helper()
	g := NewGenerator(cfg)
	store := model.NewStore(model.WithWallClock(func() time.Time { return cfg.Start }))
	st := streamStats{types: map[string]int{}, states: map[model.State]bool{}, media: map[model.Type]bool{},
		agentStates: map[model.AgentState]bool{}, reasons: map[string]bool{}, fields: map[string]bool{},
		changes: map[string]bool{}}
	seq := map[string]int64{}
	prev := map[string]*model.Interaction{}
	life := map[string][]model.State{}
	var order []string
	open := map[string]map[string]bool{}
	var last time.Time
	raw, evs := decodeAll(t, g, n)
	for i, ev := range evs {
		data, at := raw[i].data, raw[i].at
		if ev.AgentID == "" || !ev.HasSeq || !ev.TS.Equal(time.UnixMilli(at.UnixMilli())) {
			t.Fatalf("event %d: envelope agentId %q seq %v ts %v, at %v", i, ev.AgentID, ev.HasSeq, ev.TS, at)
		}
		if at.Before(last) {
			t.Fatalf("event %d goes back in time: %v after %v", i, at, last)
		}
		last = at
		if ev.Seq != seq[ev.AgentID]+1 {
			t.Fatalf("event %d: %s seq %d after %d", i, ev.AgentID, ev.Seq, seq[ev.AgentID])
		}
		seq[ev.AgentID] = ev.Seq
		st.types[ev.Type]++
		store.Apply(ev, at)
		switch p := ev.Payload.(type) {
		case *model.Interaction:
			checkInteraction(t, i, p)
			if ev.Type == model.EvSaveActivityRecord {
				collectFields(t, data, st.fields) // the final record carries every field it will have
			}
			key := ev.AgentID + "/" + p.ID
			if _, seen := life[key]; !seen {
				order = append(order, key)
			}
			if s := life[key]; len(s) == 0 || s[len(s)-1] != p.State {
				life[key] = append(s, p.State)
			}
			st.states[p.State], st.media[p.Type] = true, true
			if old := prev[key]; old != nil {
				diffs(old, p, st.changes)
			}
			prev[key] = p
			if open[ev.AgentID] == nil {
				open[ev.AgentID] = map[string]bool{}
			}
			open[ev.AgentID][p.ID] = ev.Type != model.EvInteractionRemoved && ev.Type != model.EvSaveActivityRecord
			if !open[ev.AgentID][p.ID] {
				delete(open[ev.AgentID], p.ID)
			}
			if len(open[ev.AgentID]) > 3 {
				t.Fatalf("event %d: %s has %d interactions open", i, ev.AgentID, len(open[ev.AgentID]))
			}
		case *model.AgentStateChange:
			st.agentStates[p.State] = true
			if p.Reason != "" {
				if p.State != model.AgentNotReady {
					t.Fatalf("event %d: reason %q with state %s", i, p.Reason, p.State)
				}
				st.reasons[p.Reason] = true
			}
			if !p.State.Known() {
				t.Fatalf("event %d: unknown agent state %q", i, p.State)
			}
		case *model.AudioQualityAlert:
			st.changes[map[bool]string{true: "alert", false: "clear"}[p.Active]] = true
		case *model.Login:
			if !p.IsLoggedIn || p.Username == "" || p.AgentID != ev.AgentID {
				t.Fatalf("event %d: bad login %+v", i, p)
			}
		case *model.Unknown:
			t.Fatalf("event %d: unknown event type %q", i, ev.Type)
		}
		if i%500 == 0 {
			if o := store.Snapshot().Stats.Open; o >= 4*len(g.agents) {
				t.Fatalf("event %d: %d interactions open with %d agents; they do not end", i, o, len(g.agents))
			}
		}
	}
	for _, k := range order {
		st.lifecycles = append(st.lifecycles, life[k])
	}
	return st, store
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
		seen[map[bool]string{true: "muted", false: "unmuted"}[p.CallMuted]] = true
	}
	if old.CallRecording != p.CallRecording {
		seen[map[bool]string{true: "recording on", false: "recording off"}[p.CallRecording]] = true
	}
	ids := func(ps []model.CallParty) []string {
		var out []string
		for _, q := range ps {
			out = append(out, q.ID)
		}
		return out
	}
	was, now := ids(old.CallParties), ids(p.CallParties)
	for _, id := range now {
		if !slices.Contains(was, id) {
			seen["joined"] = true
		}
	}
	for _, id := range was {
		if !slices.Contains(now, id) && p.State != model.StateWrapUp {
			seen["left mid-call"] = true
		}
	}
	if model.Str(old.Disposition) == "" && model.Str(p.Disposition) != "" {
		seen["disposition"] = true
	}
}

func TestGeneratorStreamIsValidAndRealistic(t *testing.T) {
	t.Parallel()
	const n = 20000
	cfg := GeneratorConfig{Seed: 7, Start: time.UnixMilli(1700000000000)}
	st, store := runStream(t, cfg, n)

	snap := store.Snapshot()
	if snap.Stats.Rejected != 0 || snap.Stats.Events != n {
		t.Fatalf("store: %d rejected, %d applied of %d", snap.Stats.Rejected, snap.Stats.Events, n)
	}
	if len(snap.Agents) != DefaultAgents {
		t.Errorf("%d agents, want %d", len(snap.Agents), DefaultAgents)
	}
	if snap.Stats.Lost != 0 {
		t.Errorf("store counted %d lost events", snap.Stats.Lost)
	}
	for _, typ := range model.EventTypes {
		if typ != model.EvInteractionsState && st.types[typ] == 0 {
			t.Errorf("no %s in %d events", typ, n)
		}
	}
	for _, s := range model.States {
		if s != model.StateUnknown && !st.states[s] {
			t.Errorf("no interaction in state %s", s)
		}
	}
	for _, m := range model.Types {
		if !st.media[m] {
			t.Errorf("no %s interaction", m)
		}
	}
	for _, a := range []model.AgentState{model.AgentReady, model.AgentBusy, model.AgentNotReady,
		model.AgentAfterCallWork} {
		if !st.agentStates[a] {
			t.Errorf("no agent state %s", a)
		}
	}
	if !st.reasons["Lunch"] || len(st.reasons) < 3 {
		t.Errorf("not_ready reasons seen: %v", st.reasons)
	}
	for _, c := range []string{"muted", "unmuted", "recording on", "recording off", "joined",
		"left mid-call", "disposition", "alert", "clear"} {
		if !st.changes[c] {
			t.Errorf("no %q in the stream", c)
		}
	}
	for _, f := range model.FieldNames {
		if !st.fields[f] {
			t.Errorf("InteractionData field %s never sent", f)
		}
	}
	want := []model.State{model.StateQueued, model.StateIVR, model.StateDelivered, model.StateHold,
		model.StateDelivered, model.StateWrapUp, model.StateCompleted}
	full := 0
	for _, l := range st.lifecycles {
		if slices.Equal(l, want) {
			full++
		}
	}
	if full == 0 {
		t.Errorf("no call went %v", want)
	}
	ended := 0
	for _, l := range st.lifecycles {
		if l[len(l)-1] == model.StateCompleted {
			ended++
		}
	}
	if ended < len(st.lifecycles)-3*DefaultAgents {
		t.Errorf("%d of %d interactions completed", ended, len(st.lifecycles))
	}
	t.Logf("%d interactions, %d went the full call lifecycle; events by type: %v", len(st.lifecycles), full, st.types)
}

func TestGeneratorSnapshotsAndPresence(t *testing.T) {
	t.Parallel()
	g := NewGenerator(GeneratorConfig{Seed: 3, Agents: 4})
	store := model.NewStore()
	seq := map[string]int64{}
	apply := func(data []byte) model.Event {
		t.Helper()
		ev, err := model.Decode(data)
		if err != nil {
			t.Fatalf("%v\n%s", err, data)
		}
		if ev.Seq != seq[ev.AgentID]+1 {
			t.Fatalf("%s seq %d after %d", ev.AgentID, ev.Seq, seq[ev.AgentID])
		}
		seq[ev.AgentID] = ev.Seq
		store.Apply(ev, ev.TS)
		return ev
	}
	for range 700 {
		data, _ := g.Next()
		apply(data)
	}
	before := store.Snapshot().Stats
	now := g.Now()
	snaps := g.Snapshots()
	if len(snaps) != 4 {
		t.Fatalf("%d snapshots for 4 agents", len(snaps))
	}
	listed := 0
	for _, s := range snaps {
		ev := apply(s)
		p, ok := ev.Payload.(*model.InteractionsState)
		if !ok || ev.Type != model.EvInteractionsState || !ev.TS.Equal(time.UnixMilli(now.UnixMilli())) {
			t.Fatalf("not an INTERACTIONS_STATE stamped %v: %s", now, s)
		}
		listed += len(p.Interactions)
	}
	after := store.Snapshot().Stats
	if listed != before.Open || after.Open != before.Open || after.Ended != before.Ended {
		t.Errorf("snapshots list %d interactions; store open %d -> %d, ended %d -> %d",
			listed, before.Open, after.Open, before.Ended, after.Ended)
	}
	for _, p := range g.Presence() {
		if ev := apply(p); ev.Type != model.EvLogin && ev.Type != model.EvAgentStateChange &&
			ev.Type != model.EvLogout {
			t.Errorf("presence sent %s", ev.Type)
		}
	}
	for range 100 {
		data, _ := g.Next()
		apply(data) // seq still rises by one after the snapshots
	}
	if r := store.Snapshot().Stats.Rejected; r != 0 {
		t.Errorf("%d rejected", r)
	}
}

func TestGeneratorManyAgents(t *testing.T) {
	t.Parallel()
	g := NewGenerator(GeneratorConfig{Seed: 1, Agents: 30, Rate: 500})
	ids, names := map[string]bool{}, map[string]bool{}
	var first, last time.Time
	for i := range 3000 {
		data, at := g.Next()
		if i == 0 {
			first = at
		}
		last = at
		ev, err := model.Decode(data)
		if err != nil {
			t.Fatal(err)
		}
		if l, ok := ev.Payload.(*model.Login); ok {
			ids[l.AgentID], names[l.Username] = true, true
		}
	}
	if len(ids) != 30 || len(names) != 30 {
		t.Errorf("%d distinct ids and %d names for 30 agents", len(ids), len(names))
	}
	if !first.Equal(defaultStart()) {
		t.Errorf("zero Start begins at %v", first)
	}
	// 3000 events at 500/s span about 6 s.
	if span := last.Sub(first); span < 5*time.Second || span > 7*time.Second {
		t.Errorf("3000 events at 500/s span %v", span)
	}
	var wide bool
	for _, p := range agentRoster {
		wide = wide || strings.ContainsFunc(p.name, func(r rune) bool { return r >= 0x3000 })
	}
	if !wide {
		t.Error("the roster has no CJK name")
	}
}

func BenchmarkGeneratorNext(b *testing.B) {
	g := NewGenerator(GeneratorConfig{Seed: 1})
	var n int64
	b.ReportAllocs()
	for b.Loop() {
		data, _ := g.Next()
		n += int64(len(data))
	}
	b.SetBytes(n / int64(b.N))
}
