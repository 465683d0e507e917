package model

import (
	"bytes"
	"io"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// The fast path of Decode reads the envelope as a stream of tokens and, for the interaction events
// that make most of a stream, decodes params[0] in place: the plain path parses each message twice
// (the envelope with params as raw values, copied, then each param) and allocates a copy of every
// param. The fast path gives up (ok false) on anything it does not expect, an error above all, and
// Decode then runs the plain path, so that the result and every rejection reason are the plain
// path's by construction (TestDecodeFastMatchesPlain checks the accepted results are identical).

// fastDecoder is a pooled token decoder reading one message in place.
type fastDecoder struct {
	buf  bytes.Buffer
	dec  jsontext.Decoder
	strs stringCache
}

var fastDecoders = sync.Pool{New: func() any { return new(fastDecoder) }}

func decodeFast(data []byte) (ev Event, ok bool) {
	fd := fastDecoders.Get().(*fastDecoder)
	defer fastDecoders.Put(fd)
	fd.buf = *bytes.NewBuffer(data)
	fd.dec.Reset(&fd.buf)       // strict: text to repair (invalid UTF-8, a name twice) is left to Decode
	defer fd.dec.Reset(&fd.buf) // do not keep data reachable from the pool
	ev, ok = fd.envelope()
	if !ok || checkHead(ev.Type, ev.AgentID) != nil { // the plain path says what is wrong
		return Event{}, false
	}
	if _, err := fd.dec.ReadToken(); err != io.EOF {
		return Event{}, false // trailing data: the plain path says what is wrong
	}
	return ev, true
}

// envelope reads the top-level object.
func (fd *fastDecoder) envelope() (ev Event, ok bool) {
	d := &fd.dec
	if tok, err := d.ReadToken(); err != nil || tok.Kind() != '{' {
		return ev, false
	}
	var st envelopeState
	for d.PeekKind() != '}' {
		name, err := d.ReadValue()
		if err != nil || !fd.member(name, &ev, &st) {
			return ev, false
		}
	}
	if _, err := d.ReadToken(); err != nil || !st.hasType || !st.hasParams {
		return ev, false
	}
	if ev.Payload == nil {
		payload, err := decodeParams(ev.Type, st.raw)
		if err != nil {
			return ev, false
		}
		ev.Payload = payload
	}
	return ev, true
}

// envelopeState is what envelope has seen so far.
type envelopeState struct {
	hasType, hasParams bool
	// raw holds params read before the type was known, or of a type not decoded in place.
	raw []jsontext.Value
}

// member reads the value of the member called name (quoted, as it came) into ev.
func (fd *fastDecoder) member(name jsontext.Value, ev *Event, st *envelopeState) (ok bool) {
	d := &fd.dec
	switch string(name) {
	case `"type"`:
		if st.hasType {
			return false // the plain path keeps the last one
		}
		ev.Type, ok = fd.eventType()
		st.hasType = true
		return ok
	case `"agentId"`:
		tok, err := d.ReadToken()
		switch {
		case err != nil:
			return false
		case tok.Kind() == '"':
			ev.AgentID = tok.String()
		case tok.Kind() == 'n':
			ev.AgentID = ""
		default:
			return false
		}
	case `"ts"`:
		f, null, ok := fd.number()
		ev.TS = time.Time{}
		if !null && f > 0 {
			ev.TS = time.UnixMilli(int64(f))
		}
		return ok && (null || checkTime(f, "ts", "ts") == nil) // out of range: the plain path says so
	case `"seq"`:
		f, null, ok := fd.number()
		ev.Seq, ev.HasSeq = int64(f), !null
		return ok && (null || checkSeqNumber(f) == nil)
	case `"params"`:
		if st.hasParams || d.PeekKind() != '[' {
			return false // null, not an array, or twice: the plain path decides
		}
		st.hasParams = true
		if st.hasType && inPlace(ev.Type) {
			ev.Payload, ok = fd.interactionParams()
			return ok
		}
		st.raw, ok = fd.rawParams()
		return ok
	default:
		return !envelopeName(name) && d.SkipValue() == nil
	}
	return true
}

// envelopeName reports whether an unexpected member name might still be an envelope field to the
// plain path (escaped, or in other letter case): the fast path leaves such messages to it.
func envelopeName(quoted jsontext.Value) bool {
	if bytes.IndexByte(quoted, '\\') >= 0 {
		return true
	}
	name := string(quoted[1 : len(quoted)-1])
	for _, f := range envelopeNames {
		if strings.EqualFold(name, f) {
			return true
		}
	}
	return false
}

// eventType reads the type member, sharing the constants' strings for the known types.
func (fd *fastDecoder) eventType() (string, bool) {
	v, err := fd.dec.ReadValue()
	if err != nil || v.Kind() != '"' {
		return "", false
	}
	if name := v[1 : len(v)-1]; plainASCII(name) {
		for _, t := range EventTypes {
			if string(name) == t {
				return t, true
			}
		}
		return string(name), true
	}
	var s string
	return s, json.Unmarshal(v, &s, decodeOpts) == nil
}

// plainASCII reports whether a string's raw bytes are its value: no escapes, and nothing the
// decoder would replace (invalid UTF-8 becomes U+FFFD).
func plainASCII(b []byte) bool {
	for _, c := range b {
		if c == '\\' || c >= 0x80 {
			return false
		}
	}
	return true
}

// inPlace reports the event types whose params the fast path decodes in place.
func inPlace(typ string) bool {
	switch typ {
	case EvNewInteraction, EvInteractionStateChange, EvInteractionRemoved, EvSaveActivityRecord:
		return true
	}
	return false
}

// number reads a number or null member value.
func (fd *fastDecoder) number() (f float64, null, ok bool) {
	tok, err := fd.dec.ReadToken()
	switch {
	case err != nil:
		return 0, false, false
	case tok.Kind() == 'n':
		return 0, true, true
	case tok.Kind() != '0':
		return 0, false, false
	}
	f, err = tok.Float()
	return f, false, err == nil && !math.IsInf(f, 0)
}

// interactionParams decodes params[0] into an Interaction and skips the rest of the array.
func (fd *fastDecoder) interactionParams() (*Interaction, bool) {
	d := &fd.dec
	if _, err := d.ReadToken(); err != nil { // '['
		return nil, false
	}
	if d.PeekKind() != '{' {
		return nil, false // no params, or params[0] is not an object
	}
	in, ok := decodeInteraction(d, &fd.strs)
	if !ok || validate(in, "params[0]") != nil {
		return nil, false
	}
	for d.PeekKind() != ']' {
		if d.SkipValue() != nil {
			return nil, false
		}
	}
	_, err := d.ReadToken()
	return in, err == nil
}

// rawParams reads the params array as raw values (copied: they outlive the decoder's buffer).
func (fd *fastDecoder) rawParams() ([]jsontext.Value, bool) {
	d := &fd.dec
	if _, err := d.ReadToken(); err != nil {
		return nil, false
	}
	params := []jsontext.Value{}
	for d.PeekKind() != ']' {
		v, err := d.ReadValue()
		if err != nil {
			return nil, false
		}
		params = append(params, v.Clone())
	}
	_, err := d.ReadToken()
	return params, err == nil
}
