package synth

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
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

func TestGeneratorStreamIsValidAndRealistic(t *testing.T) {
	t.Parallel()
	const n = 20000
	st := checkStream(t, GeneratorConfig{Seed: 7, Start: time.UnixMilli(1700000000000)}, n)

	snap := st.store.Snapshot()
	if snap.Stats.Rejected != 0 || snap.Stats.Events != n || snap.Stats.Lost != 0 {
		t.Fatalf("store: %d rejected, %d lost, %d applied of %d", snap.Stats.Rejected, snap.Stats.Lost,
			snap.Stats.Events, n)
	}
	if len(snap.Agents) != DefaultAgents {
		t.Errorf("%d agents, want %d", len(snap.Agents), DefaultAgents)
	}
	for _, typ := range model.EventTypes {
		if typ != model.EvInteractionsState && st.types[typ] == 0 { // snapshots come from Snapshots
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
		"left mid-call", "disposition", "service changed", "alert", "clear"} {
		if !st.changes[c] {
			t.Errorf("no %q in the stream", c)
		}
	}
	for _, f := range model.FieldNames {
		if !st.fields[f] {
			t.Errorf("InteractionData field %s never sent", f)
		}
	}
	checkLifecycles(t, st.lifecycles())
	t.Logf("events by type: %v", st.types)
}

// checkLifecycles wants some calls to go the whole way of the issue, and nearly all interactions to
// complete (those still open at the end excepted).
func checkLifecycles(t *testing.T, lives [][]model.State) {
	t.Helper()
	want := []model.State{model.StateQueued, model.StateIVR, model.StateDelivered, model.StateHold,
		model.StateDelivered, model.StateWrapUp, model.StateCompleted}
	full, ended := 0, 0
	for _, l := range lives {
		if slices.Equal(l, want) {
			full++
		}
		if l[len(l)-1] == model.StateCompleted {
			ended++
		}
	}
	if full < 20 {
		t.Errorf("%d calls went %v", full, want)
	}
	if ended < len(lives)-3*DefaultAgents {
		t.Errorf("%d of %d interactions completed", ended, len(lives))
	}
	t.Logf("%d interactions, %d completed, %d went the full call lifecycle", len(lives), ended, full)
}

func TestGeneratorSnapshotsAndPresence(t *testing.T) {
	t.Parallel()
	g := NewGenerator(GeneratorConfig{Seed: 3, Agents: 4})
	store := model.NewStore()
	seq := map[string]int64{}
	// apply checks that a live event takes the agent's next seq (step 1) and that the welcome
	// restates its current one (step 0).
	apply := func(data []byte, step int64) model.Event {
		t.Helper()
		ev, err := model.Decode(data)
		if err != nil {
			t.Fatalf("%v\n%s", err, data)
		}
		if ev.Seq != seq[ev.AgentID]+step {
			t.Fatalf("%s seq %d after %d, want +%d", ev.AgentID, ev.Seq, seq[ev.AgentID], step)
		}
		seq[ev.AgentID] = ev.Seq
		store.Apply(ev, ev.TS)
		return ev
	}
	for range 700 {
		data, _ := g.Next()
		apply(data, 1)
	}
	before := store.Snapshot().Stats
	now := g.Now()
	snaps := g.Snapshots()
	if len(snaps) != 4 {
		t.Fatalf("%d snapshots for 4 agents", len(snaps))
	}
	listed := 0
	for _, s := range snaps {
		ev := apply(s, 0)
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
		if ev := apply(p, 0); ev.Type != model.EvLogin && ev.Type != model.EvAgentStateChange &&
			ev.Type != model.EvLogout {
			t.Errorf("presence sent %s", ev.Type)
		}
	}
	for range 100 {
		data, _ := g.Next()
		apply(data, 1) // seq still rises by one after the snapshots
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
	for i := range 1500 {
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
	// 1500 events at 500/s span about 3 s.
	if span := last.Sub(first); span < 2500*time.Millisecond || span > 3500*time.Millisecond {
		t.Errorf("1500 events at 500/s span %v", span)
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

// TestAppendInteractionMatchesEncodingJSON checks the hand-built interaction bytes against
// encoding/json (without HTML escaping) for every interaction of a stream and for awkward strings.
func TestAppendInteractionMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	std := func(v any) []byte {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			t.Fatal(err)
		}
		return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
	}
	g := NewGenerator(GeneratorConfig{Seed: 11})
	checked := 0
	for i := range 3000 {
		if g.Next(); i%5 != 0 {
			continue // every fifth step sees enough states and stays quick under -race
		}
		for _, a := range g.agents {
			for _, c := range a.convs {
				if got, want := appendInteraction(nil, &c.d), std(&c.d); !bytes.Equal(got, want) {
					t.Fatalf("hand-built:\n%s\nencoding/json:\n%s", got, want)
				}
				checked++
			}
		}
	}
	odd := &wireInteraction{InteractionID: "x", State: "queued", Type: "chat",
		Subject:     "quote \" back \\ nl \n tab \t bel \a bs \b ff \f esc \x1b del \x7f ls \u2028 ps \u2029 bad \xff & <b> 😀 山",
		CallParties: []wireParty{}, AttachedData: map[string]string{"z": "1", "a\x01": "\u2029", "m": ""},
		AssociatedObjects: wireObjects{List: []wireObject{}, Selected: []string{"1", "2"}}}
	if got, want := appendInteraction(nil, odd), std(odd); !bytes.Equal(got, want) {
		t.Fatalf("hand-built:\n%s\nencoding/json:\n%s", got, want)
	}
	if checked < 500 {
		t.Errorf("only %d interaction snapshots compared", checked)
	}
}

func BenchmarkGeneratorNextManyAgents(b *testing.B) {
	g := NewGenerator(GeneratorConfig{Seed: 1, Agents: 1000, Rate: 5000})
	b.ReportAllocs()
	for b.Loop() {
		g.Next()
	}
}
