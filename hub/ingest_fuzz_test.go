package hub

import (
	"testing"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/gorilla/websocket"

	"github.com/deskwatch/deskwatch/model"
)

// fuzzLimit is FuzzIngestMessage's --max-message: small, so that the peek of an oversize message
// (its head, cut) is fuzzed as much as the decode of a whole one.
const fuzzLimit = 256

// ingestOne hands one text message to the hub as readBridge does once it has read it: a message
// over the limit is cut to it and rejected by its head, any other is decoded and admitted. Unlike
// the read loop it does not recover panics, so that the fuzzer sees them.
func ingestOne(h *Hub, b *bridgeConn, data []byte) {
	b.msgs++
	if n := int64(len(data)); n > fuzzLimit {
		h.rejectOversize(b, data[:fuzzLimit], n)
		return
	}
	h.handleBridgeMessage(b, websocket.TextMessage, data)
}

// FuzzIngestMessage feeds arbitrary bytes to the hub's ingest path below the WebSocket (peek,
// decode, admit, apply) after a valid opening event, and checks that nothing panics and that what
// was accepted goes out again as valid JSON: the text relayed live, and every message of the
// resync snapshot a new monitor is sent, which the monitor's decoder must accept.
func FuzzIngestMessage(f *testing.F) {
	f.Add([]byte(event(model.EvNewInteraction, "a1", t0, 2, "["+interaction("i2", "hold", "S")+"]")))
	f.Add([]byte(`{"type":"ON_AGENT_STATE_CHANGE","agentId":"a1","seq":2,"params":["not_ready","Lunch"]}`))
	opening := []byte(event(model.EvNewInteraction, "a1", t0, 1, "["+interaction("i1", "talking", "S")+"]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		h := New(Config{MaxMessage: fuzzLimit})
		defer h.Close()
		b := &bridgeConn{id: 1, session: "fuzz", agents: map[string]bool{}}
		h.handleBridgeMessage(b, websocket.TextMessage, opening)
		ingestOne(h, b, data)
		if ev, err := model.Decode(data); err == nil && len(data) <= fuzzLimit {
			relayed := data
			if ev.Repaired != nil {
				relayed = ev.Repaired
			}
			if !jsontext.Value(relayed).IsValid() {
				t.Fatalf("accepted %q relays invalid JSON %q", data, relayed)
			}
		}
		checkSnapshotDecodes(t, h)
	})
}

// checkSnapshotDecodes encodes the hub's store as a new monitor receives it and decodes every
// message as the monitor does.
func checkSnapshotDecodes(t *testing.T, h *Hub) {
	t.Helper()
	sn := h.store.Snapshot()
	if len(sn.Agents) == 0 {
		t.Fatal("the opening event was not applied")
	}
	open := make(map[string][]*model.Row)
	for _, r := range sn.Rows {
		if !r.Ended {
			open[r.AgentID] = append(open[r.AgentID], r)
		}
	}
	skip := func(format string, args ...any) { t.Logf("skipped: "+format, args...) }
	for _, ag := range sn.Agents {
		for _, msg := range h.snapshotEvents(ag, open[ag.ID], &filter{}, skip) {
			if !jsontext.Value(msg).IsValid() {
				t.Fatalf("snapshot of agent %q: invalid JSON %q", ag.ID, msg)
			}
			if _, err := model.Decode(msg); err != nil {
				t.Fatalf("snapshot of agent %q: %q does not decode: %v", ag.ID, msg, err)
			}
		}
	}
}
