package model

import (
	"fmt"
	"slices"
	"time"

	"github.com/deskwatch/deskwatch/internal/nanos"
)

// Apply applies one decoded event. at is the event's time: its ts when the envelope had one, else
// when it was received (the pump decides). Unknown types are counted; an event past the store's
// caps (caps.go) is counted in Stats.Refused and changes nothing (ApplyChecked says why).
func (s *Store) Apply(ev Event, at time.Time) { _ = s.ApplyChecked(ev, at) }

// apply applies ev with s.mu held; reclaim says it was taken at the memory bound (admitHeld).
func (s *Store) apply(ev Event, at time.Time, reclaim bool) {
	v := s.version.Add(1)
	s.countEvent(at)
	s.floorEvent(at)
	if _, ok := ev.Payload.(ResyncEnd); ok { // the hub's, about no agent
		s.endResync(at, v)
		s.trend.record(at, s.stats.Open)
		return
	}
	rows := s.rowsHeld()
	ag := s.touchAgent(ev.AgentID, at, v)
	if _, snapshot := ev.Payload.(*InteractionsState); ev.HasSeq && snapshot {
		// A snapshot restores what the events it skips would have said (a monitor's resync after a
		// reconnect, a bridge's first message after its own): its jump is no loss to report.
		ag.LastSeq, ag.HasSeq = ev.Seq, true
	} else if ev.HasSeq {
		s.checkSeq(ag, ev.Seq, at)
	}
	switch p := ev.Payload.(type) {
	case *Interaction:
		s.applyInteraction(ev.Type, ev.AgentID, p, at, v)
	case *InteractionsState:
		s.reconnected(ag, at, v)
		s.applyResync(ev.AgentID, p, at, v)
	case *Desktop:
		s.applyDesktop(ag, p, at, v)
	case *AgentStateChange:
		ag.State, ag.Since = p.State, at
		ag.LoggedIn = true // a desktop reports states only while its agent is logged in (the figures count it so)
		ag.Reason = ""
		if p.State == AgentNotReady {
			ag.Reason = clipText(p.Reason, MaxChangeText)
		}
		if s.keepsAgent(ChangeAgentState) {
			text := "state " + string(p.State)
			if ag.Reason != "" {
				text += " (" + ag.Reason + ")"
			}
			ag.Timeline = addChanges(ag.Timeline, &ag.timelineText, NewChange(at, ChangeAgentState, text, ev.Type))
		}
	case *Login:
		ag.LoggedIn = p.IsLoggedIn
		ag.Username = firstNonEmpty(clipText(p.Username, MaxChangeText), ag.Username)
		ag.SessionID = firstNonEmpty(clipText(p.SessionID, MaxChangeText), ag.SessionID)
		text := "logged in"
		if !p.IsLoggedIn {
			text = "login reported not logged in"
		}
		s.noteAgent(ag, NewChange(at, ChangeLogin, text, ev.Type))
	case Logout:
		ag.LoggedIn = false
		s.noteAgent(ag, NewChange(at, ChangeLogout, "logged out", ev.Type))
	case *ActiveSwitch:
		ag.ActiveInteraction = p.ID
	case *ScreenRecording:
		sr := *p
		ag.Screen = &sr
	case *ServerError:
		text := fmt.Sprintf("server error %s %s", p.Code, p.Name)
		if p.Message != "" {
			text += ": " + p.Message
		}
		s.pushAlert(Alert{Kind: AlertServerError, AgentID: ev.AgentID, Text: text, At: at})
	case *AudioQualityAlert:
		s.applyAudioAlert(ag, p, at, v)
	default:
		s.countUnknown(ev.Type)
	}
	ag.Timeline = capTimeline(ag.Timeline, &ag.timelineText)
	s.floorAgentEvent(ag, ev.Payload, at)
	s.reweigh(ag)
	if s.nearHeld() {
		s.evict()
	}
	if reclaim || s.pastHeld() && s.rowsHeld() > rows {
		s.reclaim(at, ev.Type) // room from the agents over their shares (held_reclaim.go)
	}
	s.trend.record(at, s.stats.Open)
}

// maxTimeline bounds a timeline so that a pathological stream cannot grow one entry forever.
const maxTimeline = 500

// appendExact appends to a timeline that is unlikely to grow again (an ended row's) in a new array
// of exactly the right size: retained rows are mostly ended, and append's spare capacity would be
// about a quarter of their timelines. *text is the total of the timeline's texts (held.go).
func appendExact(t []Change, text *int64, c Change) []Change {
	out := make([]Change, len(t)+1)
	copy(out, t)
	out[len(t)] = c
	*text += int64(len(c.Text))
	return out
}

// addChanges appends cs to a timeline whose texts total *text, counting theirs.
func addChanges(t []Change, text *int64, cs ...Change) []Change {
	for i := range cs {
		*text += int64(len(cs[i].Text))
	}
	return append(t, cs...)
}

// noteAgent appends c to the agent's timeline, if the store keeps its kind (WithAgentTimeline).
func (s *Store) noteAgent(ag *Agent, c Change) {
	if s.keepsAgent(c.Kind) {
		ag.Timeline = addChanges(ag.Timeline, &ag.timelineText, c)
	}
}

// capTimeline keeps the latest half of a timeline past maxTimeline, and *text its texts' total.
func capTimeline(t []Change, text *int64) []Change {
	if len(t) <= maxTimeline {
		return t
	}
	return keepChanges(t, maxTimeline/2, text)
}

// keepChanges is the latest n changes of t in an array of their own (readers may hold t), and
// *text their texts' total.
func keepChanges(t []Change, n int, text *int64) []Change {
	t = append([]Change(nil), t[len(t)-n:]...)
	*text = 0
	for i := range t {
		*text += int64(len(t[i].Text))
	}
	return t
}

func (s *Store) checkSeq(ag *Agent, seq int64, at time.Time) {
	if ag.HasSeq && seq > ag.LastSeq+1 {
		// The decoder keeps seq within 0..MaxSeq, so the jump cannot overflow; the totals saturate
		// (a stream can jump from 0 to 2^53-1 and back again and again).
		lost := seq - ag.LastSeq - 1
		ag.Lost = addSaturating(ag.Lost, lost)
		s.stats.Lost = addSaturating(s.stats.Lost, lost)
		s.pushAlert(Alert{Kind: AlertLostEvents, AgentID: ag.ID,
			Text: lostText(lost, ag.ID), At: at})
	}
	ag.LastSeq, ag.HasSeq = seq, true
}

// lostText reads like "3 events lost from a.jones" (or "1 event lost from …").
func lostText(n int64, agentID string) string {
	if n == 1 {
		return "1 event lost from " + agentLabel(agentID)
	}
	return fmt.Sprintf("%d events lost from %s", n, agentLabel(agentID))
}

func agentLabel(id string) string {
	if id == "" {
		return "the agent"
	}
	return id
}

// opens reports whether an event shows the interaction open: a new interaction, or a state change
// (a resync's listing is one) to a state other than completed. The events that trail an end (the
// final snapshot, the activity record, a late "completed" state change) never open a row.
func opens(typ string, in *Interaction) bool {
	return typ == EvNewInteraction || typ == EvInteractionStateChange && in.State != StateCompleted
}

func (s *Store) applyInteraction(typ, agentID string, in *Interaction, at time.Time, v uint64) {
	key := RowKey(agentID, in.ID)
	sl := s.rows[key]
	fresh := sl == nil
	if fresh {
		if s.forgotten.has(key) {
			if !opens(typ, in) {
				s.stats.Stale++ // retention forgot the ended row: do not bring it back
				return
			}
			s.forgotten.revive(key)
		}
		sl = s.insert(s.newRow(key, agentID, in, at, v, typ))
	} else {
		s.update(sl, in, at, v, typ)
	}
	switch typ {
	case EvInteractionRemoved:
		s.end(sl, at, "ended", typ, endedByEvent)
	case EvSaveActivityRecord:
		r := s.edit(sl)
		r.setSnapshots(r.Data, in)
		text := "activity record saved"
		if d := Str(in.Disposition); d != "" {
			text += " (disposition " + d + ")"
		}
		r.Timeline = appendExact(r.Timeline, &r.timelineText, NewChange(at, ChangeRecord, text, typ))
		s.count(r, +1)
	}
	if fresh && !opens(typ, in) {
		// First seen by an event that follows the end (the monitor joined late): it has ended.
		s.end(sl, at, "ended before the monitor saw it open", typ, endedByEvent)
	}
}

func (s *Store) newRow(key, agentID string, in *Interaction, at time.Time, v uint64, typ string) *Row {
	s.nextSeq++
	r := &Row{Key: key, Seq: s.nextSeq, AgentID: agentID, FirstSeen: at, Updated: at, Version: v}
	r.setSnapshots(in, nil)
	text := fmt.Sprintf("%s %s, state %s", article(typ), in.Type, in.State)
	r.Timeline = addChanges(nil, &r.timelineText, NewChange(at, ChangeCreated, text, typ))
	wall := s.wall()
	for f := range r.Changed {
		r.Changed[f] = nanos.Of(wall)
	}
	return r
}

func article(typ string) string {
	if typ == EvNewInteraction {
		return "new"
	}
	return "first seen:"
}

// insert adds a new row and counts it.
func (s *Store) insert(r *Row) *slot {
	sl := &slot{row: r, epoch: s.epoch}
	s.rows[r.Key] = sl
	s.order = append(s.order, sl)
	s.addSlot(sl)
	s.count(r, +1)
	return sl
}

// update replaces a row's snapshot, recording the differences in its timeline.
func (s *Store) update(sl *slot, in *Interaction, at time.Time, v uint64, typ string) {
	old := sl.row.Data
	r := s.edit(sl)
	r.setSnapshots(in, r.Record)
	r.Updated, r.Version = at, v
	r.Timeline = capTimeline(addChanges(r.Timeline, &r.timelineText, diff(old, in, at, s.wall(), typ, &r.Changed)...),
		&r.timelineText)
	if r.Ended && opens(typ, in) {
		// Reopened; one the bound ended is counted afresh (its end was not), even when it comes
		// back completed.
		r.statsEnded = r.statsEnded && !r.Reclaimed
		r.Ended, r.EndedAt, r.Reclaimed = false, time.Time{}, false
		r.Timeline = addChanges(r.Timeline, &r.timelineText, NewChange(at, ChangeReopened, "reopened", typ))
	} else if r.Reclaimed && (typ == EvInteractionRemoved || in.State.Ends()) {
		s.endReclaimed(r, at, "ended", typ)
	}
	s.count(r, +1)
}

// edit returns the slot's row to change, uncounted (count it again when done): the row itself when
// no reader can have seen it (it was made since the last snapshot), else a copy that replaces it.
// Published rows are never written, so readers need no locks; rows changed many times between two
// snapshots (a replay at full speed, a burst) are copied once, not at every event.
func (s *Store) edit(sl *slot) *Row {
	s.count(sl.row, -1)
	if sl.epoch != s.epoch {
		r := *sl.row
		if sl.epoch < s.fork { // other writers may append to its timeline too (checkpoint.go)
			r.Timeline = slices.Clip(r.Timeline)
		}
		sl.row, sl.epoch = &r, s.epoch
	}
	return sl.row
}

func (s *Store) count(r *Row, d int) {
	if d > 0 {
		s.floorRow(r)
	}
	s.heldGen++
	s.weighRow(r, d)
	if r.Ended {
		s.removed += d
	} else {
		if as := s.agentSlot(r.AgentID); as != nil {
			as.rows += int64(d) * r.held
			as.snap += int64(d) * r.snapHeld
		}
		if s.agentOpen != nil { // the per-agent cap, like the store's, bounds the rows not removed
			if s.agentOpen[r.AgentID] += d; s.agentOpen[r.AgentID] == 0 {
				delete(s.agentOpen, r.AgentID)
			}
		}
	}
	if !r.Open() {
		s.stats.Ended += d
		return
	}
	s.stats.Open += d
	s.stats.ByState[r.Data.State] += d
	s.stats.ByType[r.Data.Type] += d
	if s.stats.ByState[r.Data.State] == 0 {
		delete(s.stats.ByState, r.Data.State)
	}
	if s.stats.ByType[r.Data.Type] == 0 {
		delete(s.stats.ByType, r.Data.Type)
	}
}

// endCause says who ended a row: an event (its removal, its completion, a resync, a desktop gone)
// or the memory bound (held_reclaim.go).
type endCause bool

const (
	endedByEvent endCause = false
	endedByBound endCause = true
)

// end marks a row ended (once) and enforces the retention bound.
func (s *Store) end(sl *slot, at time.Time, text, typ string, cause endCause) {
	if sl.row.Ended {
		if sl.row.Reclaimed && cause == endedByEvent { // its end, after the bound's (a desktop gone, a resync)
			r := s.edit(sl)
			s.endReclaimed(r, at, text, typ)
			s.count(r, +1)
		}
		return
	}
	r := s.edit(sl)
	// A row already completed ended as its interaction did: the bound only removes it early.
	r.Ended, r.EndedAt, r.Reclaimed = true, at, cause == endedByBound && !r.Data.State.Ends()
	r.Changed[FieldState] = nanos.Of(s.wall())
	r.Timeline = appendExact(r.Timeline, &r.timelineText, NewChange(at, ChangeEnded, text, typ))
	s.count(r, +1)
	if as := s.agentSlot(r.AgentID); as != nil {
		ag := s.ownAgent(as)
		if !r.Reclaimed {
			ag.Handled++ // not always the event's agent (a resync ends others' rows)
		}
		s.reweigh(ag) // the floor statistics may have counted it for a new reason
	}
	if !sl.queued {
		s.ended, sl.queued = append(s.ended, sl), true
	}
	s.evict()
}

// evict forgets the oldest ended rows beyond the retention bound, and past the memory bound; near
// that bound, the agents' older history (held.go).
func (s *Store) evict() {
	defer func() {
		if s.nearHeld() {
			s.trimAgents()
		}
	}()
	for (s.removed > s.retention || s.overHeld()) && len(s.ended) > 0 {
		sl := s.ended[0]
		s.ended, sl.queued = s.ended[1:], false
		if sl.gone || !sl.row.Ended {
			continue // reopened since (its next end queues it again), or already gone
		}
		s.count(sl.row, -1)
		sl.gone = true
		s.gone++
		s.stats.Evicted++
		delete(s.rows, sl.row.Key)
		s.forgotten.add(sl.row.Key)
		s.dropEvicted(sl.row.AgentID)
	}
	if s.gone > 1024 && s.gone > len(s.order)/4 {
		live := s.order[:0]
		for _, sl := range s.order {
			if !sl.gone {
				live = append(live, sl)
			}
		}
		clear(s.order[len(live):])
		s.order, s.gone = live, 0
	}
}

// applyResync replaces an agent's open interactions with a snapshot: listed ones are upserted, open
// ones not listed are closed (they ended while the monitor was not looking).
func (s *Store) applyResync(agentID string, st *InteractionsState, at time.Time, v uint64) {
	if s.resync != nil {
		s.resync[agentID] = true
	}
	listed := make(map[string]bool, len(st.Interactions))
	for i := range st.Interactions {
		// A copy of its own: a row pointing into the listing would keep every interaction listed
		// alive, which the memory bound counts once each (held.go).
		in := new(Interaction)
		*in = st.Interactions[i]
		listed[in.ID] = true
		s.applyInteraction(EvInteractionStateChange, agentID, in, at, v)
	}
	for _, sl := range s.agentRows(agentID, func(r *Row) bool { return !listed[r.Data.ID] }) {
		s.end(sl, at, "closed: absent from the agent's snapshot", EvInteractionsState, endedByEvent)
	}
	if as := s.agents[agentID]; as != nil {
		ag := as.ag
		// A full snapshot: null means nothing is in front of the agent, which a monitor that was
		// disconnected when the agent switched away would otherwise never learn.
		ag.ActiveInteraction = "" // ag is Apply's copy
		if st.ActiveInteractionID != nil {
			ag.ActiveInteraction = *st.ActiveInteractionID
		}
	}
}

func (s *Store) applyAudioAlert(ag *Agent, p *AudioQualityAlert, at time.Time, v uint64) {
	key := RowKey(ag.ID, p.CallID)
	if p.Active {
		s.pushAlert(Alert{Kind: AlertAudio, AgentID: ag.ID, Key: key,
			Text: fmt.Sprintf("audio quality on %s: %s", p.CallID, p.Detail), At: at})
	}
	sl := s.rows[key]
	if sl == nil && s.forgotten.has(key) {
		s.stats.Stale++ // the call ended and was forgotten: not the agent's alert
		return
	}
	if sl == nil {
		ag.AudioAlert = clipText(p.Detail, MaxChangeText)
		return
	}
	r := s.edit(sl)
	r.AudioAlert, r.Version = p.Detail, v
	r.Changed[FieldAudioAlert] = nanos.Of(s.wall())
	kind, text := ChangeAudioAlert, "audio-quality alert: "+p.Detail
	if !p.Active {
		kind, text = ChangeAudioClear, "audio-quality alert cleared"
	}
	r.Timeline = addChanges(r.Timeline, &r.timelineText, NewChange(at, kind, text, EvAudioQualityAlert))
	s.count(r, +1)
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
