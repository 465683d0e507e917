package hub

import (
	"slices"
	"testing"

	"github.com/deskwatch/deskwatch/model"
)

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
		ev, err := model.Decode(data)
		if err != nil {
			return
		}
		flt := &filter{services: map[string]bool{"Sales": true}, passed: map[string]map[string]bool{}}
		out, ok, err := flt.pass(ev, data)
		if err != nil || !ok {
			return
		}
		if out == nil {
			out = data
		}
		sent, err := model.Decode(out)
		if err != nil {
			t.Fatalf("the filter sent a message the model refuses: %v\n%q", err, out)
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
