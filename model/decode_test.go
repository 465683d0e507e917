package model

import (
	"errors"
	"strings"
	"testing"
)

// iv builds an interaction JSON object with the given extra members.
func iv(id, state, typ string, extra string) string {
	s := `{"interactionId":"` + id + `","state":"` + state + `","type":"` + typ + `","subject":"s",` +
		`"associatedObjects":{"list":[],"selected":null},"callParties":[],"callMuted":false,` +
		`"callRecording":false,"attachedData":{}`
	if extra != "" {
		s += "," + extra
	}
	return s + "}"
}

func ev(typ, params string) string { return `{"type":"` + typ + `","params":[` + params + `]}` }

func TestDecodeRejects(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"not json", `hello`, "not valid JSON at byte"},
		{"truncated", `{"type":"ON_LOGOUT","params":[`, "not valid JSON"},
		{"not an object", `[1,2]`, "event: want object"},
		{"no type", `{"params":[]}`, `missing "type"`},
		{"type not string", `{"type":5,"params":[]}`, "type: want string, got number"},
		{"no params", `{"type":"ON_LOGOUT"}`, `missing "params"`},
		{"params null", `{"type":"ON_LOGOUT","params":null}`, `missing "params"`},
		{"params object", `{"type":"ON_LOGOUT","params":{}}`, "params: want array, got object"},
		{"agentId number", `{"type":"ON_LOGOUT","params":[],"agentId":7}`, "agentId: want string, got number"},
		{"ts string", `{"type":"ON_LOGOUT","params":[],"ts":"x"}`, "ts: want number, got string"},
		{"interaction missing", ev("ON_NEW_INTERACTION", ""), "params: want at least 1"},
		{"interaction null", ev("ON_NEW_INTERACTION", "null"), "params[0]: want object, got null"},
		{"interaction string", ev("ON_NEW_INTERACTION", `"x"`), "params[0]: want object, got string"},
		{"muted string", ev("ON_INTERACTION_STATE_CHANGE", iv("a", "hold", "voice", `"callMuted":"yes"`)),
			"params[0].callMuted: want boolean, got string"},
		{"recording number", ev("ON_NEW_INTERACTION", iv("a", "hold", "voice", `"callRecording":1`)),
			"params[0].callRecording: want boolean, got number"},
		{"parties object", ev("ON_NEW_INTERACTION", iv("a", "hold", "voice", `"callParties":{}`)),
			"params[0].callParties: want array, got object"},
		{"party id number", ev("ON_NEW_INTERACTION", iv("a", "hold", "voice", `"callParties":[{"id":1}]`)),
			"params[0].callParties[0].id: want string, got number"},
		{"attached number", ev("ON_NEW_INTERACTION", iv("a", "hold", "voice", `"attachedData":{"k":2}`)),
			"params[0].attachedData.k: want string, got number"},
		{"startTime string", ev("ON_NEW_INTERACTION", iv("a", "hold", "voice", `"startTime":"now"`)),
			"params[0].startTime: want number, got string"},
		{"no id", ev("ON_NEW_INTERACTION", `{"state":"queued","type":"voice"}`), "params[0].interactionId: missing"},
		{"no state", ev("ON_NEW_INTERACTION", `{"interactionId":"a","type":"voice"}`), "params[0].state: missing"},
		{"no type field", ev("ON_NEW_INTERACTION", `{"interactionId":"a","state":"queued"}`), "params[0].type: missing"},
		{"state number", ev("ON_NEW_INTERACTION", `{"interactionId":"a","state":3,"type":"voice"}`), "params[0].state: want string, got number"},
		{"snapshot interaction bad", ev("INTERACTIONS_STATE", `{"activeInteractionId":null,"interactions":[{"interactionId":"a","state":"queued"}]}`),
			"params[0].interactions[0].type: missing"},
		{"agent state number", ev("ON_AGENT_STATE_CHANGE", `1`), "params[0]: want string, got number"},
		{"login bool", ev("ON_LOGIN", `{"isLoggedIn":"yes"}`), "params[0].isLoggedIn: want boolean, got string"},
		{"screen rec", ev("ON_SCREEN_RECORDING_STATE_CHANGE", `{"allowed":1}`), "params[0].allowed: want boolean, got number"},
		{"audio alert call id", ev("ON_CALL_AUDIO_QUALITY_ALERT", `5,true`), "params[0]: want string, got number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode([]byte(tt.in))
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("Decode(%s) = %v, want a DecodeError", tt.in, err)
			}
			if !strings.Contains(de.Reason, tt.want) {
				t.Errorf("reason %q, want it to contain %q", de.Reason, tt.want)
			}
		})
	}
}

func TestDecodeEveryEventType(t *testing.T) {
	full := iv("i-1", "delivered", "voice", `"phoneNumber":"+15550100","email":"a@b.c","description":"d",`+
		`"disposition":"Sale","globalInteractionId":"g","service":"Sales","playbackUrl":"http://p",`+
		`"recordingUrl":"http://r","DNIS":"800","ANI":"555","callDirection":"inbound","startTime":1700000000000,`+
		`"endTime":1700000060000,"duration":60,"origination":"dialpad","chatParties":[1],"internal":true`)
	tests := []struct {
		in    string
		check func(t *testing.T, e Event)
	}{
		{ev(EvNewInteraction, full), func(t *testing.T, e Event) {
			in := e.Payload.(*Interaction)
			if Str(in.ANI) != "555" || Str(in.DNIS) != "800" || *in.Duration != 60 || *in.Origination != "dialpad" ||
				*in.CallDirection != DirectionInbound || Str(in.RecordingURL) != "http://r" || len(in.Extra) != 2 {
				t.Errorf("fields not decoded: %+v", in)
			}
		}},
		{ev(EvInteractionStateChange, iv("a", "hold", "chat", "")), nil},
		{ev(EvInteractionRemoved, iv("a", "completed", "email", "")), nil},
		{ev(EvSaveActivityRecord, iv("a", "completed", "email", `"disposition":"Done"`)), nil},
		{ev(EvActiveInteractionSwitch, `"a"`), func(t *testing.T, e Event) {
			if e.Payload.(*ActiveSwitch).ID != "a" {
				t.Error("active id")
			}
		}},
		{ev(EvActiveInteractionSwitch, `null`), func(t *testing.T, e Event) {
			if e.Payload.(*ActiveSwitch).ID != "" {
				t.Error("null active id")
			}
		}},
		{ev(EvAgentStateChange, `"not_ready","Lunch"`), func(t *testing.T, e Event) {
			if p := e.Payload.(*AgentStateChange); p.State != AgentNotReady || p.Reason != "Lunch" {
				t.Errorf("got %+v", p)
			}
		}},
		{ev(EvLogin, `{"isLoggedIn":true,"agentId":"a1","username":"jdoe","sessionId":"s"}`), func(t *testing.T, e Event) {
			if p := e.Payload.(*Login); !p.IsLoggedIn || p.Username != "jdoe" {
				t.Errorf("got %+v", p)
			}
		}},
		{ev(EvLogout, ``), func(t *testing.T, e Event) {
			if _, ok := e.Payload.(Logout); !ok {
				t.Error("logout")
			}
		}},
		{ev(EvServerError, `{"code":503,"name":"Unavailable","timestamp":1,"message":"m"}`), func(t *testing.T, e Event) {
			if p := e.Payload.(*ServerError); string(p.Code) != "503" || p.Name != "Unavailable" {
				t.Errorf("got %+v", p)
			}
		}},
		{ev(EvAudioQualityAlert, `"c1",{"type":"jitter"}`), func(t *testing.T, e Event) {
			if p := e.Payload.(*AudioQualityAlert); !p.Active || p.CallID != "c1" || p.Detail != `{"type":"jitter"}` {
				t.Errorf("got %+v", p)
			}
		}},
		{ev(EvAudioQualityAlert, `"c1",null`), func(t *testing.T, e Event) {
			if p := e.Payload.(*AudioQualityAlert); p.Active {
				t.Errorf("null should clear: %+v", p)
			}
		}},
		{ev(EvScreenRecording, `{"allowed":true,"active":true,"muted":false}`), nil},
		{ev(EvInteractionsState, `{"activeInteractionId":"a","interactions":[`+iv("a", "queued", "voice", "")+`]}`), func(t *testing.T, e Event) {
			if p := e.Payload.(*InteractionsState); len(p.Interactions) != 1 || Str(p.ActiveInteractionID) != "a" {
				t.Errorf("got %+v", p)
			}
		}},
		{`{"type":"ON_SOMETHING_NEW","params":[1,2],"agentId":"x","ts":1700000000000,"seq":4,"extra":true}`, func(t *testing.T, e Event) {
			if p := e.Payload.(*Unknown); p.Params != 2 || e.AgentID != "x" || e.Seq != 4 || !e.HasSeq || e.TS.UnixMilli() != 1700000000000 {
				t.Errorf("got %+v %+v", e, p)
			}
		}},
	}
	for _, tt := range tests {
		e, err := Decode([]byte(tt.in))
		if err != nil {
			t.Errorf("Decode(%.60s…) = %v", tt.in, err)
			continue
		}
		if tt.check != nil {
			tt.check(t, e)
		}
	}
}

// allKnown checks that every value of a documented list says it is known.
func allKnown[T interface {
	~string
	Known() bool
}](t *testing.T, values []T) {
	t.Helper()
	for _, v := range values {
		if !v.Known() {
			t.Errorf("%s should be known", v)
		}
	}
}

func TestEnumsKeepUnknownValues(t *testing.T) {
	allKnown(t, States)
	allKnown(t, Types)
	allKnown(t, Originations)
	allKnown(t, AgentStates)
	e, err := Decode([]byte(ev(EvNewInteraction, iv("a", "transferring", "video", `"callDirection":"internal","origination":"robot"`))))
	if err != nil {
		t.Fatal(err)
	}
	in := e.Payload.(*Interaction)
	if in.State.Known() || in.Type.Known() || in.CallDirection.Known() || in.Origination.Known() {
		t.Error("unknown enum values reported as known")
	}
	if in.State != "transferring" || in.Type != "video" {
		t.Errorf("unknown values not kept as they came: %q %q", in.State, in.Type)
	}
}

func TestDecodeLenient(t *testing.T) {
	// Invalid UTF-8 and duplicate names are kept; sanitizing happens when drawing.
	in := "{\"type\":\"ON_NEW_INTERACTION\",\"type\":\"ON_NEW_INTERACTION\",\"params\":[" +
		iv("a", "queued", "voice", "\"description\":\"bad \xff byte\"") + "]}"
	if _, err := Decode([]byte(in)); err != nil {
		t.Fatalf("lenient decode failed: %v", err)
	}
}
