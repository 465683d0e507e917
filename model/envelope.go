package model

import (
	"bytes"
	"strconv"
	"time"

	"github.com/go-json-experiment/json/jsontext"
)

// The envelope is read and written here, and nowhere else (see the package doc for why here):
// PeekHead reads its head for a reader that needs it before, or instead of, Decode (the replay's
// pacing, the hub's acknowledgement of a message too large to decode). FuzzPeekAgreesWithDecode
// holds the two to the same answers.

// Head is what PeekHead reads of an envelope.
type Head struct {
	// TS is the event's time, zero when it has none (absent, null, 0, or not a number in range).
	TS time.Time
	// Seq is the event's seq, valid when HasSeq.
	Seq    int64
	HasSeq bool
	// agent is agentId's JSON string as written (quotes included), nil when absent or null.
	agent []byte
}

// AgentID returns the agentId the head names ("" when it names none), unescaped as Decode has it.
func (h Head) AgentID() string {
	if h.agent == nil {
		return ""
	}
	raw := h.agent[1 : len(h.agent)-1]
	if plainASCII(raw) {
		return string(raw)
	}
	s, _ := jsontext.AppendUnquote(nil, h.agent) // invalid UTF-8 becomes U+FFFD, as Decode repairs it
	return string(s)
}

// PeekHead reads the top-level agentId, ts and seq of an envelope without decoding it. It steps
// over the other members (params is most of a message) and gives each field the value Decode would
// (the last of a name given twice, escapes in names undone, null as absent, a number out of range as
// absent), so that on any message Decode accepts the two agree. On a message cut off, or one that
// stops making sense, it returns what it read before that point: a value is taken only when
// something follows it, since a number at the end of a cut message may have lost digits. It
// allocates nothing in the common case (plain names, an integer ts).
func PeekHead(data []byte) Head { return peekHead(data, headNames[:]) }

// PeekTS is PeekHead(data).TS, faster: the replay's hot path. Of the text after the head, most of
// the message, it only needs to know that it holds no other ts.
func PeekTS(data []byte) time.Time { return peekHead(data, headNames[:1]).TS }

// headNames are the names of the head's members, as the tail check looks for them (ts first).
var headNames = [...]string{"ts", "seq", "agentId"}

// peekHead is PeekHead, with the head members whose value the caller uses in names (the others may
// be wrong).
func peekHead(data []byte, names []string) Head {
	var h Head
	i := skipWS(data, 0)
	if i >= len(data) || data[i] != '{' {
		return h
	}
	hints := hints{data: data, names: names, next: [4]int{-2, -2, -2, -2}}
	for i++; ; i++ {
		name, at := memberName(data, i)
		if at < 0 {
			return h
		}
		if c := data[at]; (c == '[' || c == '{') && !hints.from(at) {
			return h // params, mostly: nothing after it can change the head, so it is not stepped over
		}
		end := skipValue(data, at)
		if end < 0 || end >= len(data) {
			return h
		}
		h.member(name, data[at:end])
		if i = skipWS(data, end); i >= len(data) || data[i] != ',' {
			return h
		}
	}
}

// hints says whether the text of a message from a place on might hold a member with one of names:
// written plainly (the name in quotes), or with an escape (a backslash), which might spell it. Its
// searches are much faster than stepping over the text value by value. It remembers where each
// search found its pattern and searches again only from past that place, so that the searches of
// one message read it once in all: searching afresh from each value on made a message of many small
// objects before a late backslash cost the square of its length (0.7 s a MiB).
type hints struct {
	data  []byte
	names []string
	// next is, for the backslash and then each name, where the pattern was found last: -1 when it
	// is in none of the text after, -2 before the first search.
	next [4]int
}

// from reports whether the text from data[at] on holds one of the patterns.
func (t *hints) from(at int) bool {
	for k := range len(t.names) + 1 {
		n := t.next[k]
		if n == -1 {
			continue
		}
		if n < at {
			n = t.search(k, at)
			t.next[k] = n
		}
		if n >= at {
			return true
		}
	}
	return false
}

// search finds pattern k (0 the backslash, then the names in quotes) from data[at] on.
func (t *hints) search(k, at int) int {
	var i int
	if k == 0 {
		i = bytes.IndexByte(t.data[at:], '\\')
	} else {
		var buf [16]byte
		i = bytes.Index(t.data[at:], append(append(append(buf[:0], '"'), t.names[k-1]...), '"'))
	}
	if i < 0 {
		return -1
	}
	return at + i
}

// PeekMember returns the index of the value of the first top-level member named name (as written,
// without unescaping) of the JSON object data, or -1 when data is not an object or has no such
// member before it stops making sense. It is PeekHead's scanner, for the recording format's own
// members.
func PeekMember(data []byte, name string) int {
	i := skipWS(data, 0)
	if i >= len(data) || data[i] != '{' {
		return -1
	}
	for i++; ; i++ {
		quoted, val, next := nextMember(data, i)
		if next < 0 {
			return -1
		}
		if string(quoted[1:len(quoted)-1]) == name {
			return next - len(val)
		}
		if i = skipWS(data, next); i >= len(data) || data[i] != ',' {
			return -1
		}
	}
}

// nextMember reads the member starting at data[i] (after spaces): its quoted name and its value,
// and the index just past the value; next is -1 when there is no whole member there. A value must
// be followed by something (a cut-off number may have lost digits).
func nextMember(data []byte, i int) (name, val []byte, next int) {
	name, at := memberName(data, i)
	if at < 0 {
		return nil, nil, -1
	}
	end := skipValue(data, at)
	if end < 0 || end >= len(data) {
		return nil, nil, -1
	}
	return name, data[at:end], end
}

// memberName reads the name of the member starting at data[i] (after spaces), quoted, and returns
// it with the index of its value; at is -1 when there is no name, colon and start of a value.
func memberName(data []byte, i int) (name []byte, at int) {
	i = skipWS(data, i)
	if i >= len(data) || data[i] != '"' {
		return nil, -1
	}
	end := skipString(data, i)
	if end < 0 {
		return nil, -1
	}
	name = data[i:end]
	i = skipWS(data, end)
	if i >= len(data) || data[i] != ':' {
		return nil, -1
	}
	if i = skipWS(data, i+1); i >= len(data) {
		return nil, -1
	}
	return name, i
}

// member takes one top-level member into h when it is one of the head's.
func (h *Head) member(quoted, val []byte) {
	var buf [16]byte
	switch string(unquoteName(buf[:0], quoted)) {
	case "agentId":
		h.agent = nil
		if len(val) > 0 && val[0] == '"' {
			h.agent = val
		}
	case "ts":
		h.TS = time.Time{}
		if f, ok := parseNumber(val); ok && timeInRange(f) && f > 0 {
			h.TS = time.UnixMilli(int64(f))
		}
	case "seq":
		f, ok := parseNumber(val)
		h.HasSeq = ok && seqInRange(f)
		h.Seq = 0
		if h.HasSeq {
			h.Seq = int64(f)
		}
	}
}

// parseNumber parses a JSON number (the whole of b, in JSON's grammar), without allocating when it
// is a plain integer.
func parseNumber(b []byte) (float64, bool) {
	n, i := int64(0), 0
	for ; i < len(b) && i < 18 && b[i] >= '0' && b[i] <= '9'; i++ {
		n = n*10 + int64(b[i]-'0')
	}
	if i == len(b) && i > 0 && (b[0] != '0' || i == 1) {
		return float64(n), true
	}
	if !numberGrammar(b) {
		return 0, false
	}
	f, err := strconv.ParseFloat(string(b), 64)
	return f, err == nil
}

// numberGrammar reports whether b is a JSON number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func numberGrammar(b []byte) bool {
	i := 0
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		i = digits(b, i)
	default:
		return false
	}
	if i < len(b) && b[i] == '.' {
		if j := digits(b, i+1); j > i+1 {
			i = j
		} else {
			return false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := digits(b, i)
		if j == i {
			return false
		}
		i = j
	}
	return i == len(b)
}

func digits(b []byte, i int) int {
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	return i
}

func isDelim(c byte) bool {
	return c == ',' || c == '}' || c == ']' || c == ' ' || c == '\t' || c == '\r' || c == '\n'
}

func skipWS(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}

// skipString returns the index just past the JSON string starting at b[i] (a '"'), or -1.
func skipString(b []byte, i int) int {
	for j := i + 1; ; {
		k := bytes.IndexByte(b[j:], '"')
		if k < 0 {
			return -1
		}
		k += j
		esc := 0
		for p := k - 1; p > i && b[p] == '\\'; p-- {
			esc++
		}
		if esc%2 == 0 {
			return k + 1
		}
		j = k + 1
	}
}

// skipValue returns the index just past the JSON value starting at b[i], or -1. It only tracks
// strings and nesting, which is all that stepping over a value needs.
func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
	default:
		for i < len(b) && !isDelim(b[i]) {
			i++
		}
		return i
	}
	depth := 0
	for i < len(b) {
		switch b[i] {
		case '"':
			if i = skipString(b, i); i < 0 {
				return -1
			}
			continue
		case '{', '[':
			depth++
		case '}', ']':
			if depth--; depth == 0 {
				return i + 1
			}
		}
		i++
	}
	return -1
}

// Unnumbered returns the message data (a JSON object, as Decode takes it) without its top-level
// seq members, the rest as it was: for a reader that is sent only some of an agent's events, to
// which the agent's numbers would show gaps (events it was not sent, as lost) and count them.
// It returns data itself when it has no seq, and ok false when data is not an object it can read
// to its end (the caller leaves the message out).
func Unnumbered(data []byte) (out []byte, ok bool) {
	i := skipWS(data, 0)
	if i >= len(data) || data[i] != '{' {
		return nil, false
	}
	i = skipWS(data, i+1)
	if i < len(data) && data[i] == '}' {
		return data, skipWS(data, i+1) == len(data)
	}
	type span struct{ from, to int }
	var keep []span
	cut := false
	for {
		quoted, _, next := nextMember(data, i)
		if next < 0 {
			return nil, false
		}
		if memberIs(quoted, "seq") {
			cut = true
		} else {
			keep = append(keep, span{i, next})
		}
		if i = skipWS(data, next); i >= len(data) {
			return nil, false
		}
		if data[i] == '}' {
			if skipWS(data, i+1) != len(data) {
				return nil, false // something after the object: not a message Decode takes
			}
			break
		}
		if data[i] != ',' {
			return nil, false
		}
		i++
	}
	if !cut {
		return data, true
	}
	out = append(make([]byte, 0, len(data)), '{')
	for k, s := range keep {
		if k > 0 {
			out = append(out, ',')
		}
		out = append(out, bytes.TrimLeft(data[s.from:s.to], " \t\r\n")...)
	}
	return append(out, '}'), true
}

// memberIs reports whether the quoted member name reads name once unescaped, as Decode reads it.
func memberIs(quoted []byte, name string) bool {
	var buf [16]byte
	return string(unquoteName(buf[:0], quoted)) == name
}

// unquoteName returns the quoted member name as Decode reads it, unescaped (into buf when it holds
// escapes); nil for a name Decode repairs (it holds U+FFFD then: none the envelope knows).
func unquoteName(buf, quoted []byte) []byte {
	name := quoted[1 : len(quoted)-1]
	if bytes.IndexByte(name, '\\') < 0 {
		return name
	}
	u, err := jsontext.AppendUnquote(buf, quoted)
	if err != nil {
		return nil
	}
	return u
}
