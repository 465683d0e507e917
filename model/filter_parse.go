package model

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// FilterError explains why one term of a filter is invalid: which term (counting from 1), where it
// is in the text, and why. The ui uses the offsets to point at the term in place.
type FilterError struct {
	// Term is the term's number, counting from 1.
	Term int
	// Start and End are the term's byte offsets in the filter text.
	Start, End int
	// Text is the term as typed.
	Text string
	// Reason says what is wrong and what is valid.
	Reason string
}

// Error reads like `filter term 2 "stat:hold": unknown field "stat" (fields: type, state, …)`.
func (e *FilterError) Error() string {
	return fmt.Sprintf("filter term %d %q: %s", e.Term, e.Text, e.Reason)
}

// fieldSpec describes one field of the filter language.
type fieldSpec struct {
	name string
	kind termKind
	// values describes the valid values, for error messages.
	values string
}

// filterFields lists the fields in the order error messages name them.
var filterFields = []fieldSpec{
	{"type", termType, "voice, chat, email"},
	{"state", termState, "queued, ivr, delivery_pending, delivered, hold, wrap_up, wrap_up_hold, completed, unknown, open, ended"},
	{"agent", termAgent, `an agent id; * matches any text, "" a stream without agents`},
	{"service", termService, `a service name; * matches any text`},
	{"dir", termDir, "in, out"},
	{"muted", termMuted, "yes, no"},
	{"rec", termRec, "yes, no"},
	{"party", termParty, "part of a party's name or number"},
	{"id", termID, "part of the interaction id"},
	{"subject", termSubject, "part of the subject"},
	{"dur", termDur, "e.g. dur>5m, dur<30s, dur>=1h"},
	{"hold", termHold, "e.g. hold>60s: on hold for longer than a minute"},
}

// fieldAliases are other names accepted for a field; String prints the main name.
var fieldAliases = map[string]string{
	"direction": "dir", "recording": "rec", "mute": "muted", "duration": "dur", "status": "state",
}

// FilterFields lists the field names the filter language accepts.
func FilterFields() []string {
	out := make([]string, len(filterFields))
	for i, f := range filterFields {
		out[i] = f.name
	}
	return out
}

func lookupField(name string) (fieldSpec, bool) {
	name = strings.ToLower(name)
	if a, ok := fieldAliases[name]; ok {
		name = a
	}
	for _, f := range filterFields {
		if f.name == name {
			return f, true
		}
	}
	return fieldSpec{}, false
}

// ParseFilter compiles a filter from what the user typed: free text and field:value terms,
// separated by spaces, all of which must match. A leading - negates a term; double quotes keep
// spaces in a value (party:"John Smith") and make a term plain text ("re:invoice"); dur and hold
// compare durations (dur>5m). An invalid term gives a *FilterError.
func ParseFilter(text string) (Filter, error) {
	var f Filter
	n := 0
	for i := 0; ; {
		i = skipSpace(text, i)
		if i >= len(text) {
			break
		}
		n++
		t, end, reason := parseTerm(text, i)
		if reason != "" {
			return Filter{}, &FilterError{Term: n, Start: i, End: end, Text: text[i:end], Reason: reason}
		}
		f.terms = append(f.terms, t)
		f.timed = f.timed || t.kind == termDur || t.kind == termHold
		i = end
	}
	return f, nil
}

// parseTerm reads the term starting at i and returns it and where it ends; reason is non-empty
// when the term is invalid.
func parseTerm(s string, i int) (t term, end int, reason string) {
	if s[i] == '-' && i+1 < len(s) && !isSpaceAt(s, i+1) {
		t.neg = true
		i++
	}
	name, op, j := fieldPrefix(s, i)
	value, quoted, end, reason := readValue(s, j)
	if reason != "" {
		return t, end, reason
	}
	if name == "" {
		if value == "" {
			return t, end, "empty text"
		}
		t.kind, t.raw, t.lower = termText, value, lowerRunes(value)
		return t, end, ""
	}
	spec, ok := lookupField(name)
	if !ok {
		return t, end, fmt.Sprintf("unknown field %q (fields: %s)", name,
			strings.Join(FilterFields(), ", "))
	}
	t.kind, t.field, t.op = spec.kind, spec.name, op
	return t, end, t.setValue(spec, value, quoted)
}

// fieldPrefix finds "name:" or "name>" (letters, then an operator) at i. It returns the name, the
// operator and where the value starts; name is "" when the term is plain text.
func fieldPrefix(s string, i int) (name string, op cmpOp, j int) {
	j = i
	for j < len(s) && isASCIILetter(s[j]) {
		j++
	}
	if j == i || j >= len(s) {
		return "", opNone, i
	}
	name = s[i:j]
	switch s[j] {
	case ':':
		return name, opIs, j + 1
	case '=':
		return name, opEq, j + 1
	case '<', '>':
		op = opLess
		if s[j] == '>' {
			op = opMore
		}
		j++
		if j < len(s) && s[j] == '=' {
			op++ // opLessEq follows opLess, opMoreEq follows opMore
			j++
		}
		return name, op, j
	}
	return "", opNone, i
}

// readValue reads from i to the next space outside double quotes, removing the quotes; inside
// quotes \" and \\ stand for " and \. quoted reports whether any quotes were used.
func readValue(s string, i int) (value string, quoted bool, end int, reason string) {
	var b strings.Builder
	for i < len(s) && !isSpaceAt(s, i) {
		if s[i] != '"' {
			b.WriteByte(s[i])
			i++
			continue
		}
		quoted = true
		i++
		for {
			if i >= len(s) {
				return "", true, i, "missing closing quote"
			}
			c := s[i]
			if c == '"' {
				i++
				break
			}
			if c == '\\' && i+1 < len(s) && (s[i+1] == '"' || s[i+1] == '\\') {
				i++
				c = s[i]
			}
			b.WriteByte(c)
			i++
		}
	}
	return b.String(), quoted, i, ""
}

// setValue checks and stores a field term's value and operator, returning the reason it is invalid.
func (t *term) setValue(spec fieldSpec, value string, quoted bool) string {
	if spec.kind == termDur || spec.kind == termHold {
		if t.op != opLess && t.op != opLessEq && t.op != opMore && t.op != opMoreEq {
			return fmt.Sprintf("%s compares with <, <=, > or >= (e.g. %s>5m)", spec.name, spec.name)
		}
		d, ok := parseFilterDuration(value)
		if !ok {
			return fmt.Sprintf("bad duration %q (e.g. 30s, 5m, 1h30m; at most 100000h)", value)
		}
		t.dur = d
		return ""
	}
	if t.op != opIs {
		return fmt.Sprintf("%s takes a value after a colon (%s:VALUE); only dur and hold compare",
			spec.name, spec.name)
	}
	lower := lowerRunes(value)
	if value == "" && !(quoted && (spec.kind == termAgent || spec.kind == termService)) {
		return "missing value (" + spec.values + ")"
	}
	t.raw, t.lower = value, lower
	switch spec.kind {
	case termType:
		if !Type(lower).Known() {
			return "unknown type (" + spec.values + ")"
		}
	case termState:
		if !State(lower).Known() && lower != "open" && lower != "ended" {
			return "unknown state (" + spec.values + ")"
		}
	case termDir:
		switch lower {
		case "in", "inbound":
			t.lower = string(DirectionInbound)
		case "out", "outbound":
			t.lower = string(DirectionOutbound)
		default:
			return "unknown direction (in, out)"
		}
	case termMuted, termRec:
		b, ok := parseYesNo(lower)
		if !ok {
			return spec.name + " is yes or no"
		}
		t.flag = b
	case termAgent: // an agent id is a key, compared exactly (see matchExact)
		if strings.Contains(value, "*") {
			t.glob = strings.Split(value, "*")
		}
	case termService: // compared as it prints, as the floor counts services (printedKey)
		lower = lowerRunes(printedKey(value))
		t.lower = lower
		if strings.Contains(lower, "*") {
			t.glob = strings.Split(lower, "*")
		}
	}
	return ""
}

// MaxFilterDuration is the longest duration a filter compares with (dur<, hold>): 100000 hours,
// about 11 years, far inside what a time.Duration holds, so that no literal overflows.
const MaxFilterDuration = 100000 * time.Hour

// parseFilterDuration reads a Go duration (90s, 5m, 1h30m) or a whole number of seconds, from 0 to
// MaxFilterDuration.
func parseFilterDuration(s string) (time.Duration, bool) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil || errors.Is(err, strconv.ErrRange) {
		if n < 0 || n > int64(MaxFilterDuration/time.Second) {
			return 0, false
		}
		return time.Duration(n) * time.Second, true
	}
	d, err := time.ParseDuration(s)
	return d, err == nil && d >= 0 && d <= MaxFilterDuration
}

func parseYesNo(s string) (bool, bool) {
	switch s {
	case "yes", "y", "true", "on", "1":
		return true, true
	case "no", "n", "false", "off", "0":
		return false, true
	}
	return false, false
}

func skipSpace(s string, i int) int {
	for i < len(s) && isSpaceAt(s, i) {
		_, n := utf8.DecodeRuneInString(s[i:])
		i += n
	}
	return i
}

func isSpaceAt(s string, i int) bool {
	if s[i] < utf8.RuneSelf {
		return s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	return unicode.IsSpace(r)
}

func isASCIILetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// lowerRunes lower-cases rune by rune, exactly as matching folds the row's text.
func lowerRunes(s string) string { return strings.Map(unicode.ToLower, s) }

// FilterTerm writes the term that selects field's value (agent:ID, service:"Sales EU"): quoted, with
// \ and " escaped, when the value is empty or holds a space (any Unicode space: a filter splits terms
// there), a quote, a backslash or a *, so that parsing it gives back the value exactly. (A * stays a
// wildcard, quoted or not.)
func FilterTerm(field, value string) string {
	if value != "" && !strings.ContainsFunc(value, func(r rune) bool {
		return unicode.IsSpace(r) || r == '"' || r == '\\' || r == '*'
	}) {
		return field + ":" + value
	}
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return field + `:"` + r.Replace(value) + `"`
}
