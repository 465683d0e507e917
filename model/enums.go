package model

import "slices"

// State is an interaction's state as the Agent Desktop reports it. Values the monitor does not know
// (newer desktops add some) are kept as they came; Known tells them apart.
type State string

// The interaction states of API version 5.19.
const (
	StateUnknown         State = "unknown"
	StateQueued          State = "queued"
	StateIVR             State = "ivr"
	StateDelivered       State = "delivered"
	StateDeliveryPending State = "delivery_pending"
	StateHold            State = "hold"
	StateWrapUp          State = "wrap_up"
	StateWrapUpHold      State = "wrap_up_hold"
	StateCompleted       State = "completed"
)

// States lists the known states in the order a call usually passes through them; header counts use it.
var States = []State{StateQueued, StateIVR, StateDeliveryPending, StateDelivered, StateHold,
	StateWrapUp, StateWrapUpHold, StateCompleted, StateUnknown}

// Known reports whether s is one of the documented states.
func (s State) Known() bool { return slices.Contains(States, s) }

// Ends reports whether s is a state the interaction ends in: completed. The wrap-up states are not:
// the customer has gone but the agent is still working on the interaction (notes, disposition), so
// it still takes the agent's time and a supervisor still watches it. Unknown states are open, as
// a newer desktop's state is more likely a step of the work than its end. A removed interaction
// (ON_INTERACTION_REMOVED) is ended whatever its state: see Row.Open.
func (s State) Ends() bool { return s == StateCompleted }

// Type is the interaction's media type.
type Type string

// The documented media types.
const (
	TypeVoice Type = "voice"
	TypeChat  Type = "chat"
	TypeEmail Type = "email"
)

// Types lists the known media types in display order.
var Types = []Type{TypeVoice, TypeChat, TypeEmail}

// Known reports whether t is one of the documented media types.
func (t Type) Known() bool { return slices.Contains(Types, t) }

// Direction is a call's direction.
type Direction string

// The documented call directions.
const (
	DirectionInbound  Direction = "inbound"
	DirectionOutbound Direction = "outbound"
)

// Known reports whether d is a documented direction.
func (d Direction) Known() bool { return d == DirectionInbound || d == DirectionOutbound }

// Origination says how the agent started an interaction.
type Origination string

// Originations lists the documented origination values.
var Originations = []Origination{"dialpad", "dialpad-search", "directory", "recent", "favorites",
	"workitem", "interaction", "contact-profile", "help", "conference", "auto", "integration-api"}

// Known reports whether o is a documented origination.
func (o Origination) Known() bool { return slices.Contains(Originations, o) }

// AgentState is the agent's own state.
type AgentState string

// The documented agent states, including the newer ones.
const (
	AgentReady         AgentState = "ready"
	AgentNotReady      AgentState = "not_ready"
	AgentBusy          AgentState = "busy"
	AgentAfterCallWork AgentState = "after_call_work"
	AgentSupervising   AgentState = "supervising"
	AgentReserved      AgentState = "reserved"
	AgentRinging       AgentState = "ringing"
)

// AgentStates lists the known agent states.
var AgentStates = []AgentState{AgentReady, AgentNotReady, AgentBusy, AgentAfterCallWork,
	AgentSupervising, AgentReserved, AgentRinging}

// Known reports whether a is a documented agent state.
func (a AgentState) Known() bool { return slices.Contains(AgentStates, a) }
