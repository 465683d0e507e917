package model

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/go-json-experiment/json/jsontext"
)

// The fast decoder reads a message strictly: valid UTF-8, no escaped lone surrogate, no member
// name twice in one object. A message it gives up on is checked the same way and, when its text is
// at fault, rewritten before the plain decoder reads it, so that everything the store and the hub
// keep (unknown members are kept as raw JSON and re-encoded by the export and the hub's snapshots)
// is valid JSON text: invalid UTF-8 becomes U+FFFD, and of a name given twice the last value is
// kept (as the decoder does for the fields it knows), where the first name was. Each repair is a
// warning that says where.

// maxRepairLocations is how many places a warning names.
const maxRepairLocations = 3

// repairText returns data rewritten, and the warnings saying what was repaired where, or nil when
// data needs no repair or is not JSON (the decoder then says what is wrong).
func repairText(data []byte) ([]byte, []string) {
	if jsontext.Value(data).IsValid() {
		return nil, nil
	}
	r := repairer{dec: jsontext.NewDecoder(bytes.NewReader(data), decodeOpts)}
	root, err := r.value()
	if err != nil {
		return nil, nil
	}
	if _, err := r.dec.ReadToken(); err == nil {
		return nil, nil // trailing data
	}
	var out bytes.Buffer
	out.Grow(len(data))
	enc := jsontext.NewEncoder(&out)
	if root.write(enc) != nil {
		return nil, nil
	}
	var warns []string
	for _, w := range []string{
		r.badText.say("invalid UTF-8 replaced with U+FFFD in"),
		r.dups.say("a member name given twice (the last value kept):"),
		r.merged.say("member names that read alike once invalid UTF-8 was replaced with U+FFFD (the last value kept):"),
	} {
		if w != "" {
			warns = append(warns, w)
		}
	}
	if warns == nil {
		return nil, nil
	}
	return bytes.TrimSuffix(out.Bytes(), []byte("\n")), warns
}

// places counts the repairs of one kind, naming the first maxRepairLocations places, each once
// with the times it was repaired there.
type places struct {
	at    []string
	times []int
	n     int
}

func (p *places) add(where string) {
	p.n++
	for i, w := range p.at {
		if w == where {
			p.times[i]++
			return
		}
	}
	if len(p.at) < maxRepairLocations {
		p.at, p.times = append(p.at, where), append(p.times, 1)
	}
}

// say is what, then the places ("x.y", "x.z (3 times)") and how many more; "" when none.
func (p *places) say(what string) string {
	if p.n == 0 {
		return ""
	}
	named, parts := 0, make([]string, len(p.at))
	for i, w := range p.at {
		named += p.times[i]
		parts[i] = w
		if p.times[i] > 1 {
			parts[i] += fmt.Sprintf(" (%d times)", p.times[i])
		}
	}
	w := what + " " + strings.Join(parts, ", ")
	if p.n > named {
		w += fmt.Sprintf(" and %d more", p.n-named)
	}
	return w
}

// node is a JSON value read for rewriting: a scalar's raw bytes (a string's value), or an
// object's names and values in order, or an array's values.
type node struct {
	kind  jsontext.Kind
	raw   []byte
	str   string
	names []string
	kids  []*node
}

type repairer struct {
	dec                   *jsontext.Decoder
	badText, dups, merged places
}

func (r *repairer) value() (*node, error) {
	switch kind := r.dec.PeekKind(); kind {
	case '"':
		s, _, err := r.text()
		return &node{kind: '"', str: s}, err
	case '{', '[':
		return r.composite(kind)
	default:
		v, err := r.dec.ReadValue()
		return &node{kind: kind, raw: bytes.Clone(v)}, err
	}
}

// text reads a string (a value or a name), noting where it was not valid UTF-8 (bad).
func (r *repairer) text() (s string, bad bool, err error) {
	v, err := r.dec.ReadValue()
	if err != nil {
		return "", false, err
	}
	b, err := jsontext.AppendUnquote(nil, v)
	if err != nil {
		r.badText.add(textLocation(r.dec))
	}
	return string(b), err != nil, nil
}

func (r *repairer) composite(kind jsontext.Kind) (*node, error) {
	n := &node{kind: kind}
	if _, err := r.dec.ReadToken(); err != nil {
		return nil, err
	}
	var at map[string]int
	var repaired map[string]bool     // the names that held invalid UTF-8
	for r.dec.PeekKind() != kind+2 { // '}' is '{'+2, ']' is '['+2
		if kind == '{' {
			name, bad, err := r.text()
			if err != nil {
				return nil, err
			}
			v, err := r.value()
			if err != nil {
				return nil, err
			}
			if at == nil {
				at = make(map[string]int)
			}
			if i, dup := at[name]; dup {
				n.kids[i] = v
				where := &r.dups
				if bad || repaired[name] { // "\ud800" and "\ufffd" are two names until repaired
					where = &r.merged
				}
				where.add(pointerPath(r.dec.StackPointer()))
				continue
			}
			if bad {
				if repaired == nil {
					repaired = make(map[string]bool)
				}
				repaired[name] = true
			}
			at[name] = len(n.kids)
			n.names = append(n.names, name)
			n.kids = append(n.kids, v)
			continue
		}
		v, err := r.value()
		if err != nil {
			return nil, err
		}
		n.kids = append(n.kids, v)
	}
	_, err := r.dec.ReadToken()
	return n, err
}

func (n *node) write(enc *jsontext.Encoder) error {
	switch n.kind {
	case '"':
		return enc.WriteToken(jsontext.String(n.str))
	case '{', '[':
		begin, end := jsontext.BeginObject, jsontext.EndObject
		if n.kind == '[' {
			begin, end = jsontext.BeginArray, jsontext.EndArray
		}
		if err := enc.WriteToken(begin); err != nil {
			return err
		}
		for i, k := range n.kids {
			if n.kind == '{' {
				if err := enc.WriteToken(jsontext.String(n.names[i])); err != nil {
					return err
				}
			}
			if err := k.write(enc); err != nil {
				return err
			}
		}
		return enc.WriteToken(end)
	}
	return enc.WriteValue(n.raw)
}

// textLocation names the string just read: its path, or the object whose member name it is.
func textLocation(dec *jsontext.Decoder) string {
	ptr := dec.StackPointer()
	if kind, n := dec.StackIndex(dec.StackDepth()); kind == '{' && n%2 == 1 {
		at := pointerPath(ptr.Parent())
		if at == "" {
			at = "the event"
		}
		return "a member name of " + at
	}
	at := pointerPath(ptr)
	if at == "" {
		return "the event"
	}
	return at
}
