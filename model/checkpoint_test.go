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

// ckOptions are small retention and caps, so that streams evict and refuse often; a fixed wall
// clock (the change stamps of rows are wall time).
func ckOptions() []Option {
	return []Option{WithRetention(3), WithCaps(4, 6), WithAgentCaps(3, 4), WithKPILimits(propLimits),
		WithWallClock(func() time.Time { return t0 })}
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

// TestCheckpointRestoreMatchesReplay: for random streams and random cuts k, a store restored from
// a checkpoint at k and fed k+1..n equals a fresh store fed 1..n; a second restore of the same
// checkpoint, fed interleaved with the first, equals it too; and the original store, which went
// on after the checkpoint (taking snapshots as viewers do), is unaffected.
func TestCheckpointRestoreMatchesReplay(t *testing.T) {
	t.Parallel()
	for seed := range uint64(200) {
		ops, now := ckStream(seed, 250)
		r := rand.New(rand.NewPCG(seed, 51))
		k := r.IntN(len(ops) + 1)
		orig := applyOps(NewStore(ckOptions()...), ops[:k])
		if r.IntN(2) == 0 {
			orig.Snapshot() // rows published before the checkpoint too
		}
		ck := orig.Checkpoint()
		a, b := ck.Restore(), ck.Restore()
		sameState(t, fmt.Sprintf("seed %d: restored at %d", seed, k), a, orig, now)
		for i, op := range ops[k:] {
			op(orig)
			op(a)
			if i%7 == 0 {
				a.Snapshot()
			}
			if i%3 == 0 {
				op(b)
			}
		}
		for i, op := range ops[k:] {
			if i%3 != 0 {
				op(b)
			}
		}
		fresh := applyOps(NewStore(ckOptions()...), ops)
		if ck.Version() != uint64(k) && k > 0 && ck.Version() == 0 {
			t.Fatalf("seed %d: checkpoint version %d", seed, ck.Version())
		}
		sameState(t, fmt.Sprintf("seed %d, cut %d: restored then fed", seed, k), a, fresh, now)
		sameState(t, fmt.Sprintf("seed %d, cut %d: original", seed, k), orig, fresh, now)
		c := ck.Restore() // the checkpoint is what it was, after all that
		sameState(t, fmt.Sprintf("seed %d, cut %d: restored again", seed, k), c,
			applyOps(NewStore(ckOptions()...), ops[:k]), now)
	}
}
