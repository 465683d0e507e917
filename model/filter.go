package model

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Filter is a compiled filter: a list of terms that must all match. The zero Filter matches
// everything. ParseFilter documents the language; Match neither allocates nor lower-cases rows.
type Filter struct {
	terms []term
	timed bool
}

// termKind says what a term looks at.
type termKind uint8

const (
	termText termKind = iota
	termType
	termState
	termAgent
	termService
	termDir
	termMuted
	termRec
	termParty
	termID
	termSubject
	termDur
	termHold
)

// cmpOp is the operator between a field and its value. opLessEq and opMoreEq must follow opLess
// and opMore (fieldPrefix relies on it).
type cmpOp uint8

const (
	opNone cmpOp = iota
	opIs
	opEq
	opLess
	opLessEq
	opMore
	opMoreEq
)

var opText = [...]string{opNone: "", opIs: ":", opEq: "=", opLess: "<", opLessEq: "<=", opMore: ">",
	opMoreEq: ">="}

// term is one compiled term. lower is the value lower-cased ahead of time so that matching a row
// only folds the row's side.
type term struct {
	kind  termKind
	neg   bool
	field string
	op    cmpOp
	raw   string
	lower string
	// glob holds the pieces of an agent or service value around its * wildcards.
	glob []string
	flag bool
	dur  time.Duration
}

// String returns the filter in canonical form: terms in the order typed, field names and
// enumerated values in their main spelling, durations normalised, quotes only where needed.
// Parsing it again gives the same filter.
func (f Filter) String() string {
	var b strings.Builder
	for i, t := range f.terms {
		if i > 0 {
			b.WriteByte(' ')
		}
		t.write(&b)
	}
	return b.String()
}

func (t term) write(b *strings.Builder) {
	if t.neg {
		b.WriteByte('-')
	}
	switch t.kind {
	case termText:
		if needsQuote(t.raw) || len(t.raw) > 1 && t.raw[0] == '-' || looksLikeField(t.raw) {
			writeQuoted(b, t.raw)
		} else {
			b.WriteString(t.raw)
		}
		return
	case termDur, termHold:
		b.WriteString(t.field + opText[t.op] + formatFilterDuration(t.dur))
		return
	}
	b.WriteString(t.field + ":")
	switch t.kind {
	case termType, termState:
		b.WriteString(t.lower)
	case termDir:
		b.WriteString(strings.TrimSuffix(t.lower, "bound"))
	case termMuted, termRec:
		b.WriteString(yesNo(t.flag))
	default:
		if t.raw == "" || needsQuote(t.raw) {
			writeQuoted(b, t.raw)
		} else {
			b.WriteString(t.raw)
		}
	}
}

func needsQuote(s string) bool {
	return s == "" || strings.ContainsFunc(s, func(r rune) bool { return r == '"' || unicode.IsSpace(r) })
}

// looksLikeField reports whether plain text would read as a field term if it were not quoted.
func looksLikeField(s string) bool {
	name, _, _ := fieldPrefix(s, 0)
	return name != ""
}

func writeQuoted(b *strings.Builder, s string) {
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// formatFilterDuration writes a duration compactly (90s → 1m30s, 1h → 1h) so that it parses back.
func formatFilterDuration(d time.Duration) string {
	if d%time.Second != 0 {
		return d.String()
	}
	if d == 0 {
		return "0s"
	}
	var b strings.Builder
	h, m, s := int64(d/time.Hour), int64(d%time.Hour/time.Minute), int64(d%time.Minute/time.Second)
	for _, p := range []struct {
		n    int64
		unit string
	}{{h, "h"}, {m, "m"}, {s, "s"}} {
		if p.n != 0 {
			b.WriteString(itoa(p.n) + p.unit)
		}
	}
	return b.String()
}

func itoa(n int64) string {
	var buf [20]byte
	i := len(buf)
	for {
		i--
		buf[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(buf[i:])
		}
	}
}

// Empty reports whether the filter matches everything.
func (f Filter) Empty() bool { return len(f.terms) == 0 }

// Timed reports whether the filter compares durations, so that which rows it selects changes as
// time passes even when the store does not: a view must re-run it every second.
func (f Filter) Timed() bool { return f.timed }

// Match reports whether the row passes every term of the filter at now.
func (f Filter) Match(r *Row, now time.Time) bool {
	for i := range f.terms {
		if f.terms[i].match(r, now) == f.terms[i].neg {
			return false
		}
	}
	return true
}

func (t *term) match(r *Row, now time.Time) bool {
	d := r.Data
	switch t.kind {
	case termText:
		return rowContains(r, t.lower)
	case termType:
		return equalFold(string(d.Type), t.lower)
	case termState:
		switch t.lower {
		case "open":
			return r.Open()
		case "ended":
			return !r.Open()
		}
		return equalFold(string(d.State), t.lower)
	case termAgent:
		return t.matchExact(r.AgentID)
	case termService:
		// As the floor counts it (printedKey), so a services view's row and its filter agree.
		return t.matchName(printedKey(Str(d.Service)))
	case termDir:
		return d.CallDirection != nil && equalFold(string(*d.CallDirection), t.lower)
	case termMuted:
		return d.CallMuted == t.flag
	case termRec:
		return d.CallRecording == t.flag
	case termParty:
		return partyContains(r, t.lower)
	case termID:
		return containsFold(d.ID, t.lower)
	case termSubject:
		return containsFold(d.Subject, t.lower)
	case termDur:
		return t.compare(r.Duration(now))
	case termHold:
		return !r.Ended && d.State == StateHold && t.compare(r.InState(now))
	}
	return false
}

func (t *term) compare(d time.Duration) bool {
	switch t.op {
	case opLess:
		return d < t.dur
	case opLessEq:
		return d <= t.dur
	case opMore:
		return d > t.dur
	case opMoreEq:
		return d >= t.dur
	}
	return false
}

// matchExact compares a whole agent id exactly, with * matching any text. Agent ids are keys: the
// hub, its tokens and its ?agent= tell "kim" from "KIM", so the filter does too (the agents view's
// Enter shows one agent's interactions, never a look-alike's).
func (t *term) matchExact(s string) bool {
	if t.glob == nil {
		return s == t.raw
	}
	first, last := t.glob[0], t.glob[len(t.glob)-1]
	if !strings.HasPrefix(s, first) {
		return false
	}
	i := len(first)
	for _, p := range t.glob[1 : len(t.glob)-1] {
		j := strings.Index(s[i:], p)
		if j < 0 {
			return false
		}
		i += j + len(p)
	}
	return len(s)-i >= len(last) && strings.HasSuffix(s, last)
}

// matchName compares a whole service name ignoring case, with * matching any text.
func (t *term) matchName(s string) bool {
	if t.glob == nil {
		return equalFold(s, t.lower)
	}
	first, last := t.glob[0], t.glob[len(t.glob)-1]
	i, ok := matchAt(s, 0, first)
	if !ok {
		return false
	}
	for _, p := range t.glob[1 : len(t.glob)-1] {
		_, end, found := indexFold(s, i, p)
		if !found {
			return false
		}
		i = end
	}
	return hasSuffixFold(s, i, last)
}

// rowContains looks for a lower-case term in the fields the free-text filter searches: the id, party
// names and phones, numbers, subject, service and agent.
func rowContains(r *Row, term string) bool {
	d := r.Data
	if containsFold(d.ID, term) || containsFold(d.Subject, term) || containsFold(r.AgentID, term) ||
		containsFold(Str(d.Service), term) || containsFold(Str(d.ANI), term) ||
		containsFold(Str(d.DNIS), term) || containsFold(Str(d.PhoneNumber), term) ||
		containsFold(Str(d.Email), term) {
		return true
	}
	for _, p := range d.CallParties {
		if containsFold(p.Name, term) || containsFold(p.Phone, term) {
			return true
		}
	}
	return false
}

// partyContains looks for a lower-case term in the parties' names and phones and in the
// counterpart's number or address.
func partyContains(r *Row, term string) bool {
	for _, p := range r.Data.CallParties {
		if containsFold(p.Name, term) || containsFold(p.Phone, term) {
			return true
		}
	}
	d := r.Data
	return containsFold(Str(d.ANI), term) || containsFold(Str(d.DNIS), term) ||
		containsFold(Str(d.PhoneNumber), term) || containsFold(Str(d.Email), term)
}

// matchAt reports whether s, from byte i on, starts with the lower-case term, ignoring case, and
// where the match ends. It folds one rune at a time and so never allocates.
func matchAt(s string, i int, term string) (int, bool) {
	for j := 0; j < len(term); {
		if i >= len(s) {
			return 0, false
		}
		c, t := s[i], term[j]
		if c < utf8.RuneSelf && t < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != t {
				return 0, false
			}
			i, j = i+1, j+1
			continue
		}
		sr, sn := utf8.DecodeRuneInString(s[i:])
		tr, tn := utf8.DecodeRuneInString(term[j:])
		if unicode.ToLower(sr) != tr {
			return 0, false
		}
		i, j = i+sn, j+tn
	}
	return i, true
}

// indexFold finds the first match of the lower-case term in s at or after byte from.
func indexFold(s string, from int, term string) (start, end int, ok bool) {
	if term == "" {
		return from, from, true
	}
	first := term[0]
	for i := from; i < len(s); i++ {
		c := s[i]
		if c < utf8.RuneSelf && first < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != first {
				continue // the common case, kept cheap
			}
		} else if !utf8.RuneStart(c) {
			continue
		}
		if e, ok := matchAt(s, i, term); ok {
			return i, e, true
		}
	}
	return 0, 0, false
}

// containsFold reports whether s contains the lower-case term, ignoring case, without allocating.
func containsFold(s, term string) bool {
	_, _, ok := indexFold(s, 0, term)
	return ok
}

// equalFold reports whether s equals the lower-case term, ignoring case.
func equalFold(s, term string) bool {
	e, ok := matchAt(s, 0, term)
	return ok && e == len(s)
}

// hasSuffixFold reports whether s, from byte from on, ends with the lower-case term.
func hasSuffixFold(s string, from int, term string) bool {
	for i := from; i <= len(s); i++ {
		if i < len(s) && !utf8.RuneStart(s[i]) {
			continue
		}
		if e, ok := matchAt(s, i, term); ok && e == len(s) {
			return true
		}
	}
	return false
}
