package synth

import (
	"maps"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/deskwatch/deskwatch/model"
)

// wireState is INTERACTIONS_STATE's argument.
type wireState struct {
	ActiveInteractionID *string            `json:"activeInteractionId"`
	Interactions        []*wireInteraction `json:"interactions"`
}

// wireInteraction is InteractionData as the generator sends it, fields in the documented order.
// Optional fields left empty are omitted, as the desktop omits them.
type wireInteraction struct {
	InteractionID       string            `json:"interactionId"`
	State               model.State       `json:"state"`
	Type                model.Type        `json:"type"`
	Subject             string            `json:"subject"`
	AssociatedObjects   wireObjects       `json:"associatedObjects"`
	CallParties         []wireParty       `json:"callParties"`
	CallMuted           bool              `json:"callMuted"`
	CallRecording       bool              `json:"callRecording"`
	AttachedData        map[string]string `json:"attachedData"`
	PhoneNumber         string            `json:"phoneNumber,omitempty"`
	Email               string            `json:"email,omitempty"`
	Description         string            `json:"description,omitempty"`
	Disposition         string            `json:"disposition,omitempty"`
	GlobalInteractionID string            `json:"globalInteractionId,omitempty"`
	Service             string            `json:"service,omitempty"`
	PlaybackURL         string            `json:"playbackUrl,omitempty"`
	RecordingURL        string            `json:"recordingUrl,omitempty"`
	DNIS                string            `json:"DNIS,omitempty"`
	ANI                 string            `json:"ANI,omitempty"`
	CallDirection       string            `json:"callDirection,omitempty"`
	StartTime           int64             `json:"startTime,omitempty"`
	EndTime             int64             `json:"endTime,omitempty"`
	Duration            int64             `json:"duration,omitempty"`
	Origination         string            `json:"origination,omitempty"`
}

// wireObjects is associatedObjects; Selected is nil (null), a string, or a list of strings.
type wireObjects struct {
	List     []wireObject `json:"list"`
	Selected any          `json:"selected"`
}

// wireObject is one linked CRM record.
type wireObject struct {
	ID           string            `json:"id"`
	Type         string            `json:"type"`
	DisplayName  string            `json:"displayName"`
	DisplayType  string            `json:"displayType"`
	CustomFields map[string]string `json:"customFields,omitempty"`
	Source       string            `json:"source,omitempty"`
}

// wireParty is one call party; UserID is set for the contact centre's own users.
type wireParty struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Phone  string `json:"phone"`
	UserID string `json:"userId,omitempty"`
}

// wireLogin is ON_LOGIN's argument.
type wireLogin struct {
	IsLoggedIn bool   `json:"isLoggedIn"`
	AgentID    string `json:"agentId"`
	Username   string `json:"username"`
	SessionID  string `json:"sessionId"`
}

// wireServerError is ON_SERVER_ERROR's argument.
type wireServerError struct {
	Code      int    `json:"code"`
	Name      string `json:"name"`
	Timestamp int64  `json:"timestamp"`
	Message   string `json:"message"`
}

// wireScreen is ON_SCREEN_RECORDING_STATE_CHANGE's argument.
type wireScreen struct {
	Allowed bool `json:"allowed"`
	Active  bool `json:"active"`
	Muted   bool `json:"muted"`
}

// appendInteraction appends d as JSON, byte for byte what encoding/json makes of it (without HTML
// escaping). Interactions are most of the stream, and building them by hand is several times faster
// than reflection, which load tests notice.
func appendInteraction(b []byte, d *wireInteraction) []byte {
	b = appendField(b, `{"interactionId":`, d.InteractionID)
	b = appendField(b, `,"state":`, string(d.State))
	b = appendField(b, `,"type":`, string(d.Type))
	b = appendField(b, `,"subject":`, d.Subject)
	b = append(b, `,"associatedObjects":{"list":[`...)
	for i, o := range d.AssociatedObjects.List {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendObject(b, &o)
	}
	b = append(b, `],"selected":`...)
	switch sel := d.AssociatedObjects.Selected.(type) {
	case string:
		b = appendString(b, sel)
	case []string:
		b = appendStrings(b, sel)
	default:
		b = append(b, "null"...)
	}
	b = append(b, `},"callParties":[`...)
	for i, p := range d.CallParties {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendParty(b, &p)
	}
	b = append(b, `],"callMuted":`...)
	b = strconv.AppendBool(b, d.CallMuted)
	b = append(b, `,"callRecording":`...)
	b = strconv.AppendBool(b, d.CallRecording)
	b = append(b, `,"attachedData":`...)
	b = appendStringMap(b, d.AttachedData)
	b = appendOptional(b, `,"phoneNumber":`, d.PhoneNumber)
	b = appendOptional(b, `,"email":`, d.Email)
	b = appendOptional(b, `,"description":`, d.Description)
	b = appendOptional(b, `,"disposition":`, d.Disposition)
	b = appendOptional(b, `,"globalInteractionId":`, d.GlobalInteractionID)
	b = appendOptional(b, `,"service":`, d.Service)
	b = appendOptional(b, `,"playbackUrl":`, d.PlaybackURL)
	b = appendOptional(b, `,"recordingUrl":`, d.RecordingURL)
	b = appendOptional(b, `,"DNIS":`, d.DNIS)
	b = appendOptional(b, `,"ANI":`, d.ANI)
	b = appendOptional(b, `,"callDirection":`, d.CallDirection)
	b = appendNumber(b, `,"startTime":`, d.StartTime)
	b = appendNumber(b, `,"endTime":`, d.EndTime)
	b = appendNumber(b, `,"duration":`, d.Duration)
	b = appendOptional(b, `,"origination":`, d.Origination)
	return append(b, '}')
}

func appendObject(b []byte, o *wireObject) []byte {
	b = appendField(b, `{"id":`, o.ID)
	b = appendField(b, `,"type":`, o.Type)
	b = appendField(b, `,"displayName":`, o.DisplayName)
	b = appendField(b, `,"displayType":`, o.DisplayType)
	if len(o.CustomFields) > 0 {
		b = append(b, `,"customFields":`...)
		b = appendStringMap(b, o.CustomFields)
	}
	b = appendOptional(b, `,"source":`, o.Source)
	return append(b, '}')
}

func appendParty(b []byte, p *wireParty) []byte {
	b = appendField(b, `{"id":`, p.ID)
	b = appendField(b, `,"name":`, p.Name)
	b = appendField(b, `,"phone":`, p.Phone)
	b = appendOptional(b, `,"userId":`, p.UserID)
	return append(b, '}')
}

// appendField appends the member key (with its comma and colon) and the string v.
func appendField(b []byte, key, v string) []byte {
	return appendString(append(b, key...), v)
}

func appendOptional(b []byte, name, v string) []byte {
	if v == "" {
		return b
	}
	return appendField(b, name, v)
}

func appendNumber(b []byte, name string, v int64) []byte {
	if v == 0 {
		return b
	}
	return strconv.AppendInt(append(b, name...), v, 10)
}

func appendStrings(b []byte, list []string) []byte {
	b = append(b, '[')
	for i, s := range list {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, s)
	}
	return append(b, ']')
}

// appendStringMap appends m with its keys sorted, as encoding/json does, so the output is stable.
func appendStringMap(b []byte, m map[string]string) []byte {
	b = append(b, '{')
	for i, k := range slices.Sorted(maps.Keys(m)) {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(appendString(b, k), ':')
		b = appendString(b, m[k])
	}
	return append(b, '}')
}

// appendString appends s as a JSON string the way encoding/json does without HTML escaping: quotes,
// backslashes and control characters escaped, U+2028 and U+2029 escaped for JavaScript, invalid
// UTF-8 replaced by U+FFFD, everything else as is.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
