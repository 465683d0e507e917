package model

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

var t0 = time.UnixMilli(1700000000000)

// apply decodes and applies lines at successive seconds after t0.
func apply(t *testing.T, s *Store, lines ...string) {
	t.Helper()
	for i, l := range lines {
		e, err := Decode([]byte(l))
		if err != nil {
			t.Fatalf("line %d: %v", i, err)
		}
		at := e.TS
		if at.IsZero() {
			at = t0.Add(time.Duration(i) * time.Second)
		}
		s.Apply(e, at)
	}
}

func evAgent(agent, typ, params string) string {
	return `{"type":"` + typ + `","agentId":"` + agent + `","params":[` + params + `]}`
}

func kinds(r *Row) []string {
	var out []string
	for _, c := range r.Timeline {
		out = append(out, c.Text)
	}
	return out
}

func TestTimelineFromSnapshots(t *testing.T) {
	s := NewStore(WithWallClock(func() time.Time { return t0 }))
	p1 := `{"id":"p1","name":"Ann","phone":"555"}`
	p2 := `{"id":"p2","name":"Bob","phone":"556"}`
	apply(t, s,
		ev(EvNewInteraction, iv("c", "queued", "voice", `"callParties":[`+p1+`]`)),
		ev(EvInteractionStateChange, iv("c", "ivr", "voice", `"callParties":[`+p1+`]`)),
		ev(EvInteractionStateChange, iv("c", "delivered", "voice", `"callParties":[`+p1+`],"callRecording":true`)),
		ev(EvInteractionStateChange, iv("c", "delivered", "voice", `"callParties":[`+p1+`,`+p2+`],"callRecording":true,"callMuted":true`)),
		ev(EvInteractionStateChange, iv("c", "hold", "voice", `"callParties":[`+p2+`],"callRecording":false,"callMuted":false`)),
		ev(EvInteractionStateChange, iv("c", "wrap_up", "voice", `"callParties":[`+p2+`],"disposition":"Sale"`)),
		ev(EvInteractionRemoved, iv("c", "completed", "voice", `"callParties":[],"disposition":"Sale"`)),
		ev(EvSaveActivityRecord, iv("c", "completed", "voice", `"disposition":"Sale"`)),
	)
	r := s.Row(RowKey("", "c"))
	want := []string{
		"new voice, state queued",
		"state queued → ivr",
		"state ivr → delivered", "recording started",
		"muted", "party joined: Bob (556)",
		"state delivered → hold", "unmuted", "recording stopped", "party left: Ann (555)",
		"state hold → wrap_up", "disposition set: Sale",
		"state wrap_up → completed", "party left: Bob (556)", "ended",
		"activity record saved (disposition Sale)",
	}
	if got := kinds(r); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("timeline\n got %q\nwant %q", got, want)
	}
	if !r.Ended || r.Record == nil || r.EndedAt != t0.Add(6*time.Second) {
		t.Errorf("ended=%v record=%v endedAt=%v", r.Ended, r.Record != nil, r.EndedAt)
	}
	if !r.Timeline[1].At().Equal(t0.Add(time.Second)) {
		t.Errorf("timeline time %v", r.Timeline[1].At())
	}
	sn := s.Snapshot()
	if sn.Stats.Open != 0 || sn.Stats.Ended != 1 || len(sn.Stats.ByState) != 0 {
		t.Errorf("stats %+v", sn.Stats)
	}
}

func TestApplyCountsAndAgents(t *testing.T) {
	s := NewStore()
	apply(t, s,
		evAgent("a1", EvLogin, `{"isLoggedIn":true,"username":"jdoe"}`),
		evAgent("a1", EvAgentStateChange, `"not_ready","Lunch"`),
		evAgent("a1", EvAgentStateChange, `"ready","ignored"`),
		evAgent("a1", EvNewInteraction, iv("x", "queued", "voice", "")),
		evAgent("a2", EvNewInteraction, iv("x", "delivered", "chat", "")),
		evAgent("a2", EvNewInteraction, iv("y", "delivered", "email", "")),
		evAgent("a1", EvActiveInteractionSwitch, `"x"`),
		evAgent("a1", EvScreenRecording, `{"allowed":true,"active":true,"muted":false}`),
		evAgent("a2", EvInteractionRemoved, iv("y", "completed", "email", "")),
		evAgent("a2", EvLogout, ``),
		evAgent("a2", "ON_FUTURE_EVENT", `1`),
		evAgent("a2", EvServerError, `{"code":500,"name":"Oops","timestamp":1}`),
	)
	sn := s.Snapshot()
	if len(sn.Rows) != 3 {
		t.Fatalf("rows %d, want 3 (same id under two agents is two rows)", len(sn.Rows))
	}
	st := sn.Stats
	if st.Open != 2 || st.Ended != 1 || st.ByState[StateQueued] != 1 || st.ByState[StateDelivered] != 1 ||
		st.ByType[TypeVoice] != 1 || st.ByType[TypeChat] != 1 || st.ByType[TypeEmail] != 0 {
		t.Errorf("stats %+v", st)
	}
	if st.Unknown["ON_FUTURE_EVENT"] != 1 || st.Events != 12 {
		t.Errorf("unknown %v events %d", st.Unknown, st.Events)
	}
	a1, a2 := sn.Agents[0], sn.Agents[1]
	if a1.ID != "a1" || a1.Username != "jdoe" || !a1.LoggedIn || a1.State != AgentReady || a1.Reason != "" ||
		a1.ActiveInteraction != "x" || a1.Screen == nil || !a1.Screen.Active {
		t.Errorf("a1 %+v", a1)
	}
	if a1.Since != t0.Add(2*time.Second) {
		t.Errorf("a1 since %v", a1.Since)
	}
	if a2.LoggedIn || a2.Handled != 1 {
		t.Errorf("a2 %+v", a2)
	}
	if len(sn.Alerts) != 1 || sn.Alerts[0].Kind != AlertServerError || !strings.Contains(sn.Alerts[0].Text, "500 Oops") {
		t.Errorf("alerts %+v", sn.Alerts)
	}
}

func TestResyncClosesAbsentAndUpserts(t *testing.T) {
	s := NewStore()
	apply(t, s,
		evAgent("a", EvNewInteraction, iv("keep", "delivered", "voice", "")),
		evAgent("a", EvNewInteraction, iv("gone", "delivered", "chat", "")),
		evAgent("b", EvNewInteraction, iv("other", "delivered", "chat", "")),
		evAgent("a", EvInteractionsState, `{"activeInteractionId":"new","interactions":[`+
			iv("keep", "hold", "voice", "")+`,`+iv("new", "queued", "email", "")+`]}`),
	)
	sn := s.Snapshot()
	if len(sn.Rows) != 4 {
		t.Fatalf("rows %d, want 4 (no duplicates)", len(sn.Rows))
	}
	got := map[string]string{}
	for _, r := range sn.Rows {
		got[r.Key] = fmt.Sprintf("%s ended=%v", r.Data.State, r.Ended)
	}
	want := map[string]string{"a/keep": "hold ended=false", "a/gone": "delivered ended=true",
		"b/other": "delivered ended=false", "a/new": "queued ended=false"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: got %q want %q", k, got[k], v)
		}
	}
	if sn.Agents[0].ActiveInteraction != "new" {
		t.Errorf("active %q", sn.Agents[0].ActiveInteraction)
	}
}

func TestSeqGapIsReported(t *testing.T) {
	s := NewStore()
	apply(t, s,
		`{"type":"ON_LOGOUT","params":[],"agentId":"a","seq":1}`,
		`{"type":"ON_LOGOUT","params":[],"agentId":"a","seq":2}`,
		`{"type":"ON_LOGOUT","params":[],"agentId":"a","seq":7}`,
		`{"type":"ON_LOGOUT","params":[],"agentId":"b","seq":40}`,
		`{"type":"ON_LOGOUT","params":[],"agentId":"a","seq":1}`, // bridge restarted: no gap
	)
	sn := s.Snapshot()
	if sn.Stats.Lost != 4 || sn.Agents[0].Lost != 4 {
		t.Errorf("lost %d / %d, want 4", sn.Stats.Lost, sn.Agents[0].Lost)
	}
	if len(sn.Alerts) != 1 || sn.Alerts[0].Text != "4 events lost from a" {
		t.Errorf("alerts %+v", sn.Alerts)
	}
}

func TestRetentionEvictsOldestEnded(t *testing.T) {
	s := NewStore(WithRetention(3))
	for i := range 2000 {
		id := fmt.Sprint(i)
		apply(t, s, ev(EvNewInteraction, iv(id, "delivered", "voice", "")))
		if i%2 == 0 {
			apply(t, s, ev(EvInteractionRemoved, iv(id, "completed", "voice", "")))
		}
	}
	sn := s.Snapshot()
	if sn.Stats.Ended != 3 || sn.Stats.Open != 1000 || len(sn.Rows) != 1003 || sn.Stats.Evicted != 997 {
		t.Errorf("ended %d open %d rows %d evicted %d", sn.Stats.Ended, sn.Stats.Open, len(sn.Rows), sn.Stats.Evicted)
	}
	for _, id := range []string{"1994", "1996", "1998"} {
		if r := s.Row(RowKey("", id)); r == nil || !r.Ended {
			t.Errorf("newest ended %s not retained", id)
		}
	}
	if s.Row(RowKey("", "0")) != nil {
		t.Error("oldest ended row still retained")
	}
}

func TestReopenAndAudioAlert(t *testing.T) {
	s := NewStore()
	apply(t, s,
		ev(EvNewInteraction, iv("c", "delivered", "voice", "")),
		ev(EvAudioQualityAlert, `"c","jitter"`),
		ev(EvAudioQualityAlert, `"c",false`),
		ev(EvAudioQualityAlert, `"unknown-call","loss"`),
		ev(EvInteractionRemoved, iv("c", "completed", "voice", "")),
		ev(EvNewInteraction, iv("c", "queued", "voice", "")),
	)
	r := s.Row(RowKey("", "c"))
	if r.Ended || r.AudioAlert != "" {
		t.Errorf("ended=%v alert=%q", r.Ended, r.AudioAlert)
	}
	txt := strings.Join(kinds(r), "|")
	for _, w := range []string{"audio-quality alert: jitter", "audio-quality alert cleared", "ended", "reopened"} {
		if !strings.Contains(txt, w) {
			t.Errorf("timeline %q lacks %q", txt, w)
		}
	}
	sn := s.Snapshot()
	if sn.Agents[0].AudioAlert != "loss" || len(sn.Alerts) != 2 {
		t.Errorf("agent alert %q alerts %d", sn.Agents[0].AudioAlert, len(sn.Alerts))
	}
}

// A snapshot that jumps the seq (a monitor's resync after a reconnect) restores the state the
// skipped events would have: no loss is reported, and the count goes on from its seq.
func TestSnapshotSeqJumpIsNoLoss(t *testing.T) {
	s := NewStore()
	apply(t, s,
		`{"type":"ON_LOGOUT","params":[],"agentId":"a","seq":1}`,
		`{"type":"INTERACTIONS_STATE","agentId":"a","seq":40,"params":[{"activeInteractionId":null,"interactions":[]}]}`,
		`{"type":"ON_LOGOUT","params":[],"agentId":"a","seq":41}`,
		`{"type":"ON_LOGOUT","params":[],"agentId":"a","seq":43}`, // a live event lost after it still counts
	)
	if sn := s.Snapshot(); sn.Stats.Lost != 1 || len(sn.Alerts) != 1 {
		t.Errorf("lost %d, alerts %+v; want only seq 42 lost", sn.Stats.Lost, sn.Alerts)
	}
}

// A rejected message that names a known agent and a seq did arrive: the next event of that agent
// reports no loss for it (only the seq it skipped is lost), and an unknown agent is not created.
func TestRejectedEventIsNotLost(t *testing.T) {
	s := NewStore()
	apply(t, s, `{"type":"ON_LOGOUT","params":[],"agentId":"a","seq":1}`)
	s.Reject(Origin{Source: "f", Line: 2}, "bad", []byte(`{"type":"ON_LOGOUT","agentId":"a","seq":2,"params":{}}`), t0)
	s.Reject(Origin{Source: "f", Line: 3}, "bad", []byte(`{"type":"ON_LOGOUT","agentId":"z","seq":9,"params":{}}`), t0)
	s.Reject(Origin{Source: "f", Line: 4}, "bad", []byte(`{"type":"ON_LOGOUT","agentId":"a","seq":4,"para`), t0)
	apply(t, s, `{"type":"ON_LOGOUT","params":[],"agentId":"a","seq":5}`)
	sn := s.Snapshot()
	if sn.Stats.Lost != 1 || len(sn.Agents) != 1 || sn.Agents[0].Lost != 1 {
		t.Errorf("lost %d, agents %d: want 1 lost (seq 3) and no agent z", sn.Stats.Lost, len(sn.Agents))
	}
}

func TestRejectAndVersion(t *testing.T) {
	s := NewStore()
	v0 := s.Version()
	s.Reject(Origin{Source: "f.jsonl", Line: 3}, "bad", []byte(strings.Repeat("x", 1000)), t0)
	sn := s.Snapshot()
	if s.Version() != v0+1 || sn.Stats.Rejected != 1 || len(sn.Rejections[0].Raw) != 256 ||
		sn.Rejections[0].Origin.String() != "f.jsonl:3" {
		t.Errorf("rejections %+v", sn.Rejections)
	}
	if s.Snapshot() != sn {
		t.Error("a second snapshot at the same version should be shared")
	}
	for i := range 1500 {
		s.Reject(Origin{Source: "ws://x", Conn: 2, Msg: int64(i + 1)}, "bad", nil, t0)
	}
	sn = s.Snapshot()
	if len(sn.Rejections) != maxRejections || sn.Stats.Rejected != 1501 ||
		sn.Rejections[len(sn.Rejections)-1].Origin.String() != "ws://x conn 2 msg 1500" {
		t.Errorf("ring: %d kept, total %d, last %v", len(sn.Rejections), sn.Stats.Rejected,
			sn.Rejections[len(sn.Rejections)-1].Origin)
	}
}

// TestConcurrentReaders runs one writer against readers that take snapshots all along (-race
// checks the memory accesses). Each reader sees the version only rise and a whole result from a
// query; a snapshot never changes after it was taken, though the writer goes on changing the
// rows it holds; and the final state is that of a store no reader touched.
func TestConcurrentReaders(t *testing.T) {
	t.Parallel()
	events := concurrentEvents(t)
	s := NewStore(WithRetention(50))
	const readers = 4
	var wg sync.WaitGroup
	done := make(chan struct{})
	took := make(chan uint64, readers)
	held := make([][]heldSnapshot, readers)
	for k := range readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var last, next uint64
			for {
				sn := s.Snapshot()
				if sn.Version < last {
					t.Errorf("reader %d saw version %d after %d", k, sn.Version, last)
				}
				last = sn.Version
				if sn.Version >= next {
					held[k] = append(held[k], heldSnapshot{sn, fingerprint(sn)})
					next = sn.Version + 100
				}
				if got := (Query{Sort: SortDuration}).Run(sn.Rows, t0); len(got) != len(sn.Rows) {
					t.Errorf("query of %d rows gave %d", len(sn.Rows), len(got))
				}
				select {
				case took <- sn.Version:
				default:
				}
				select {
				case <-done:
					return
				default:
				}
			}
		}()
	}
	versions := map[uint64]bool{}
	for i, e := range events {
		s.Apply(e, t0)
		if i%300 == 0 { // let a reader take a snapshot now, so reads interleave with the writes
			for len(took) > 0 {
				<-took
			}
			versions[<-took] = true
		}
	}
	close(done)
	wg.Wait()
	if len(versions) < 2 {
		t.Errorf("the readers only ever saw versions %v", versions)
	}
	for k := range held {
		for _, h := range held[k] {
			if got := fingerprint(h.sn); got != h.print {
				t.Errorf("the snapshot at version %d changed after it was taken:\n%s\nnow\n%s", h.sn.Version, h.print, got)
			}
		}
	}
	ref := NewStore(WithRetention(50))
	for _, e := range events {
		ref.Apply(e, t0)
	}
	if got, want := fingerprint(s.Snapshot()), fingerprint(ref.Snapshot()); got != want {
		t.Errorf("with readers the store ended as\n%s\nwithout\n%s", got, want)
	}
}

// heldSnapshot is a snapshot a reader kept and what it held when taken.
type heldSnapshot struct {
	sn    *Snapshot
	print string
}

// fingerprint writes down what a snapshot holds: its version, its rows' keys, states, ends,
// timelines and update times, and its counts by state.
func fingerprint(sn *Snapshot) string {
	var b strings.Builder
	fmt.Fprintf(&b, "v%d rows=%d agents=%d %v\n", sn.Version, len(sn.Rows), len(sn.Agents), sn.Stats.ByState)
	for _, r := range sn.Rows {
		fmt.Fprintf(&b, "%s %s ended=%v timeline=%d %d;", r.Key, r.Data.State, r.Ended, len(r.Timeline),
			r.Updated.UnixNano())
	}
	return b.String()
}

// concurrentEvents are 3,000 state changes of 200 interactions, and a removal after every seventh.
func concurrentEvents(t *testing.T) []Event {
	t.Helper()
	var out []Event
	for i := range 3000 {
		id := fmt.Sprint(i % 200)
		lines := []string{ev(EvInteractionStateChange, iv(id, string(States[i%len(States)]), "voice", ""))}
		if i%7 == 0 {
			lines = append(lines, ev(EvInteractionRemoved, iv(id, "completed", "voice", "")))
		}
		for _, l := range lines {
			e, err := Decode([]byte(l))
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, e)
		}
	}
	return out
}

// An agent whose desktop reports a state is logged in, as its figures say, even when the monitor
// joined after the login: the header does not call it logged out.
func TestStateChangeMeansLoggedIn(t *testing.T) {
	t.Parallel()
	s := NewStore()
	at := time.Unix(1700000000, 0)
	s.Apply(Event{Type: EvAgentStateChange, AgentID: "a", TS: at, Payload: &AgentStateChange{State: AgentReady}}, at)
	ag := s.Snapshot().Agents[0]
	figs := s.Snapshot().Floor.Figures(at, SinceStart)
	fig, _ := figs.Agent("a")
	if !ag.LoggedIn || !fig.LoggedIn {
		t.Errorf("after a state change: agent logged in %v, figures say %v", ag.LoggedIn, fig.LoggedIn)
	}
}
