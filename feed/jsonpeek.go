package feed

import (
	"bytes"
	"strconv"
)

// looksWrapped reports whether a line starts like a recorder's wrapper: '{', then the key
// "deskwatch.recorded" first, whitespace allowed.
func looksWrapped(b []byte) bool {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return false
	}
	return bytes.HasPrefix(b[skipSpace(b, i+1):], []byte(recordedKey))
}

// peekTS finds the top-level "ts" member of a JSON object without decoding the object: it steps over
// the members before it (usually one or two short ones) and parses the number. It reports false when
// the line is not an object, has no such member, or its ts is not a positive number, as
// model.Decode treats such a ts as absent. It is the replay's hot path: no allocation when the ts is
// an integer.
func peekTS(b []byte) (float64, bool) {
	i := peekMember(b, "ts")
	if i < 0 {
		return 0, false
	}
	return parseTS(b[i:])
}

// peekMember returns the index of the value of the JSON object's first top-level member named key
// (as written, without unescaping), or -1 when b is not an object or has no such member before it
// stops making sense.
func peekMember(b []byte, key string) int {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return -1
	}
	i++
	for {
		i = skipSpace(b, i)
		if i >= len(b) || b[i] != '"' {
			return -1
		}
		end := skipString(b, i)
		if end < 0 {
			return -1
		}
		name := b[i+1 : end-1]
		i = skipSpace(b, end)
		if i >= len(b) || b[i] != ':' {
			return -1
		}
		i = skipSpace(b, i+1)
		if string(name) == key {
			return i
		}
		if i = skipValue(b, i); i < 0 {
			return -1
		}
		i = skipSpace(b, i)
		if i >= len(b) || b[i] != ',' {
			return -1
		}
		i++
	}
}

// parseTS parses the JSON number at the start of b. The number must be followed by a delimiter: at
// the end of a truncated line it may have lost digits.
func parseTS(b []byte) (float64, bool) {
	n, i := int64(0), 0
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9' && i < 18; i++ {
		n = n*10 + int64(b[i]-'0')
	}
	if i > 0 && i < len(b) && isDelim(b[i]) {
		return float64(n), n > 0 // a ts of 0 is absent, as model.Decode has it
	}
	end := 0
	for end < len(b) && !isDelim(b[end]) {
		end++
	}
	if end == len(b) {
		return 0, false
	}
	f, err := strconv.ParseFloat(string(b[:end]), 64)
	if err != nil || !(f > 0) {
		return 0, false
	}
	return f, true
}

func isDelim(c byte) bool {
	return c == ',' || c == '}' || c == ']' || c == ' ' || c == '\t' || c == '\r' || c == '\n'
}

func skipSpace(b []byte, i int) int {
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
