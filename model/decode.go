package model

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// DefaultMaxMessage is the default size limit of one event (1 MiB).
const DefaultMaxMessage = 1 << 20

// decodeOpts are lenient where the contract allows it: duplicate names and invalid UTF-8 are read
// (Decode repairs them first, with a warning), unknown members are preserved in Extra fields.
var decodeOpts = json.JoinOptions(jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))

// DecodeOptions are the options Decode reads JSON with, for a reader of events that must accept
// exactly what Decode accepted (the hub's filter rewriting a snapshot).
func DecodeOptions() json.Options { return decodeOpts }

// envelope is the wire shape of one event before its params are typed.
type envelope struct {
	Type    *string                   `json:"type"`
	Params  []jsontext.Value          `json:"params"`
	AgentID *string                   `json:"agentId"`
	TS      jsontext.Value            `json:"ts"`
	Seq     jsontext.Value            `json:"seq"`
	Extra   map[string]jsontext.Value `json:",embed"`
}

// DecodeError says why a message was rejected.
type DecodeError struct {
	// Reason is a short sentence naming the offending field, e.g. `params[0].callMuted: want boolean, got string`.
	Reason string
}

func (e *DecodeError) Error() string { return e.Reason }

func reject(format string, args ...any) error {
	return &DecodeError{Reason: fmt.Sprintf(format, args...)}
}

// Decode parses one event (one JSON object) and types its params. A rejected message gets a
// *DecodeError that names the field and the reason.
//
// Text that is not valid UTF-8 (raw bytes or an escaped lone surrogate, in a value or a member name,
// known or not) is replaced with U+FFFD before decoding, and a member name given twice in one
// object keeps its last value, so that every later stage (an export, the hub re-encoding a
// snapshot) sees valid JSON text: the event is accepted with a warning in Warnings, and Repaired
// holds the message as decoded. A missing or null required field that has a safe default is
// warned about too.
func Decode(data []byte) (Event, error) {
	ev, ok := decodeFast(data)
	if !ok {
		fixed, warns := repairText(data)
		if fixed != nil {
			data = fixed
		}
		var err error
		if ev, err = decodePlain(data); err != nil {
			return Event{}, err
		}
		ev.Warnings, ev.Repaired = warns, fixed
	}
	if err := checkCounts(ev.Payload); err != nil {
		return Event{}, err
	}
	weighPayload(ev.Payload)
	if w := missingFields(ev.Payload); w != nil {
		ev.Warnings = append(ev.Warnings, w...)
	}
	return ev, nil
}

// decodePlain is the reference decoder: the envelope with raw params, then each param. Every
// rejection reason comes from it.
func decodePlain(data []byte) (Event, error) {
	var env envelope
	if err := json.Unmarshal(data, &env, decodeOpts); err != nil {
		return Event{}, explain(err, "")
	}
	if name, known := caseTwin(env.Extra, envelopeNames[:]); known != "" {
		return Event{}, caseTwinError("", name, known)
	}
	if env.Type == nil {
		return Event{}, reject(`missing "type"`)
	}
	if env.Params == nil {
		return Event{}, reject(`missing "params" (want an array)`)
	}
	ev := Event{Type: *env.Type}
	if env.AgentID != nil {
		ev.AgentID = *env.AgentID
	}
	if err := checkHead(ev.Type, ev.AgentID); err != nil {
		return Event{}, err
	}
	ts, has, err := envNumber(env.TS, "ts")
	if err == nil && has {
		err = checkTime(ts, "ts", "ts")
	}
	if err != nil {
		return Event{}, err
	}
	if ts > 0 {
		ev.TS = time.UnixMilli(int64(ts))
	}
	seq, has, err := envNumber(env.Seq, "seq")
	if err == nil && has {
		err = checkSeqNumber(seq)
	}
	if err != nil {
		return Event{}, err
	}
	if has {
		ev.Seq, ev.HasSeq = int64(seq), true
	}
	payload, err := decodeParams(ev.Type, env.Params)
	if err != nil {
		return Event{}, err
	}
	ev.Payload = payload
	return ev, nil
}

// decodeParams types the params of a known event type.
func decodeParams(typ string, params []jsontext.Value) (any, error) {
	switch typ {
	case EvNewInteraction, EvInteractionStateChange, EvInteractionRemoved, EvSaveActivityRecord:
		return decodeInteractionParam(params)
	case EvInteractionsState:
		var st InteractionsState
		if err := param(params, 0, &st); err != nil {
			return nil, err
		}
		if err := checkID(Str(st.ActiveInteractionID), "params[0].activeInteractionId", MaxIDBytes); err != nil {
			return nil, err
		}
		for i := range st.Interactions {
			if err := validate(&st.Interactions[i], fmt.Sprintf("params[0].interactions[%d]", i)); err != nil {
				return nil, err
			}
		}
		return &st, nil
	case EvAgentStateChange:
		return decodeAgentState(params)
	case EvLogin:
		return first[Login](params)
	case EvLogout:
		return Logout{}, nil
	case EvServerError:
		return first[ServerError](params)
	case EvAudioQualityAlert:
		return decodeAudioAlert(params)
	case EvDesktop:
		return decodeDesktop(params)
	case EvResyncEnd:
		return decodeResyncEnd(params)
	case EvSkipped:
		return decodeSkipped(params)
	case EvReclaimed:
		return decodeReclaimed(params)
	case EvScreenRecording:
		return first[ScreenRecording](params)
	case EvActiveInteractionSwitch:
		var id *string
		if len(params) > 0 {
			if err := param(params, 0, &id); err != nil {
				return nil, err
			}
		}
		if err := checkID(Str(id), "params[0]", MaxIDBytes); err != nil {
			return nil, err
		}
		return &ActiveSwitch{ID: Str(id)}, nil
	}
	return &Unknown{Params: len(params)}, nil
}

func decodeInteractionParam(params []jsontext.Value) (*Interaction, error) {
	in := new(Interaction)
	if err := param(params, 0, in); err != nil {
		return nil, err
	}
	return in, validate(in, "params[0]")
}

// validate checks the required fields an interaction cannot be shown without, and the range of its
// numbers.
func validate(in *Interaction, at string) error {
	switch {
	case in.ID == "":
		return reject("%s.interactionId: missing, null or empty", at)
	case in.State == "":
		return reject("%s.state: missing, null or empty", at)
	case in.Type == "":
		return reject("%s.type: missing, null or empty", at)
	}
	if err := caseTwins(in, at); err != nil {
		return err
	}
	if len(in.ID) > MaxIDBytes || !isPlain(in.ID) { // the path is joined only for a closer look
		if err := checkID(in.ID, at+".interactionId", MaxIDBytes); err != nil {
			return err
		}
	}
	return checkInteractionNumbers(in, at)
}

// missingFields warns about the required InteractionData fields an accepted event lacks (missing
// or null) that read as empty: callParties, attachedData and associatedObjects.list.
func missingFields(payload any) []string {
	switch p := payload.(type) {
	case *Interaction:
		if w := missingIn(p, "params[0]"); w != "" {
			return []string{w}
		}
	case *InteractionsState:
		var out []string
		for i := range p.Interactions {
			if w := missingIn(&p.Interactions[i], "params[0].interactions[%d]"); w != "" {
				out = append(out, fmt.Sprintf(w, i))
			}
		}
		return out
	}
	return nil
}

// missingIn is missingFields' warning about one interaction at path at, or "".
func missingIn(in *Interaction, at string) string {
	if in.CallParties != nil && in.AttachedData != nil && in.AssociatedObjects.List != nil {
		return ""
	}
	var names []string
	if in.CallParties == nil {
		names = append(names, "callParties")
	}
	if in.AttachedData == nil {
		names = append(names, "attachedData")
	}
	if in.AssociatedObjects.List == nil {
		names = append(names, "associatedObjects.list")
	}
	return at + ": required " + strings.Join(names, ", ") + " missing or null (read as empty)"
}

func decodeAgentState(params []jsontext.Value) (*AgentStateChange, error) {
	var st AgentStateChange
	if err := param(params, 0, &st.State); err != nil {
		return nil, err
	}
	if len(params) > 1 && params[1].Kind() != 'n' {
		if err := param(params, 1, &st.Reason); err != nil {
			return nil, err
		}
	}
	return &st, nil
}

func decodeAudioAlert(params []jsontext.Value) (*AudioQualityAlert, error) {
	var a AudioQualityAlert
	if err := param(params, 0, &a.CallID); err != nil {
		return nil, err
	}
	if err := checkID(a.CallID, "params[0]", MaxIDBytes); err != nil {
		return nil, err
	}
	if len(params) < 2 {
		return &a, nil
	}
	v := params[1]
	switch v.Kind() {
	case 'n', 'f':
	case '"':
		var s string
		_ = json.Unmarshal(v, &s, decodeOpts)
		a.Active, a.Detail = s != "", s
	default:
		a.Active, a.Detail = true, string(compact(v))
	}
	return &a, nil
}

func compact(v jsontext.Value) []byte {
	c := v.Clone()
	if err := c.Compact(); err != nil {
		return v
	}
	return c
}

// first decodes params[0] as the payload of an event whose one argument is an object.
func first[T any](params []jsontext.Value) (*T, error) {
	var v T
	return &v, param(params, 0, &v)
}

// param decodes params[i] into dst, rejecting a missing one.
func param(params []jsontext.Value, i int, dst any) error {
	if i >= len(params) {
		return reject("params: want at least %d argument(s), got %d", i+1, len(params))
	}
	if params[i].Kind() == 'n' && reflect.TypeOf(dst).Elem().Kind() == reflect.Struct {
		return reject("params[%d]: want object, got null", i)
	}
	if err := json.Unmarshal(params[i], dst, decodeOpts); err != nil {
		return explain(err, fmt.Sprintf("params[%d]", i))
	}
	return nil
}

// explain turns a json error into a reason that names the field (prefixed by at) and the mismatch.
func explain(err error, at string) error {
	var se *json.SemanticError
	if errors.As(err, &se) {
		where := joinPath(at, pointerPath(se.JSONPointer))
		if where == "" {
			where = "event"
		}
		got := kindName(se.JSONKind)
		if got == "number" && se.GoType != nil && goTypeName(se.GoType) == "number" {
			return outOfRange(where, lastName(where), string(se.JSONValue))
		}
		if se.GoType != nil && got != "" {
			return reject("%s: want %s, got %s", where, goTypeName(se.GoType), got)
		}
		return reject("%s: %v", where, unwrapMsg(se.Err))
	}
	var sx *jsontext.SyntacticError
	if errors.As(err, &sx) {
		return reject("not valid JSON at byte %d: %v", sx.ByteOffset, unwrapMsg(sx.Err))
	}
	return reject("%s: %v", at, err)
}

func unwrapMsg(err error) string {
	if err == nil {
		return "invalid value"
	}
	return strings.TrimPrefix(err.Error(), "jsontext: ")
}

// pointerPath renders a JSON pointer as a dotted path with indexes: /params/0/x -> params[0].x.
func pointerPath(p jsontext.Pointer) string {
	var b strings.Builder
	for tok := range p.Tokens() {
		if tok != "" && strings.Trim(tok, "0123456789") == "" {
			b.WriteString("[" + tok + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(tok)
	}
	return b.String()
}

// lastName is the field name a dotted path ends with.
func lastName(path string) string {
	return path[strings.LastIndexByte(path, '.')+1:]
}

func joinPath(at, rest string) string {
	switch {
	case at == "":
		return rest
	case rest == "" || strings.HasPrefix(rest, "["):
		return at + rest
	}
	return at + "." + rest
}

func kindName(k jsontext.Kind) string {
	switch k {
	case 'n':
		return "null"
	case 't', 'f':
		return "boolean"
	case '"':
		return "string"
	case '0':
		return "number"
	case '{':
		return "object"
	case '[':
		return "array"
	}
	return ""
}

func goTypeName(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Bool:
		return "boolean"
	case reflect.String:
		return "string"
	case reflect.Float32, reflect.Float64, reflect.Int, reflect.Int64, reflect.Int32:
		return "number"
	case reflect.Slice, reflect.Array:
		if t == reflect.TypeFor[jsontext.Value]() {
			return "JSON value"
		}
		return "array"
	case reflect.Map, reflect.Struct:
		return "object"
	}
	return t.String()
}
