package model

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"
)

// ckOp is one step of a generated stream, applied alike to every store compared.
type ckOp func(*Store)

// ckGen makes the streams of the checkpoint tests: floorGen's events (with seqs, some jumping),
// and rejections, warnings, resyncs (BeginResync, INTERACTIONS_STATE, DESKWATCH_RESYNC_END),
// unknown types, and agents past the caps of ckOptions.
type ckGen struct {
	*floorGen
	seq map[string]int64
}

func newCkGen(seed uint64) *ckGen {
	return &ckGen{floorGen: &floorGen{r: rand.New(rand.NewPCG(seed, 15)), at: t0,
		open: map[string]*Interaction{}, down: map[string]bool{}}, seq: map[string]int64{}}
}

// ckOptions are small retention and caps, so that streams evict and refuse often, and a fixed
// wall clock (the change stamps of rows are wall time); variant 1 has no per-agent caps and no
// floor statistics (their maps stay nil) and a memory bound small enough to be reached, variant 3
// the same with a smaller bound and more open interactions, where agents within their shares are
// taken at it and others' interactions ended (held_reclaim.go), variant 2 the defaults but the
// clock.
func ckOptions(variant int) []Option {
	opts := []Option{WithWallClock(func() time.Time { return t0 })}
	switch variant {
	case 0:
		return append(opts, WithRetention(3), WithCaps(4, 6), WithAgentCaps(3, 4), WithKPILimits(propLimits))
	case 1:
		return append(opts, WithRetention(2), WithCaps(5, 4), WithoutFloorStats(), WithMaxHeld(9<<10))
	case 3:
		return append(opts, WithRetention(2), WithCaps(5, 8), WithoutFloorStats(), WithMaxHeld(6<<10))
	}
	return opts
}

func (g *ckGen) op() ckOp {
	at, agent := g.at, g.pick(genAgents)
	switch k := g.r.IntN(40); k {
	case 0, 1:
		raw := fmt.Appendf(nil, `{"ts":%d,"seq":%d,"agentId":%q,"type":"X"}`, at.UnixMilli(), g.nextSeq(agent), agent)
		if k == 0 {
			return func(s *Store) { s.Reject(Origin{Source: "gen", Line: 1}, "bad", raw, at) }
		}
		return func(s *Store) { s.Warn(Origin{Source: "gen"}, "odd", raw, at) }
	case 2:
		return func(s *Store) { s.BeginResync() }
	case 3:
		st := &InteractionsState{}
		for key, in := range g.open {
			if key[:len(agent)+1] == agent+"/" && g.r.IntN(2) == 0 {
				st.Interactions = append(st.Interactions, *in)
			}
		}
		return g.event(Event{Type: EvInteractionsState, AgentID: agent, TS: at, Payload: st})
	case 4:
		return g.event(Event{Type: EvResyncEnd, TS: at, Payload: ResyncEnd{}})
	case 5:
		return g.event(Event{Type: fmt.Sprintf("ON_ODD_%d", g.r.IntN(3)), AgentID: agent, TS: at,
			Payload: &Unknown{}})
	case 6:
		return g.event(Event{Type: EvLogin, AgentID: fmt.Sprintf("x%d", g.r.IntN(4)), TS: at,
			Payload: &Login{IsLoggedIn: true}})
	}
	ev := g.next().event()
	if g.r.IntN(2) == 0 {
		ev.Seq, ev.HasSeq = g.nextSeq(ev.AgentID), true
	}
	return g.event(ev)
}

func (g *ckGen) nextSeq(agent string) int64 {
	g.seq[agent] += 1 + int64(g.r.IntN(10)/9*3) // now and then a jump: lost events
	return g.seq[agent]
}

// event applies ev with a payload of its own each time, as a decoder gives, and rejects it when the
// caps refuse it, as the pump does (a refusal alone does not move the store's version).
func (g *ckGen) event(ev Event) ckOp {
	return func(s *Store) {
		e := ev
		switch p := ev.Payload.(type) {
		case *Interaction:
			c := *p
			e.Payload = &c
		case *InteractionsState:
			c := *p
			c.Interactions = slices.Clone(p.Interactions)
			e.Payload = &c
		}
		if err := s.ApplyChecked(e, e.TS); err != nil {
			s.Reject(Origin{Source: "gen"}, err.Error(), nil, e.TS)
		}
	}
}

// ckStream is n generated steps, and a moment after the last to read the clocks at.
func ckStream(seed uint64, n int) ([]ckOp, time.Time) {
	g := newCkGen(seed)
	ops := make([]ckOp, n)
	for i := range ops {
		ops[i] = g.op()
	}
	return ops, g.at.Add(time.Duration(g.r.IntN(120)) * time.Second)
}

// observed is everything a reader can see of a store at one moment: its snapshot (rows, agents,
// stats, logs, trend), the alert counts of its shared index, and the floor's figures in both
// windows.
type observed struct {
	Version    uint64
	Rows       []Row
	Agents     []Agent
	Stats      Stats
	Rejections []Rejection
	Alerts     []Alert
	Trend      []TrendPoint
	Counts     AlertCounts
	Figures    [2]FloorFigures
}

func observe(s *Store, now time.Time) observed {
	sn := s.Snapshot()
	o := observed{Version: sn.Version, Stats: sn.Stats, Rejections: sn.Rejections, Alerts: sn.Alerts,
		Trend: sn.Trend, Counts: *s.AlertIndex(DefaultAlertRules()).Counts(sn, now)}
	o.Counts.Gen = 0 // how many steps the index took: not the store's state
	for _, r := range sn.Rows {
		o.Rows = append(o.Rows, *r)
	}
	for _, a := range sn.Agents {
		o.Agents = append(o.Agents, *a)
	}
	for w := range o.Figures {
		o.Figures[w] = sn.Floor.Figures(now, FloorWindow(w))
	}
	return o
}

// sameState fails unless the stores look the same at now in every way a reader can see.
func sameState(t testing.TB, what string, got, want *Store, now time.Time) {
	t.Helper()
	g, w := observe(got, now), observe(want, now)
	gv, wv := reflect.ValueOf(g), reflect.ValueOf(w)
	for i := range gv.NumField() {
		if !reflect.DeepEqual(gv.Field(i).Interface(), wv.Field(i).Interface()) {
			t.Fatalf("%s: %s differ\n got %+v\nwant %+v", what, gv.Type().Field(i).Name,
				gv.Field(i).Interface(), wv.Field(i).Interface())
		}
	}
}

func applyOps(s *Store, ops []ckOp) *Store {
	for _, op := range ops {
		op(s)
	}
	return s
}

// ckCase is one run of the property: a stream, the options, cuts k1 ≤ k2 and a moment to read at.
type ckCase struct {
	seed   uint64
	ops    []ckOp
	opts   []Option
	k1, k2 int
	now    time.Time
}

func newCkCase(seed uint64, n int) ckCase {
	ops, now := ckStream(seed, n)
	r := rand.New(rand.NewPCG(seed, 51))
	k1, k2 := r.IntN(n+1), r.IntN(n+1)
	return ckCase{seed: seed, ops: ops, opts: ckOptions(int(seed % 4)), k1: min(k1, k2), k2: max(k1, k2), now: now}
}

func (c ckCase) fresh(n int) *Store { return applyOps(NewStore(c.opts...), c.ops[:n]) }

func (c ckCase) what(s string) string {
	return fmt.Sprintf("seed %d, cuts %d %d: %s", c.seed, c.k1, c.k2, s)
}

// TestCheckpointRestoreMatchesReplay: for random streams and random cuts k, a store restored from
// a checkpoint at k and fed k+1..n equals a fresh store fed 1..n; a second restore of the same
// checkpoint, fed interleaved with the first, equals it too; a checkpoint of a restored store
// restores as well; and the original store, which went on after the checkpoint (taking snapshots
// as viewers do), is unaffected, as is the checkpoint.
func TestCheckpointRestoreMatchesReplay(t *testing.T) {
	t.Parallel()
	var seen Stats
	for seed := range uint64(300) {
		c := newCkCase(seed, 250)
		orig := c.fresh(c.k1)
		if seed%2 == 0 {
			orig.Snapshot() // rows published before the checkpoint too
		}
		ck := orig.Checkpoint()
		a, b := ck.Restore(), ck.Restore()
		sameState(t, c.what("restored"), a, orig, c.now)
		checkHeld(t, c.what("restored"), a)
		rest, nb := c.ops[c.k1:], 0 // b follows a at half its pace, then catches up
		for i, op := range rest {
			op(orig)
			if op(a); i%7 == 0 {
				a.Snapshot()
			}
			for ; nb <= i/2; nb++ {
				rest[nb](b)
			}
		}
		applyOps(b, rest[nb:])
		want := c.fresh(len(c.ops))
		sameState(t, c.what("restored then fed"), a, want, c.now)
		sameState(t, c.what("restored twice, fed interleaved"), b, want, c.now)
		checkHeld(t, c.what("restored twice, fed interleaved"), b)
		sameState(t, c.what("original"), orig, want, c.now)
		sameState(t, c.what("restored again"), ck.Restore(), c.fresh(c.k1), c.now)
		chained := applyOps(c.fresh(0).Checkpoint().Restore(), c.ops[:c.k2]).Checkpoint().Restore()
		sameState(t, c.what("restored from a restored store"), applyOps(chained, c.ops[c.k2:]), want, c.now)
		st := want.Snapshot().Stats
		seen.Rejected, seen.Evicted, seen.Refused = seen.Rejected+st.Rejected, seen.Evicted+st.Evicted, seen.Refused+st.Refused
		seen.Lost, seen.Stale, seen.Reclaimed = seen.Lost+st.Lost, seen.Stale+st.Stale, seen.Reclaimed+st.Reclaimed
	}
	if seen.Rejected == 0 || seen.Evicted == 0 || seen.Refused == 0 || seen.Lost == 0 || seen.Stale == 0 || seen.Reclaimed == 0 {
		t.Fatalf("the streams miss a case: %+v", seen)
	}
}
