package model

import (
	"time"

	"github.com/go-json-experiment/json/jsontext"
)

// The event types of API version 5.19 that the monitor understands, plus the bridge's snapshot.
const (
	EvNewInteraction          = "ON_NEW_INTERACTION"
	EvInteractionStateChange  = "ON_INTERACTION_STATE_CHANGE"
	EvInteractionRemoved      = "ON_INTERACTION_REMOVED"
	EvSaveActivityRecord      = "ON_SAVE_ACTIVITY_RECORD"
	EvActiveInteractionSwitch = "ON_ACTIVE_INTERACTION_SWITCHED"
	EvAgentStateChange        = "ON_AGENT_STATE_CHANGE"
	EvLogin                   = "ON_LOGIN"
	EvLogout                  = "ON_LOGOUT"
	EvServerError             = "ON_SERVER_ERROR"
	EvAudioQualityAlert       = "ON_CALL_AUDIO_QUALITY_ALERT"
	EvScreenRecording         = "ON_SCREEN_RECORDING_STATE_CHANGE"
	EvInteractionsState       = "INTERACTIONS_STATE"
)

// EventTypes lists every event type the monitor understands.
var EventTypes = []string{EvNewInteraction, EvInteractionStateChange, EvInteractionRemoved,
	EvSaveActivityRecord, EvActiveInteractionSwitch, EvAgentStateChange, EvLogin, EvLogout,
	EvServerError, EvAudioQualityAlert, EvScreenRecording, EvInteractionsState}

// Event is one decoded envelope with its typed payload.
type Event struct {
	// Type is the API's event name as it came.
	Type string
	// AgentID is the sending agent; empty on a single-agent stream.
	AgentID string
	// TS is when the bridge saw the event; zero when the envelope had no ts.
	TS time.Time
	// Seq is the per-agent counter; HasSeq is false when the envelope had none.
	Seq    int64
	HasSeq bool
	// Payload is one of *Interaction, *InteractionsState, *AgentStateChange, *Login, *ServerError,
	// *AudioQualityAlert, *ScreenRecording, *ActiveSwitch, Logout{}, the hub's *Desktop or
	// ResyncEnd{}, or *Unknown.
	Payload any
	// Warnings are located notes on an event accepted as repaired or with defaults (invalid UTF-8
	// replaced, a required field missing), e.g. "params[0]: required callParties missing or null
	// (read as empty)". Callers report them like rejections but keep the event.
	Warnings []string
	// Repaired is the message as it was decoded when its text had to be repaired (invalid UTF-8
	// replaced with U+FFFD), nil otherwise: forward it rather than the original.
	Repaired []byte
}

// InteractionsState is a full snapshot of one agent's open interactions.
type InteractionsState struct {
	ActiveInteractionID *string       `json:"activeInteractionId"`
	Interactions        []Interaction `json:"interactions"`
}

// AgentStateChange is the agent's new state and, with not_ready, the reason.
type AgentStateChange struct {
	State  AgentState
	Reason string
}

// Login is ON_LOGIN's argument.
type Login struct {
	IsLoggedIn bool                      `json:"isLoggedIn"`
	AgentID    string                    `json:"agentId"`
	Username   string                    `json:"username"`
	SessionID  string                    `json:"sessionId"`
	Extra      map[string]jsontext.Value `json:",embed"`
}

// Logout is ON_LOGOUT's (empty) payload.
type Logout struct{}

// ServerError is ON_SERVER_ERROR's argument. Code and Timestamp are kept as they came (number or
// string).
type ServerError struct {
	Code      jsontext.Value            `json:"code"`
	Name      string                    `json:"name"`
	Timestamp jsontext.Value            `json:"timestamp"`
	Message   string                    `json:"message"`
	Extra     map[string]jsontext.Value `json:",embed"`
}

// AudioQualityAlert flags (Active) or clears the audio-quality alert of a call.
type AudioQualityAlert struct {
	CallID string
	Active bool
	// Detail is the alert argument in a short form as it came (empty when cleared).
	Detail string
}

// ScreenRecording is the agent's screen-recording state.
type ScreenRecording struct {
	Allowed bool `json:"allowed"`
	Active  bool `json:"active"`
	Muted   bool `json:"muted"`
}

// ActiveSwitch names the interaction the agent has in front of them; ID is empty for null.
type ActiveSwitch struct {
	ID string
}

// Unknown is the payload of an event type the monitor does not know; it is counted and listed.
type Unknown struct {
	Params int
}
