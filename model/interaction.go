package model

import (
	"time"

	"github.com/go-json-experiment/json/jsontext"
)

// Interaction is the API's InteractionData: one full snapshot of an interaction. Optional fields are
// pointers so that "absent" and "empty" stay apart; fields the monitor does not know are kept in Extra.
type Interaction struct {
	ID                string            `json:"interactionId"`
	State             State             `json:"state"`
	Type              Type              `json:"type"`
	Subject           string            `json:"subject"`
	AssociatedObjects AssociatedObjects `json:"associatedObjects"`
	CallParties       []CallParty       `json:"callParties"`
	CallMuted         bool              `json:"callMuted"`
	CallRecording     bool              `json:"callRecording"`
	AttachedData      map[string]string `json:"attachedData"`

	PhoneNumber         *string      `json:"phoneNumber,omitempty"`
	Email               *string      `json:"email,omitempty"`
	Description         *string      `json:"description,omitempty"`
	Disposition         *string      `json:"disposition,omitempty"`
	GlobalInteractionID *string      `json:"globalInteractionId,omitempty"`
	Service             *string      `json:"service,omitempty"`
	PlaybackURL         *string      `json:"playbackUrl,omitempty"`
	RecordingURL        *string      `json:"recordingUrl,omitempty"`
	DNIS                *string      `json:"DNIS,omitempty"`
	ANI                 *string      `json:"ANI,omitempty"`
	CallDirection       *Direction   `json:"callDirection,omitempty"`
	StartTime           *float64     `json:"startTime,omitempty"`
	EndTime             *float64     `json:"endTime,omitempty"`
	Duration            *float64     `json:"duration,omitempty"`
	Origination         *Origination `json:"origination,omitempty"`

	// Extra holds the fields this version does not know (chatParties, internal, interactionKind, …).
	Extra map[string]jsontext.Value `json:",embed"`

	// held is what it holds in memory, as the decoder estimated it (held.go); 0 when it was not
	// decoded.
	held int64
}

// AssociatedObjects are the CRM records linked to an interaction.
type AssociatedObjects struct {
	List []AssociatedObject `json:"list"`
	// Selected is null, one id, or a list of ids, kept as it came.
	Selected jsontext.Value            `json:"selected,omitempty"`
	Extra    map[string]jsontext.Value `json:",embed"`
}

// AssociatedObject is one linked CRM record.
type AssociatedObject struct {
	ID           string                    `json:"id"`
	Type         string                    `json:"type"`
	DisplayName  string                    `json:"displayName"`
	DisplayType  string                    `json:"displayType"`
	CustomFields jsontext.Value            `json:"customFields,omitempty"`
	Source       jsontext.Value            `json:"source,omitempty"`
	Extra        map[string]jsontext.Value `json:",embed"`
}

// CallParty is one participant of a call.
type CallParty struct {
	ID     string                    `json:"id"`
	Name   string                    `json:"name"`
	Phone  string                    `json:"phone"`
	UserID *string                   `json:"userId,omitempty"`
	Extra  map[string]jsontext.Value `json:",embed"`
}

// FieldNames lists the 24 InteractionData fields of API version 5.19 in the order the detail view
// shows them.
var FieldNames = []string{"interactionId", "state", "type", "subject", "associatedObjects",
	"callParties", "callMuted", "callRecording", "attachedData", "phoneNumber", "email", "description",
	"disposition", "globalInteractionId", "service", "playbackUrl", "recordingUrl", "DNIS", "ANI",
	"callDirection", "startTime", "endTime", "duration", "origination"}

// Str returns an optional string's value, or "" when it is absent.
func Str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// Millis converts an optional epoch-milliseconds number to a time; the zero time when absent.
func Millis(p *float64) time.Time {
	if p == nil || *p <= 0 {
		return time.Time{}
	}
	return time.UnixMilli(int64(*p))
}

// Counterpart returns the other party's address as fits the type: the email address for email, the
// caller (ANI) for inbound calls, the dialled number for outbound calls, else the phone number.
func (in *Interaction) Counterpart() string {
	if in.Type == TypeEmail && in.Email != nil {
		return *in.Email
	}
	dir := Direction("")
	if in.CallDirection != nil {
		dir = *in.CallDirection
	}
	switch {
	case dir == DirectionOutbound && in.PhoneNumber != nil:
		return *in.PhoneNumber
	case dir == DirectionOutbound && in.DNIS != nil:
		return *in.DNIS
	case in.ANI != nil:
		return *in.ANI
	case in.PhoneNumber != nil:
		return *in.PhoneNumber
	case in.Email != nil:
		return *in.Email
	}
	return ""
}
