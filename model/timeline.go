package model

import (
	"fmt"
	"slices"
	"time"

	"github.com/deskwatch/deskwatch/internal/nanos"
)

// ChangeKind classifies a timeline entry.
type ChangeKind uint8

// The kinds of change the timeline records.
const (
	ChangeCreated ChangeKind = iota
	ChangeState
	ChangeMuted
	ChangeUnmuted
	ChangeRecStarted
	ChangeRecStopped
	ChangePartyJoined
	ChangePartyLeft
	ChangeDisposition
	ChangeService
	ChangeEnded
	ChangeReopened
	ChangeRecord
	ChangeAudioAlert
	ChangeAudioClear
	ChangeLogin
	ChangeLogout
	ChangeAgentState
	ChangeDesktop
	numChangeKinds
)

var changeKindNames = [numChangeKinds]string{"created", "state", "muted", "unmuted",
	"recording started", "recording stopped", "party joined", "party left", "disposition", "service",
	"ended", "reopened", "activity record", "audio alert", "audio alert cleared", "login", "logout",
	"agent state", "desktop"}

// String names the kind as timelines and exports show it ("party joined").
func (k ChangeKind) String() string {
	if k < numChangeKinds {
		return changeKindNames[k]
	}
	return "?"
}

// Change is one timeline entry: what changed, when (event time), a readable description, and the
// event type that carried it. It takes 32 bytes, since a retained interaction keeps a dozen: the
// time is kept as Unix nanoseconds and the event type as an index into the known types.
type Change struct {
	at     int64
	Text   string
	Kind   ChangeKind
	source uint8
}

// NewChange makes a timeline entry. source is the event type that carried it (one the store
// applies; another one reads back as ""). A text longer than MaxChangeText bytes is cut to it.
func NewChange(at time.Time, kind ChangeKind, text, source string) Change {
	return Change{at: nanos.Of(at), Text: clipText(text, MaxChangeText), Kind: kind, source: eventTypeIndex(source)}
}

// At is when the change happened, in event time.
func (c Change) At() time.Time { return nanos.Time(c.at) }

// Source is the event type that carried the change.
func (c Change) Source() string { return eventTypeName(c.source) }

// changeSources are the event types that make timeline entries, indexed from 1 (0 is none).
var changeSources = []string{"", EvNewInteraction, EvInteractionStateChange, EvInteractionRemoved,
	EvSaveActivityRecord, EvInteractionsState, EvAudioQualityAlert, EvAgentStateChange, EvLogin,
	EvLogout, EvDesktop, EvResyncEnd}

func eventTypeIndex(t string) uint8 {
	for i, s := range changeSources {
		if s == t {
			return uint8(i)
		}
	}
	return 0
}

func eventTypeName(i uint8) string {
	if int(i) < len(changeSources) {
		return changeSources[i]
	}
	return ""
}

// diff compares two snapshots of one interaction and returns the changes between them, and marks the
// changed fields in changed with the wall-clock time wall.
func diff(prev, next *Interaction, at, wall time.Time, source string, changed *[NumFields]int64) []Change {
	var out []Change
	add := func(k ChangeKind, f Field, text string) {
		out = append(out, NewChange(at, k, text, source))
		changed[f] = nanos.Of(wall)
	}
	if prev.State != next.State {
		add(ChangeState, FieldState, fmt.Sprintf("state %s → %s", prev.State, next.State))
	}
	if prev.CallMuted != next.CallMuted {
		if next.CallMuted {
			add(ChangeMuted, FieldMuted, "muted")
		} else {
			add(ChangeUnmuted, FieldMuted, "unmuted")
		}
	}
	if prev.CallRecording != next.CallRecording {
		if next.CallRecording {
			add(ChangeRecStarted, FieldRecording, "recording started")
		} else {
			add(ChangeRecStopped, FieldRecording, "recording stopped")
		}
	}
	joined, left := partyChanges(prev.CallParties, next.CallParties)
	for i, p := range joined {
		if i == maxPartyChanges {
			add(ChangePartyJoined, FieldParties, fmt.Sprintf("%d more parties joined", len(joined)-i))
			break
		}
		add(ChangePartyJoined, FieldParties, "party joined: "+partyLabel(p))
	}
	for i, p := range left {
		if i == maxPartyChanges {
			add(ChangePartyLeft, FieldParties, fmt.Sprintf("%d more parties left", len(left)-i))
			break
		}
		add(ChangePartyLeft, FieldParties, "party left: "+partyLabel(p))
	}
	if a, b := Str(prev.Disposition), Str(next.Disposition); a != b && b != "" {
		add(ChangeDisposition, FieldDisposition, "disposition set: "+b)
	}
	if a, b := Str(prev.Service), Str(next.Service); a != b && a != "" {
		add(ChangeService, FieldService, fmt.Sprintf("service %s → %s", a, b))
	}
	if prev.Subject != next.Subject {
		changed[FieldSubject] = nanos.Of(wall)
	}
	if prev.Counterpart() != next.Counterpart() {
		changed[FieldCounterpart] = nanos.Of(wall)
	}
	return out
}

// maxPartyChanges is how many parties joining (or leaving) one snapshot names in the timeline; the
// rest are counted in one more entry, so that a snapshot of thousands of parties does not make
// thousands of entries the timeline's cap then drops.
const maxPartyChanges = 20

// partyChanges returns the parties of next whose id prev lacks (joined) and those of prev whose
// id next lacks (left), in their order. It is linear in the parties: a snapshot may list tens of
// thousands within the size limit.
func partyChanges(prev, next []CallParty) (joined, left []CallParty) {
	if len(prev)*len(next) <= 64 { // the usual few parties: no set needed
		for _, p := range next {
			if !slices.ContainsFunc(prev, func(q CallParty) bool { return q.ID == p.ID }) {
				joined = append(joined, p)
			}
		}
		for _, p := range prev {
			if !slices.ContainsFunc(next, func(q CallParty) bool { return q.ID == p.ID }) {
				left = append(left, p)
			}
		}
		return joined, left
	}
	return missingFrom(idSet(prev), next), missingFrom(idSet(next), prev)
}

func idSet(ps []CallParty) map[string]struct{} {
	set := make(map[string]struct{}, len(ps))
	for _, p := range ps {
		set[p.ID] = struct{}{}
	}
	return set
}

func missingFrom(set map[string]struct{}, ps []CallParty) []CallParty {
	var out []CallParty
	for _, p := range ps {
		if _, ok := set[p.ID]; !ok {
			out = append(out, p)
		}
	}
	return out
}

func partyLabel(p CallParty) string {
	switch {
	case p.Name != "" && p.Phone != "":
		return p.Name + " (" + p.Phone + ")"
	case p.Name != "":
		return p.Name
	case p.Phone != "":
		return p.Phone
	}
	return p.ID
}
