package model

import (
	"fmt"
	"time"

	"github.com/deskwatch/deskwatch/internal/nanos"
)

// Field names a column-like part of a row whose last change time is kept, so a view can highlight a
// cell that just changed.
type Field int

// The fields whose changes are tracked.
const (
	FieldState Field = iota
	FieldMuted
	FieldRecording
	FieldParties
	FieldDisposition
	FieldSubject
	FieldService
	FieldCounterpart
	FieldDirection
	FieldAudioAlert
	NumFields
)

// Row is one interaction as the store holds it. A Row is immutable once the store has published it:
// the store replaces it with a new Row on every change, so readers may keep and read it without locks.
type Row struct {
	// Key is unique in the store: the agent id and the interaction id.
	Key string
	// Seq orders rows by first sight; sorts use it to break ties so rows do not jump.
	Seq uint64
	// AgentID is the agent whose desktop reported it ("" on a single-agent stream).
	AgentID string
	// Data is the latest snapshot.
	Data *Interaction
	// Record is the ON_SAVE_ACTIVITY_RECORD snapshot, when one arrived.
	Record *Interaction
	// FirstSeen and Updated are event times of the first and the latest snapshot.
	FirstSeen, Updated time.Time
	// AnsweredAt is when it was answered: first seen in delivered or a state after delivery (zero
	// while it has not been; floor.go defines it).
	AnsweredAt time.Time
	// Ended is set by ON_INTERACTION_REMOVED (or a resync that no longer lists it) at EndedAt.
	Ended   bool
	EndedAt time.Time
	// Reclaimed says the memory bound ended it (held_reclaim.go), not its agent: the interaction
	// may go on, so the floor statistics count it neither handled nor abandoned and its agent's
	// Handled leaves it out. An event that reopens it clears it.
	Reclaimed bool
	// AudioAlert is the call's active audio-quality alert ("" when none).
	AudioAlert string
	// DisconnectedAt is when the hub said the agent's desktop disconnected (zero while connected,
	// or when nothing was said): the open row is stale, its clocks stop there and no rule alerts
	// on it.
	DisconnectedAt time.Time
	// Timeline lists the changes found by comparing snapshots, oldest first.
	Timeline []Change
	// Changed holds the wall-clock time each field last changed, as Unix nanoseconds (0: never),
	// for highlighting; ChangedAt reads it.
	Changed [NumFields]int64
	// Version is the store version that produced this row.
	Version uint64
	// statsEnded is set once the floor statistics have counted its end (floor_hooks.go).
	statsEnded bool
	// For the memory bound (held.go): what the snapshots hold, the timeline's texts' total, and
	// what the row counts for in Stats.Held.
	snapHeld, timelineText, held int64
}

// ChangedAt is the wall-clock time field f last changed; zero when it never did.
func (r *Row) ChangedAt(f Field) time.Time { return nanos.Time(r.Changed[f]) }

// Start is when the interaction started: its startTime, or when the monitor first saw it.
func (r *Row) Start() time.Time {
	if t := Millis(r.Data.StartTime); !t.IsZero() {
		return t
	}
	return r.FirstSeen
}

// Open reports whether the interaction is still open: not removed, and not in a state it ends in
// (State.Ends). The header's open count, the open-first order, "e" (hide ended) and the filter's
// "open"/"ended" all ask this.
func (r *Row) Open() bool { return !r.Ended && !r.Data.State.Ends() }

// End is when the interaction ended, as soon as that is known: its endTime (the desktop sets it at
// wrap-up), else when it entered a state it ends in (completed), else, once removed, when it was
// removed. The zero time while it is still running.
func (r *Row) End() time.Time {
	switch end := Millis(r.Data.EndTime); {
	case !end.IsZero():
		return end
	case r.Data.State.Ends():
		return r.stateSince()
	case r.Ended:
		return r.EndedAt
	}
	return time.Time{}
}

// Duration is how long the interaction has lasted at now: up to its End once that is known, so it
// stops there and never runs backwards when the interaction is later removed. A removed one without
// endTime lasted until its removal, or its reported duration when that is longer (the monitor may
// have seen it late, without a startTime).
func (r *Row) Duration(now time.Time) time.Duration {
	end := r.End()
	if end.IsZero() {
		return nonNegative(r.clock(now).Sub(r.Start()))
	}
	d := nonNegative(end.Sub(r.Start()))
	if Millis(r.Data.EndTime).IsZero() && r.Data.Duration != nil && *r.Data.Duration > 0 {
		d = max(d, time.Duration(*r.Data.Duration*float64(time.Second)))
	}
	return d
}

// clock is now for a live row; for a stale one (its desktop disconnected) the time it went stale,
// if earlier.
func (r *Row) clock(now time.Time) time.Time {
	if !r.DisconnectedAt.IsZero() && now.After(r.DisconnectedAt) {
		return r.DisconnectedAt
	}
	return now
}

// InState is how long the interaction has been in its current state at now.
func (r *Row) InState(now time.Time) time.Duration {
	return nonNegative(r.clock(now).Sub(r.stateSince()))
}

// stateSince is when the interaction entered its current state: its last state change, or when it
// was first seen.
func (r *Row) stateSince() time.Time {
	for i := len(r.Timeline) - 1; i >= 0; i-- {
		if k := r.Timeline[i].Kind; k == ChangeState || k == ChangeCreated {
			return r.Timeline[i].At()
		}
	}
	return r.FirstSeen
}

func nonNegative(d time.Duration) time.Duration { return max(d, 0) }

// Agent is one agent seen in the stream. Like Row it is immutable once published.
type Agent struct {
	ID, Username, SessionID string
	// LoggedIn follows ON_LOGIN and ON_LOGOUT.
	LoggedIn bool
	// State, Reason and Since follow ON_AGENT_STATE_CHANGE (Since is the event time).
	State  AgentState
	Reason string
	Since  time.Time
	// ActiveInteraction follows ON_ACTIVE_INTERACTION_SWITCHED ("" for none).
	ActiveInteraction string
	// Screen is the screen-recording state, nil until reported.
	Screen *ScreenRecording
	// LastSeq is the last seq seen; Lost counts events that a seq jump says were lost.
	LastSeq int64
	HasSeq  bool
	Lost    int64
	// Handled counts the interactions that ended for this agent.
	Handled int
	// AudioAlert is an audio-quality alert reported for a call the store could not match to a row.
	AudioAlert string
	// FirstSeen and LastEvent are event times.
	FirstSeen, LastEvent time.Time
	// Desktop is what the hub said of the agent's desktop, since DesktopSince (event time), and
	// why; empty when nothing was said.
	Desktop       DesktopStatus
	DesktopSince  time.Time
	DesktopReason string
	// Timeline lists the agent's own changes (login, state, logout, desktop), oldest first.
	Timeline []Change
	// States is the agent's recent state history, oldest first (bounded; floor.go), for the
	// state timeline.
	States  []StateSpan
	Version uint64
	// For the memory bound (held.go): the texts' totals of Timeline and States, and what the agent
	// counts for in Stats.Held.
	timelineText, spanText, held int64
}

// Rejection is a message the store refused, with where it came from and why; or, with Warning,
// one it accepted with a warning (its text repaired, a required field missing).
type Rejection struct {
	Origin Origin
	Reason string
	// Warning is true for an accepted message's warning; its Reason then starts "accepted with a
	// warning: ".
	Warning bool
	// Raw is the start of the message as received (at most RejectedRawBytes).
	Raw []byte
	At  time.Time
}

// RejectedRawBytes is how much of a rejected message the rejected log keeps.
const RejectedRawBytes = 256

// AlertKind classifies entries of the store's alert log.
type AlertKind string

// The alert kinds the store records as events arrive.
const (
	AlertServerError AlertKind = "server error"
	AlertLostEvents  AlertKind = "events lost"
	AlertAudio       AlertKind = "audio quality"
)

// Alert is an entry of the alert log.
type Alert struct {
	Kind    AlertKind
	AgentID string
	Key     string
	Text    string
	At      time.Time
}

// FormatDuration formats a duration for people, in at most 7 cells: m:ss below an hour, h:mm:ss
// below ten hours, then hours and minutes below 100 hours (30h02m), then days and hours (4d04h),
// and whole days from 1000 days on. Every view that shows a duration (table, detail, agents, help,
// alert texts) uses it.
func FormatDuration(d time.Duration) string {
	d = max(d, 0).Round(time.Second)
	h, m, s := int64(d/time.Hour), int64(d/time.Minute)%60, int64(d/time.Second)%60
	switch {
	case h >= 1000*24:
		return fmt.Sprintf("%dd", h/24)
	case h >= 100:
		return fmt.Sprintf("%dd%02dh", h/24, h%24)
	case h >= 10:
		return fmt.Sprintf("%dh%02dm", h, m)
	case h > 0:
		return fmt.Sprintf("%d:%02d:%02d", h, m, s)
	}
	return fmt.Sprintf("%d:%02d", m, s)
}
