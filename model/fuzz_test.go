package model

import (
	"testing"
	"time"

	"github.com/go-json-experiment/json"
)

// FuzzDecodeApply feeds arbitrary messages through the decoder and the store: nothing may panic, a
// rejected message must say why, and an accepted one must apply.
func FuzzDecodeApply(f *testing.F) {
	f.Add([]byte(ev(EvNewInteraction, iv("a", "queued", "voice", `"callParties":[{"id":"p","name":"x","phone":"1"}]`))))
	f.Add([]byte(ev(EvInteractionsState, `{"activeInteractionId":null,"interactions":[`+iv("a", "hold", "chat", "")+`]}`)))
	f.Add([]byte(`{"type":"ON_AGENT_STATE_CHANGE","params":["not_ready","Lunch"],"agentId":"a","seq":3,"ts":1}`))
	f.Add([]byte(`{"type":"ON_CALL_AUDIO_QUALITY_ALERT","params":["a",{"x":1}]}`))
	f.Add([]byte(`{"type":"DESKWATCH_DESKTOP","agentId":"a","ts":2,"params":[{"status":"gone","reason":"x"}]}`))
	f.Add([]byte(`{"type":"DESKWATCH_RESYNC_END","ts":3,"params":[]}`))
	f.Add([]byte(`{"type":5}`))
	f.Add([]byte("\xef\xbb\xbf{}"))
	s := NewStore(WithRetention(10))
	s.BeginResync() // a resync's end then ends what it did not list
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := Decode(data)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("rejection without a reason")
			}
			s.Reject(Origin{Source: "fuzz", Line: 1}, err.Error(), data, time.Time{})
			return
		}
		// Whatever was accepted is valid text that re-encodes as strict JSON (the export and the
		// hub's snapshots re-encode it), and a repaired message decodes again without a repair.
		if _, err := json.Marshal(e.Payload); err != nil {
			t.Fatalf("accepted, but does not re-encode: %v", err)
		}
		if e.Repaired != nil {
			if again, err := Decode(e.Repaired); err != nil || again.Repaired != nil {
				t.Fatalf("repaired %q decodes with %v, repaired again: %t", e.Repaired, err, again.Repaired != nil)
			}
		}
		v := s.Version()
		at := e.TS // the event's own time, as the pump files it, else a fixed one
		if at.IsZero() {
			at = time.UnixMilli(1)
		}
		s.Apply(e, at)
		if s.Version() <= v {
			t.Fatal("apply did not advance the version")
		}
		_ = s.Snapshot()
	})
}
