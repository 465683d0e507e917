package model

import (
	"fmt"
	"time"
)

// ChangeKind classifies a timeline entry.
type ChangeKind string

// The kinds of change the timeline records.
const (
	ChangeCreated     ChangeKind = "created"
	ChangeState       ChangeKind = "state"
	ChangeMuted       ChangeKind = "muted"
	ChangeUnmuted     ChangeKind = "unmuted"
	ChangeRecStarted  ChangeKind = "recording started"
	ChangeRecStopped  ChangeKind = "recording stopped"
	ChangePartyJoined ChangeKind = "party joined"
	ChangePartyLeft   ChangeKind = "party left"
	ChangeDisposition ChangeKind = "disposition"
	ChangeService     ChangeKind = "service"
	ChangeEnded       ChangeKind = "ended"
	ChangeReopened    ChangeKind = "reopened"
	ChangeRecord      ChangeKind = "activity record"
	ChangeAudioAlert  ChangeKind = "audio alert"
	ChangeAudioClear  ChangeKind = "audio alert cleared"
	ChangeLogin       ChangeKind = "login"
	ChangeLogout      ChangeKind = "logout"
	ChangeAgentState  ChangeKind = "agent state"
)

// Change is one timeline entry: what changed, when (event time), and a readable description.
type Change struct {
	At     time.Time
	Kind   ChangeKind
	Text   string
	Source string // the event type that carried it
}

// diff compares two snapshots of one interaction and returns the changes between them, and marks the
// changed fields in changed with the wall-clock time wall.
func diff(prev, next *Interaction, at, wall time.Time, source string, changed *[NumFields]time.Time) []Change {
	var out []Change
	add := func(k ChangeKind, f Field, text string) {
		out = append(out, Change{At: at, Kind: k, Text: text, Source: source})
		changed[f] = wall
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
	for _, p := range next.CallParties {
		if !hasParty(prev.CallParties, p.ID) {
			add(ChangePartyJoined, FieldParties, "party joined: "+partyLabel(p))
		}
	}
	for _, p := range prev.CallParties {
		if !hasParty(next.CallParties, p.ID) {
			add(ChangePartyLeft, FieldParties, "party left: "+partyLabel(p))
		}
	}
	if a, b := Str(prev.Disposition), Str(next.Disposition); a != b && b != "" {
		add(ChangeDisposition, FieldDisposition, "disposition set: "+b)
	}
	if a, b := Str(prev.Service), Str(next.Service); a != b && a != "" {
		add(ChangeService, FieldService, fmt.Sprintf("service %s → %s", a, b))
	}
	if prev.Subject != next.Subject {
		changed[FieldSubject] = wall
	}
	if prev.Counterpart() != next.Counterpart() {
		changed[FieldCounterpart] = wall
	}
	return out
}

func hasParty(ps []CallParty, id string) bool {
	for _, p := range ps {
		if p.ID == id {
			return true
		}
	}
	return false
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
