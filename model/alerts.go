package model

import (
	"fmt"
	"time"
)

// The alert kinds the rules find on rows, beside the store's log kinds (AlertServerError,
// AlertLostEvents, and AlertAudio, which rows and agents use too).
const (
	AlertHold         AlertKind = "long hold"
	AlertQueued       AlertKind = "long queue"
	AlertMuted        AlertKind = "muted"
	AlertNotRecording AlertKind = "not recording"
)

// AlertRules decide which rows and agents are alerting. They are pure: the same rows and the same
// now give the same answer, so tests use a fixed clock. now is the source's clock (a replay's
// position, or wall time), the clock event times and Row.InState use.
type AlertRules struct {
	// Hold, Queued and Muted are how long a call may stay on hold, queued, or muted while
	// delivered before it alerts; zero turns the rule off.
	Hold, Queued, Muted time.Duration
	// NotRecording alerts on a delivered voice call that is not being recorded.
	NotRecording bool
	// AudioQuality alerts on a call (or an agent) with an active audio-quality alert.
	AudioQuality bool
	// ServerError and EventsLost keep the store's server errors and lost-event reports open as
	// alerts for Recent after they happened (for good when Recent is zero).
	ServerError, EventsLost bool
	Recent                  time.Duration
}

// DefaultAlertRules are the rules deskwatch starts with: hold over 60 s, queued over 120 s, muted
// over 30 s on a delivered call, a delivered voice call not recording, an audio-quality alert, a
// server error or lost events in the last 5 minutes.
func DefaultAlertRules() AlertRules {
	return AlertRules{Hold: 60 * time.Second, Queued: 120 * time.Second, Muted: 30 * time.Second,
		NotRecording: true, AudioQuality: true, ServerError: true, EventsLost: true,
		Recent: 5 * time.Minute}
}

// RowAlert is one reason a row or an agent is alerting.
type RowAlert struct {
	Kind AlertKind
	// Text explains it for the detail view and the status line, e.g. "on hold 1:15 (over 1:00)".
	Text string
}

// alertBits is the set of rules a row breaks, found without allocating.
type alertBits uint8

const (
	bitHold alertBits = 1 << iota
	bitQueued
	bitMuted
	bitNotRecording
	bitAudio
)

func (r AlertRules) eval(row *Row, now time.Time) alertBits {
	if !row.Open() || !row.DisconnectedAt.IsZero() { // nobody receives a stale row's changes
		return 0
	}
	var bits alertBits
	d := row.Data
	switch d.State {
	case StateHold:
		if r.Hold > 0 && row.InState(now) > r.Hold {
			bits |= bitHold
		}
	case StateQueued:
		if r.Queued > 0 && row.InState(now) > r.Queued {
			bits |= bitQueued
		}
	case StateDelivered:
		if r.Muted > 0 && d.CallMuted && row.mutedFor(now) > r.Muted {
			bits |= bitMuted
		}
		if r.NotRecording && d.Type == TypeVoice && !d.CallRecording {
			bits |= bitNotRecording
		}
	}
	if r.AudioQuality && row.AudioAlert != "" {
		bits |= bitAudio
	}
	return bits
}

// mutedFor is how long the call has been muted at now: since the last mute in its timeline, or
// since it was first seen when it came muted.
func (r *Row) mutedFor(now time.Time) time.Duration { return nonNegative(now.Sub(r.mutedSince())) }

// mutedSince is when the call was last muted: its last mute in the timeline, or when it was first
// seen.
func (r *Row) mutedSince() time.Time {
	for i := len(r.Timeline) - 1; i >= 0; i-- {
		if r.Timeline[i].Kind == ChangeMuted {
			return r.Timeline[i].At()
		}
	}
	return r.FirstSeen
}

// Check returns the rules the row breaks at now, nil when none (an ended row, removed or
// completed, never alerts, nor one whose desktop is disconnected).
func (r AlertRules) Check(row *Row, now time.Time) []RowAlert {
	bits := r.eval(row, now)
	if bits == 0 {
		return nil
	}
	var out []RowAlert
	if bits&bitHold != 0 {
		out = append(out, RowAlert{AlertHold, "on hold " + over(row.InState(now), r.Hold)})
	}
	if bits&bitQueued != 0 {
		out = append(out, RowAlert{AlertQueued, "queued " + over(row.InState(now), r.Queued)})
	}
	if bits&bitMuted != 0 {
		out = append(out, RowAlert{AlertMuted, "muted " + over(row.mutedFor(now), r.Muted)})
	}
	if bits&bitNotRecording != 0 {
		out = append(out, RowAlert{AlertNotRecording, "delivered voice call not recording"})
	}
	if bits&bitAudio != 0 {
		out = append(out, RowAlert{AlertAudio, "audio quality: " + row.AudioAlert})
	}
	return out
}

func over(d, limit time.Duration) string {
	return FormatDuration(d) + " (over " + FormatDuration(limit) + ")"
}

// Alerting reports whether the row breaks any rule at now, without allocating.
func (r AlertRules) Alerting(row *Row, now time.Time) bool { return r.eval(row, now) != 0 }

// Count returns how many rows break a rule at now.
func (r AlertRules) Count(rows []*Row, now time.Time) int {
	n := 0
	for _, row := range rows {
		if r.eval(row, now) != 0 {
			n++
		}
	}
	return n
}

// Next returns the index of the first alerting row after from, wrapping around (from -1 starts at
// the top), or -1 when no row alerts. The ui's "next alert" key uses it on the rows it shows.
func (r AlertRules) Next(rows []*Row, from int, now time.Time) int {
	n := len(rows)
	for k := 1; k <= n; k++ {
		i := ((from+k)%n + n) % n
		if r.eval(rows[i], now) != 0 {
			return i
		}
	}
	return -1
}

// Prev returns the index of the last alerting row before from, wrapping around (from len(rows)
// starts at the bottom), or -1 when no row alerts.
func (r AlertRules) Prev(rows []*Row, from int, now time.Time) int {
	n := len(rows)
	for k := 1; k <= n; k++ {
		i := ((from-k)%n + n) % n
		if r.eval(rows[i], now) != 0 {
			return i
		}
	}
	return -1
}

// open reports whether a log entry of this kind is still an open alert at now.
func (r AlertRules) open(a Alert, now time.Time) bool {
	switch a.Kind {
	case AlertServerError:
		if !r.ServerError {
			return false
		}
	case AlertLostEvents:
		if !r.EventsLost {
			return false
		}
	default:
		return false // audio alerts are open while the row or agent carries them
	}
	return r.Recent <= 0 || now.Sub(a.At) <= r.Recent
}

// OpenLog returns the store's log entries that are still open alerts at now: server errors and
// lost events no older than Recent, oldest first.
func (r AlertRules) OpenLog(log []Alert, now time.Time) []Alert {
	var out []Alert
	for _, a := range log {
		if r.open(a, now) {
			out = append(out, a)
		}
	}
	return out
}

// CheckAgent returns the agent's own alerts at now: an audio-quality alert on a call the store
// could not match to a row, and its open server errors and lost events from the store's log. The
// agents view adds the alerts of the agent's rows.
func (r AlertRules) CheckAgent(a *Agent, log []Alert, now time.Time) []RowAlert {
	var out []RowAlert
	if r.AudioQuality && a.AudioAlert != "" {
		out = append(out, RowAlert{AlertAudio, "audio quality: " + a.AudioAlert})
	}
	var lastError, lastLost string
	for _, e := range log {
		if e.AgentID != a.ID || !r.open(e, now) {
			continue
		}
		if e.Kind == AlertServerError {
			lastError = e.Text
		} else {
			lastLost = e.Text
		}
	}
	if lastError != "" {
		out = append(out, RowAlert{AlertServerError, lastError})
	}
	if lastLost != "" {
		out = append(out, RowAlert{AlertLostEvents, lastLost})
	}
	return out
}

// AlertTally counts open alerts for the header, so that each one is a mark on screen: a row marked
// "!" or an agent marked "!" for its own alerts (however many reasons it has; the agents view and
// the agent's detail list them).
type AlertTally struct {
	// Rows counts alerting rows; Agents the agents with alerts of their own (an unmatched
	// audio-quality alert, open server errors or lost events: CheckAgent); Log the open server
	// errors and lost-event reports of no agent the snapshot knows; KPI the services with KPI
	// alerts, each once as the services view marks it (an agent's count in Agents, once with its
	// other alerts).
	Rows, Agents, Log, KPI int
}

// Total is the number shown in the header.
func (t AlertTally) Total() int { return t.Rows + t.Agents + t.Log + t.KPI }

// String reads like "3 alerts".
func (t AlertTally) String() string {
	if n := t.Total(); n != 1 {
		return fmt.Sprintf("%d alerts", n)
	}
	return "1 alert"
}

// Tally counts the open alerts of a snapshot at now.
func (r AlertRules) Tally(sn *Snapshot, now time.Time) AlertTally {
	t, _ := r.TallyAgents(sn, now)
	t.Rows = r.Count(sn.Rows, now)
	return t
}

// TallyAgents is Tally without the rows (Rows is 0), for a caller that walks the rows itself, and
// the ids of the agents it counts: those with alerts of their own (CheckAgent is not empty, or a
// KPI alert: KPIAlerts).
func (r AlertRules) TallyAgents(sn *Snapshot, now time.Time) (AlertTally, map[string]bool) {
	t, own, _ := r.tallyAgents(sn, now)
	return t, own
}

// tallyAgents is TallyAgents, and the KPI alerts it counted.
func (r AlertRules) tallyAgents(sn *Snapshot, now time.Time) (AlertTally, map[string]bool, []KPIAlert) {
	logged := map[string]int{} // open log entries by agent
	for _, a := range sn.Alerts {
		if r.open(a, now) {
			logged[a.AgentID]++
		}
	}
	own := map[string]bool{}
	for _, a := range sn.Agents {
		if logged[a.ID] > 0 || (r.AudioQuality && a.AudioAlert != "") {
			own[a.ID] = true
		}
		delete(logged, a.ID)
	}
	kpi := KPIAlerts(sn.Floor.Figures(now, Rolling), sn.Floor.Limits())
	t := AlertTally{KPI: tallyKPI(kpi, sn.Agents, own), Agents: len(own)}
	for _, n := range logged {
		t.Log += n
	}
	return t, own, kpi
}
