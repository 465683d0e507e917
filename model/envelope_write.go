package model

import (
	"strconv"
	"time"

	"github.com/go-json-experiment/json/jsontext"
)

// NoSeq, as AppendEvent's seq, leaves the seq out.
const NoSeq int64 = -1

// AppendEvent appends one event in the envelope's shape: type, agentId, ts (milliseconds since the
// epoch), seq and params, in that order, the head before the params, as a bridge writes it, so that
// a reader cut off inside the params still finds the head (PeekHead). An empty agentID, a ts of 0
// and a seq of NoSeq are left out. params is the JSON array of the event's arguments, already
// encoded (nil is written as []); the caller answers for it being valid JSON.
func AppendEvent(dst []byte, typ, agentID string, ts, seq int64, params []byte) []byte {
	dst = appendQuoted(append(dst, `{"type":`...), typ)
	if agentID != "" {
		dst = appendQuoted(append(dst, `,"agentId":`...), agentID)
	}
	if ts != 0 {
		dst = strconv.AppendInt(append(dst, `,"ts":`...), ts, 10)
	}
	if seq != NoSeq {
		dst = strconv.AppendInt(append(dst, `,"seq":`...), seq, 10)
	}
	dst = append(dst, `,"params":`...)
	if params == nil {
		params = []byte("[]")
	}
	return append(append(dst, params...), '}')
}

// AppendSnapshot appends the INTERACTIONS_STATE event that brings a reader up to date with one
// agent, as a bridge sends it on connect: its open interactions, each an encoded JSON object, and
// the one in front of it ("" for none). ts and seq are AppendEvent's.
func AppendSnapshot[V ~[]byte](dst []byte, agentID, active string, interactions []V, ts, seq int64) []byte {
	params := append(make([]byte, 0, 64), `[{"activeInteractionId":`...)
	if active == "" {
		params = append(params, "null"...)
	} else {
		params = appendQuoted(params, active)
	}
	params = append(params, `,"interactions":[`...)
	for i, in := range interactions {
		if i > 0 {
			params = append(params, ',')
		}
		params = append(params, in...)
	}
	return AppendEvent(dst, EvInteractionsState, agentID, ts, seq, append(params, "]}]"...))
}

// appendQuoted appends s as a JSON string; invalid UTF-8 becomes U+FFFD, as Decode repairs it.
func appendQuoted(dst []byte, s string) []byte {
	dst, _ = jsontext.AppendQuote(dst, s)
	return dst
}

// EventTime is the time an event is filed under: its ts when it has one, else when it arrived.
func EventTime(ev Event, received time.Time) time.Time {
	if !ev.TS.IsZero() {
		return ev.TS
	}
	return received
}
