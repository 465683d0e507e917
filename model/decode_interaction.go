package model

import (
	"bytes"
	"math"
	"strings"

	"github.com/go-json-experiment/json/jsontext"
)

// decodeInteraction reads one InteractionData object from d member by member, without reflection:
// what json.UnmarshalDecode makes of it (a fresh Interaction; null reads as the zero value, an empty
// array or object as an empty one, unknown members and the kept raw values as they came). It
// reports false on anything else: an escaped member name, or one that differs from a known name only
// in letter case, a value of the wrong kind, a number out of range. The fast path then gives up and
// Decode takes the plain path, so the result is the plain path's by construction
// (TestDecodeFastMatchesPlain and its fuzz test check it). The decoder is strict, so a name given
// twice or invalid UTF-8 never gets here.
func decodeInteraction(d *jsontext.Decoder, c *stringCache) (*Interaction, bool) {
	in := new(Interaction)
	ok := readObject(d, func(name []byte) bool {
		switch string(name) {
		case "interactionId":
			return readStr(d, c, &in.ID)
		case "state":
			return readStr(d, c, &in.State)
		case "type":
			return readStr(d, c, &in.Type)
		case "subject":
			return readStr(d, c, &in.Subject)
		case "associatedObjects":
			return readAssociated(d, c, &in.AssociatedObjects)
		case "callParties":
			return readParties(d, c, &in.CallParties)
		case "callMuted":
			return readBool(d, &in.CallMuted)
		case "callRecording":
			return readBool(d, &in.CallRecording)
		case "attachedData":
			return readStringMap(d, c, &in.AttachedData)
		case "startTime":
			return readOptFloat(d, &in.StartTime)
		case "endTime":
			return readOptFloat(d, &in.EndTime)
		case "duration":
			return readOptFloat(d, &in.Duration)
		case "callDirection":
			return readOptStr(d, c, &in.CallDirection)
		case "origination":
			return readOptStr(d, c, &in.Origination)
		}
		if p := in.optionalString(string(name)); p != nil {
			return readOptStr(d, c, p)
		}
		return readExtra(d, name, &in.Extra, interactionNames[:])
	})
	return in, ok
}

// optionalString is the optional string field called name, or nil.
func (in *Interaction) optionalString(name string) **string {
	switch name {
	case "phoneNumber":
		return &in.PhoneNumber
	case "email":
		return &in.Email
	case "description":
		return &in.Description
	case "disposition":
		return &in.Disposition
	case "globalInteractionId":
		return &in.GlobalInteractionID
	case "service":
		return &in.Service
	case "playbackUrl":
		return &in.PlaybackURL
	case "recordingUrl":
		return &in.RecordingURL
	case "DNIS":
		return &in.DNIS
	case "ANI":
		return &in.ANI
	}
	return nil
}

// The member names of the decoded structs, for readExtra's check of names in another letter case
// and caseTwin's.
var (
	envelopeNames    = [...]string{"type", "agentId", "ts", "seq", "params"}
	interactionNames = [...]string{"interactionId", "state", "type", "subject", "associatedObjects",
		"callParties", "callMuted", "callRecording", "attachedData", "phoneNumber", "email", "description",
		"disposition", "globalInteractionId", "service", "playbackUrl", "recordingUrl", "DNIS", "ANI",
		"callDirection", "startTime", "endTime", "duration", "origination"}
	associatedNames = [...]string{"list", "selected"}
	objectNames     = [...]string{"id", "type", "displayName", "displayType", "customFields", "source"}
	partyNames      = [...]string{"id", "name", "phone", "userId"}
)

func readAssociated(d *jsontext.Decoder, c *stringCache, ao *AssociatedObjects) bool {
	return readObject(d, func(name []byte) bool {
		switch string(name) {
		case "list":
			return readArray(d, &ao.List, func(d *jsontext.Decoder, o *AssociatedObject) bool {
				return readAssociatedObject(d, c, o)
			})
		case "selected":
			return readRaw(d, &ao.Selected)
		}
		return readExtra(d, name, &ao.Extra, associatedNames[:])
	})
}

func readAssociatedObject(d *jsontext.Decoder, c *stringCache, o *AssociatedObject) bool {
	return readObject(d, func(name []byte) bool {
		switch string(name) {
		case "id":
			return readStr(d, c, &o.ID)
		case "type":
			return readStr(d, c, &o.Type)
		case "displayName":
			return readStr(d, c, &o.DisplayName)
		case "displayType":
			return readStr(d, c, &o.DisplayType)
		case "customFields":
			return readRaw(d, &o.CustomFields)
		case "source":
			return readRaw(d, &o.Source)
		}
		return readExtra(d, name, &o.Extra, objectNames[:])
	})
}

func readParties(d *jsontext.Decoder, c *stringCache, parties *[]CallParty) bool {
	return readArray(d, parties, func(d *jsontext.Decoder, p *CallParty) bool {
		return readObject(d, func(name []byte) bool {
			switch string(name) {
			case "id":
				return readStr(d, c, &p.ID)
			case "name":
				return readStr(d, c, &p.Name)
			case "phone":
				return readStr(d, c, &p.Phone)
			case "userId":
				return readOptStr(d, c, &p.UserID)
			}
			return readExtra(d, name, &p.Extra, partyNames[:])
		})
	})
}

// readObject reads an object (null leaves the zero value), calling member with each member's name,
// unquoted, to read its value.
func readObject(d *jsontext.Decoder, member func(name []byte) bool) bool {
	if null, ok := readOpen(d, '{'); null || !ok {
		return ok
	}
	for d.PeekKind() != '}' {
		name, err := d.ReadValue()
		if err != nil || name.Kind() != '"' || bytes.IndexByte(name, '\\') >= 0 || !member(name[1:len(name)-1]) {
			return false
		}
	}
	return readClose(d)
}

// readOpen reads the token that begins a value of kind open ('{' or '['), or null: null reports
// a null, ok anything but an error or another kind.
func readOpen(d *jsontext.Decoder, open jsontext.Kind) (null, ok bool) {
	tok, err := d.ReadToken()
	if err != nil {
		return false, false
	}
	k := tok.Kind()
	return k == 'n', k == 'n' || k == open
}

// readClose reads the token that ends an object or array.
func readClose(d *jsontext.Decoder) bool {
	_, err := d.ReadToken()
	return err == nil
}

// readArray reads an array into a new slice (null: nil; empty: empty, not nil), each element with
// elem (a null element is the zero value).
func readArray[T any](d *jsontext.Decoder, s *[]T, elem func(*jsontext.Decoder, *T) bool) bool {
	switch null, ok := readOpen(d, '['); {
	case null:
		*s = nil
		return true
	case !ok:
		return false
	}
	out := []T{}
	for d.PeekKind() != ']' {
		var zero T
		out = append(out, zero)
		if !elem(d, &out[len(out)-1]) {
			return false
		}
	}
	*s = out
	return readClose(d)
}

func readStr[T ~string](d *jsontext.Decoder, c *stringCache, s *T) bool {
	v, err := d.ReadValue()
	switch {
	case err != nil:
		return false
	case v.Kind() == 'n':
		*s = ""
	case v.Kind() == '"':
		str, ok := c.unquote(v)
		*s = T(str)
		return ok
	default:
		return false
	}
	return true
}

func readOptStr[T ~string](d *jsontext.Decoder, c *stringCache, p **T) bool {
	if d.PeekKind() == 'n' {
		*p = nil
		_, err := d.ReadToken()
		return err == nil
	}
	v := new(T)
	*p = v
	return d.PeekKind() == '"' && readStr(d, c, v)
}

func readBool(d *jsontext.Decoder, b *bool) bool {
	tok, err := d.ReadToken()
	switch {
	case err != nil:
		return false
	case tok.Kind() == 't':
		*b = true
	case tok.Kind() == 'f' || tok.Kind() == 'n':
		*b = false
	default:
		return false
	}
	return true
}

func readOptFloat(d *jsontext.Decoder, p **float64) bool {
	tok, err := d.ReadToken()
	switch {
	case err != nil:
		return false
	case tok.Kind() == 'n':
		*p = nil
		return true
	case tok.Kind() != '0':
		return false
	}
	f, err := tok.Float()
	if err != nil || math.IsInf(f, 0) {
		return false
	}
	*p = &f
	return true
}

// readStringMap reads an object of strings into a new map (null: nil; empty: empty, not nil).
func readStringMap(d *jsontext.Decoder, c *stringCache, m *map[string]string) bool {
	switch null, ok := readOpen(d, '{'); {
	case null:
		*m = nil
		return true
	case !ok:
		return false
	}
	out := map[string]string{}
	for d.PeekKind() != '}' {
		name, err := d.ReadValue()
		if err != nil || name.Kind() != '"' {
			return false
		}
		key, ok := c.unquote(name)
		var v string
		if !ok || !readStr(d, c, &v) {
			return false
		}
		out[key] = v
	}
	*m = out
	return readClose(d)
}

// readRaw keeps a value as it came (null included, as the JSON library does).
func readRaw(d *jsontext.Decoder, v *jsontext.Value) bool {
	raw, err := d.ReadValue()
	if err != nil {
		return false
	}
	*v = raw.Clone()
	return true
}

// readExtra keeps an unknown member as it came, unless its name is a known one in other letter case
// (left to the plain path).
func readExtra(d *jsontext.Decoder, name []byte, extra *map[string]jsontext.Value, known []string) bool {
	for _, k := range known {
		if strings.EqualFold(string(name), k) {
			return false
		}
	}
	raw, err := d.ReadValue()
	if err != nil {
		return false
	}
	if *extra == nil {
		*extra = map[string]jsontext.Value{}
	}
	(*extra)[string(name)] = raw.Clone()
	return true
}

// stringCache shares the strings a decoder makes from short values that repeat (states, types,
// attached-data keys and values, subjects, services: an interaction's every event carries them
// again): one allocation, and one copy in the store, instead of one per event, as the JSON
// library's own cache does. A slot holds the last string that hashed to it.
type stringCache [1024]string

// unquote is the string a quoted JSON string (valid UTF-8, as the strict decoder reads it) holds.
func (c *stringCache) unquote(v jsontext.Value) (string, bool) {
	body := v[1 : len(v)-1]
	if bytes.IndexByte(body, '\\') >= 0 {
		b, err := jsontext.AppendUnquote(nil, v)
		return string(b), err == nil
	}
	if len(body) < 2 || len(body) > 64 {
		return string(body), true
	}
	n := len(body) // a hash of the length and four bytes: enough to tell the repeating values apart
	h := (uint32(n)*31+uint32(body[0]))*31 + uint32(body[1])
	h = ((h*31+uint32(body[n/2]))*31 + uint32(body[n-1])) * 2654435761
	slot := &c[h>>22]
	if *slot != string(body) {
		*slot = string(body)
	}
	return *slot, true
}
