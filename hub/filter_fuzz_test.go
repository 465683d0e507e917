package hub

import (
	"slices"
	"testing"

	"github.com/deskwatch/deskwatch/model"
)

// sentThrough decodes data and runs it through send, a filter's pass or admit, as a monitor's
// connection does; ok is false when the model refuses data or the filter sends nothing. out is
// what the monitor is sent (data itself when the filter passes it as it is) and sent its decoding,
// which must not fail.
func sentThrough(t *testing.T, data []byte, send func(model.Event, []byte) ([]byte, bool, error)) (ev, sent model.Event, out []byte, ok bool) {
	t.Helper()
	ev, err := model.Decode(data)
	if err != nil {
		return ev, sent, nil, false
	}
	out, ok, err = send(ev, data)
	if err != nil || !ok {
		return ev, sent, nil, false
	}
	if out == nil {
		out = data
	}
	sent, err = model.Decode(out)
	if err != nil {
		t.Fatalf("the filter sent a message the model refuses: %v\n%q", err, out)
	}
	return ev, sent, out, true
}

// FuzzServiceFilterFailsClosed: for any message the model accepts, a ?service=Sales filter either
// leaves it out (an error) or sends a message whose interactions are all Sales ones (or ones it
// passed before): never the message whole when it could not cut it down.
func FuzzServiceFilterFailsClosed(f *testing.F) {
	for _, seed := range []string{
		event("INTERACTIONS_STATE", "a1", t0, 1, `[{"activeInteractionId":null,"interactions":[`+
			interaction("i1", "delivered", "Sales")+","+interaction("i2", "delivered", "Support")+`]}]`),
		// Invalid UTF-8 in a member the hub passes through: the rewrite cannot encode it.
		event("INTERACTIONS_STATE", "a1", t0, 1, `[{"activeInteractionId":null,"x":"`+"\xff"+`","interactions":[`+
			interaction("i1", "delivered", "Sales")+","+interaction("i2", "delivered", "Support")+`]}]`),
		// Duplicate member names, which the model tolerates.
		`{"type":"INTERACTIONS_STATE","agentId":"a1","params":[{"interactions":[],"interactions":[` +
			interaction("i2", "delivered", "Support") + `]}]}`,
		event("ON_NEW_INTERACTION", "a1", t0, 1, "["+interaction("i3", "delivered", "Support")+"]"),
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		flt := &filter{services: map[string]bool{"Sales": true}, passed: map[string]map[string]bool{}}
		ev, sent, out, ok := sentThrough(t, data, flt.pass)
		if !ok {
			return
		}
		check := func(in *model.Interaction) {
			if model.Str(in.Service) != "Sales" {
				t.Fatalf("a Sales monitor was sent interaction %q of service %q:\n%q", in.ID, model.Str(in.Service), out)
			}
		}
		switch p := sent.Payload.(type) {
		case *model.Interaction:
			check(p)
		case *model.InteractionsState:
			for i := range p.Interactions {
				check(&p.Interactions[i])
			}
			if !slices.Equal(out, data) && len(p.Interactions) > len(ev.Payload.(*model.InteractionsState).Interactions) {
				t.Fatalf("the cut message lists more interactions than it came with:\n%q", out)
			}
		}
	})
}

// FuzzScopedFilterNeverLeaks: a monitor whose token is scoped to Sales alone, and which has been
// sent nothing yet, is sent of any message the model accepts at most a Sales interaction or a
// snapshot cut down to Sales interactions, with no other interaction in front of the agent: never
// an agent-level event, an alert, or another service's interaction.
func FuzzScopedFilterNeverLeaks(f *testing.F) {
	for _, seed := range []string{
		event("INTERACTIONS_STATE", "a1", t0, 1, `[{"activeInteractionId":"i2","interactions":[`+
			interaction("i1", "delivered", "Sales")+","+interaction("i2", "delivered", "Support")+`]}]`),
		event("INTERACTIONS_STATE", "a1", t0, 1, `[{"activeInteractionId":"i2","interactions":[`+
			interaction("i2", "delivered", "Support")+`]}]`),
		event("ON_NEW_INTERACTION", "a1", t0, 1, "["+interaction("i3", "delivered", "Support")+"]"),
		event("ON_AGENT_STATE_CHANGE", "a1", t0, 1, `["ready"]`),
		event("ON_ACTIVE_INTERACTION_SWITCHED", "a1", t0, 1, `["i1"]`),
		event("ON_CALL_AUDIO_QUALITY_ALERT", "a1", t0, 1, `["i1","jitter"]`),
		event("DESKWATCH_DESKTOP", "a1", t0, 0, `[{"status":"gone","reason":"x"}]`),
		event("DESKWATCH_RECLAIMED", "a1", t0, 0, `[{"interactions":["i1","i3"],"text":"x"}]`),
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		flt := &filter{}
		flt.restrict(&grant{services: map[string]bool{"Sales": true}})
		_, sent, out, ok := sentThrough(t, data, flt.admit)
		if !ok {
			return
		}
		switch p := sent.Payload.(type) {
		case *model.Interaction:
			if model.Str(p.Service) != "Sales" {
				t.Fatalf("sent another service's interaction:\n%q", out)
			}
		case *model.InteractionsState:
			listed := map[string]bool{}
			for _, in := range p.Interactions {
				if listed[in.ID] = true; model.Str(in.Service) != "Sales" {
					t.Fatalf("sent a snapshot with another service's interaction:\n%q", out)
				}
			}
			if a := model.Str(p.ActiveInteractionID); len(listed) == 0 || a != "" && !listed[a] {
				t.Fatalf("sent a snapshot of an agent with nothing in scope, or its active interaction %q:\n%q", a, out)
			}
		default:
			t.Fatalf("sent an agent-level event of an agent it was sent no interaction of:\n%q", out)
		}
	})
}

// admit is the whole decision on one event for a subscriber, as the hub makes it: agentPasses,
// then pass.
func (f *filter) admit(ev model.Event, data []byte) (rewritten []byte, ok bool, err error) {
	if !f.agentPasses(ev.AgentID) {
		return nil, false, nil
	}
	return f.pass(ev, data)
}
