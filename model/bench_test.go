package model

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"
)

// benchLines is a realistic mix: calls moving through their states with parties and attached data,
// chats, agent state changes. n lines over 50 agents.
func benchLines(n int) [][]byte {
	states := []string{"queued", "ivr", "delivered", "hold", "delivered", "wrap_up"}
	lines := make([][]byte, 0, n)
	for i := 0; len(lines) < n; i++ {
		agent := fmt.Sprintf("agent%02d", i%50)
		ts := t0.UnixMilli() + int64(i)*100
		if i%10 == 9 {
			lines = append(lines, fmt.Appendf(nil, `{"type":"ON_AGENT_STATE_CHANGE","agentId":%q,"ts":%d,"params":["not_ready","Lunch"]}`, agent, ts))
			continue
		}
		typ := "ON_INTERACTION_STATE_CHANGE"
		if i%6 == 0 {
			typ = "ON_NEW_INTERACTION"
		}
		lines = append(lines, fmt.Appendf(nil, `{"type":%q,"agentId":%q,"ts":%d,"seq":%d,"params":[{"interactionId":"int-%06d",`+
			`"state":%q,"type":"voice","subject":"Billing question about invoice %d","associatedObjects":{"list":[],"selected":null},`+
			`"callParties":[{"id":"p1","name":"Caller %d","phone":"+14155550%03d"},{"id":"p2","name":"Agent %d","phone":"1001","userId":"u%d"}],`+
			`"callMuted":%t,"callRecording":true,"attachedData":{"account":"ACME-%d","tier":"gold"},"ANI":"+14155550%03d",`+
			`"DNIS":"+18005550000","callDirection":"inbound","service":"Billing","startTime":%d,"globalInteractionId":"g-%d"}]}`,
			typ, agent, ts, i/50+1, i/6, states[i%len(states)], i, i, i%1000, i%50, i%50, i%7 == 0, i, i%1000, ts, i))
	}
	return lines
}

func totalBytes(lines [][]byte) int64 {
	var n int64
	for _, l := range lines {
		n += int64(len(l))
	}
	return n
}

// BenchmarkIngest is deskwatch's decode and apply of each line into a store, the whole path an
// event takes before a viewer can draw it.
func BenchmarkIngest(b *testing.B) { benchIngest(b, Decode) }

// BenchmarkIngestFloor is BenchmarkIngest with the floor statistics on (every store's default) and
// off (WithoutFloorStats, the hub's store), in the same run: what the statistics cost.
func BenchmarkIngestFloor(b *testing.B) {
	b.Run("stats", func(b *testing.B) { benchIngest(b, Decode) })
	b.Run("without", func(b *testing.B) { benchIngest(b, Decode, WithoutFloorStats()) })
}

// benchIngest decodes (with decode) and applies 10,000 lines into a new store (made with opts) per
// iteration.
func benchIngest(b *testing.B, decode func([]byte) (Event, error), opts ...Option) {
	lines := benchLines(10000)
	b.SetBytes(totalBytes(lines))
	b.ReportAllocs()
	for b.Loop() {
		s := NewStore(opts...)
		for _, l := range lines {
			ev, err := decode(l)
			if err != nil {
				b.Fatal(err)
			}
			s.Apply(ev, ev.TS)
		}
	}
	b.ReportMetric(float64(len(lines)*b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkEncodingJSON decodes the same bytes with plain encoding/json into typed structs (the
// envelope, then each InteractionData) and applies nothing: the baseline BenchmarkIngest is
// compared with.
func BenchmarkEncodingJSON(b *testing.B) {
	lines := benchLines(10000)
	type envelope struct {
		Type    string            `json:"type"`
		AgentID string            `json:"agentId"`
		TS      float64           `json:"ts"`
		Seq     int64             `json:"seq"`
		Params  []json.RawMessage `json:"params"`
	}
	b.SetBytes(totalBytes(lines))
	b.ReportAllocs()
	for b.Loop() {
		for _, l := range lines {
			var env envelope
			if err := json.Unmarshal(l, &env); err != nil {
				b.Fatal(err)
			}
			if env.Type == "ON_AGENT_STATE_CHANGE" {
				var s string
				_ = json.Unmarshal(env.Params[0], &s)
				continue
			}
			var in struct {
				Interaction
				Extra map[string]json.RawMessage `json:"-"`
			}
			if err := json.Unmarshal(env.Params[0], &in); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(len(lines)*b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkSnapshot is the cost of the first snapshot after a change with 100,000 rows in the store
// (shared by every viewer at that version).
func BenchmarkSnapshot(b *testing.B) {
	s := NewStore(WithRetention(100000))
	for _, l := range benchLines(100000) {
		ev, _ := Decode(l)
		s.Apply(ev, ev.TS)
	}
	ev, _ := Decode(benchLines(1)[0])
	b.ReportAllocs()
	for b.Loop() {
		s.Apply(ev, t0.Add(time.Hour))
		_ = s.Snapshot()
	}
}

// BenchmarkIngestSnapshotEach applies an event and takes a snapshot, as a live monitor at a low
// rate does: the floor statistics then copy each record they change (copy on write), stats on vs
// off in the same run.
func BenchmarkIngestSnapshotEach(b *testing.B) {
	for _, c := range []struct {
		name string
		opts []Option
	}{{"stats", nil}, {"without", []Option{WithoutFloorStats()}}} {
		b.Run(c.name, func(b *testing.B) {
			lines := benchLines(2000)
			evs := make([]Event, len(lines))
			for i, l := range lines {
				evs[i], _ = Decode(l)
			}
			b.ReportAllocs()
			for b.Loop() {
				s := NewStore(c.opts...)
				for _, ev := range evs {
					s.Apply(ev, ev.TS)
					_ = s.Snapshot()
				}
			}
			b.ReportMetric(float64(len(evs)*b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// BenchmarkFloorFigures is the read-time cost of the floor's figures (a frame of the services view
// or the wallboard) with 500 agents, 50 services and an hour of events, in the rolling window.
func BenchmarkFloorFigures(b *testing.B) {
	s := NewStore()
	for i := range 36000 {
		at := t0.Add(time.Duration(i) * 100 * time.Millisecond)
		agent := fmt.Sprintf("agent%03d", i%500)
		if i%7 == 0 {
			st := []AgentState{AgentReady, AgentBusy, AgentAfterCallWork, AgentNotReady}[i/7%4]
			s.Apply(Event{Type: EvAgentStateChange, AgentID: agent, TS: at, Payload: &AgentStateChange{State: st,
				Reason: "Break"}}, at)
			continue
		}
		svc := fmt.Sprintf("service%02d", i%50)
		in := &Interaction{ID: fmt.Sprintf("c%d", i/3), Type: TypeVoice, Service: &svc,
			State: []State{StateQueued, StateDelivered, StateWrapUp}[i%3]}
		typ := EvInteractionStateChange
		if i%3 == 2 {
			typ = EvInteractionRemoved
		}
		s.Apply(Event{Type: typ, AgentID: agent, TS: at, Payload: in}, at)
	}
	fl := s.Snapshot().Floor
	now := t0.Add(time.Hour)
	b.ReportAllocs()
	for b.Loop() {
		_ = fl.Figures(now, Rolling)
	}
}
