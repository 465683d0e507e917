package model

import (
	"strings"
	"testing"
)

// A member named as an envelope or InteractionData member in other letter case is refused, at any
// depth, saying which: a reader that ignores case would take it for the member it mimics.
func TestDecodeRefusesCaseTwins(t *testing.T) {
	t.Parallel()
	in := func(extra string) string {
		return `{"type":"ON_NEW_INTERACTION","agentId":"a.jones","params":[{"interactionId":"x","state":"ringing",` +
			`"type":"voice","callParties":[{"id":"1","name":"A","phone":"1"}],"attachedData":{},` +
			`"associatedObjects":{"list":[{"id":"o","type":"t","displayName":"d","displayType":"c"}]}` + extra + `}]}`
	}
	for msg, want := range map[string]string{
		`{"type":"ON_LOGOUT","agentId":"a.jones","Type":"DESKWATCH_DESKTOP","params":[{}]}`:      `"Type": differs from "type"`,
		`{"type":"ON_AGENT_STATE_CHANGE","agentId":"a.jones","AgentId":"b.smith","params":[{}]}`: `"AgentId": differs from "agentId"`,
		`{"type":"ON_AGENT_STATE_CHANGE","agentId":"a.jones","SEQ":4,"params":[{}]}`:             `"SEQ": differs from "seq"`,
		in(`,"InteractionId":"y"`): `params[0]."InteractionId": differs from "interactionId"`,
		in(`,"dnis":"5"`):          `params[0]."dnis": differs from "DNIS"`,
		strings.Replace(in(""), `"name":"A"`, `"name":"A","Name":"B"`, 1):                           `params[0].callParties[0]."Name"`,
		strings.Replace(in(""), `"displayName":"d"`, `"displayName":"d","DisplayName":"e"`, 1):      `params[0].associatedObjects.list[0]."DisplayName"`,
		strings.Replace(in(""), `"associatedObjects":{`, `"associatedObjects":{"Selected":"o",`, 1): `params[0].associatedObjects."Selected"`,
		`{"type":"INTERACTIONS_STATE","agentId":"a.jones","params":[{"interactions":[` + strings.TrimSuffix(strings.TrimPrefix(in(`,"STATE":"x"`), `{"type":"ON_NEW_INTERACTION","agentId":"a.jones","params":[`), `]}`) + `]}]}`: `"STATE"`,
	} {
		_, err := Decode([]byte(msg))
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "letter case") {
			t.Errorf("Decode(%s) = %v, want an error with %s", msg, err, want)
		}
	}
	// Unknown members in no known member's likeness are kept as before.
	ev, err := Decode([]byte(in(`,"chatParties":[],"interactionKind":"x"`)))
	if err != nil {
		t.Fatal(err)
	}
	if in := ev.Payload.(*Interaction); len(in.Extra) != 2 {
		t.Errorf("unknown members: %v", in.Extra)
	}
}
