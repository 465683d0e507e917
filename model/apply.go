package model

import (
	"fmt"
	"time"
)

// Apply applies one decoded event. at is the event's time: its ts when the envelope had one, else
// when it was received (the pump decides). Apply never fails: unknown types are counted.
func (s *Store) Apply(ev Event, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.version.Add(1)
	s.countEvent(at)
	ag := s.touchAgent(ev.AgentID, at, v)
	s.agents[ag.ID] = ag // a fresh copy, invisible to readers until the next snapshot
	if ev.HasSeq {
		s.checkSeq(ag, ev.Seq, at)
	}
	switch p := ev.Payload.(type) {
	case *Interaction:
		s.applyInteraction(ev.Type, ev.AgentID, p, at, v)
	case *InteractionsState:
		s.applyResync(ev.AgentID, p, at, v)
	case *AgentStateChange:
		ag.State, ag.Since = p.State, at
		ag.Reason = ""
		text := "state " + string(p.State)
		if p.State == AgentNotReady {
			ag.Reason = p.Reason
			if p.Reason != "" {
				text += " (" + p.Reason + ")"
			}
		}
		ag.Timeline = append(ag.Timeline, Change{At: at, Kind: ChangeAgentState, Text: text, Source: ev.Type})
	case *Login:
		ag.LoggedIn = p.IsLoggedIn
		ag.Username = firstNonEmpty(p.Username, ag.Username)
		ag.SessionID = firstNonEmpty(p.SessionID, ag.SessionID)
		text := "logged in"
		if !p.IsLoggedIn {
			text = "login reported not logged in"
		}
		ag.Timeline = append(ag.Timeline, Change{At: at, Kind: ChangeLogin, Text: text, Source: ev.Type})
	case Logout:
		ag.LoggedIn = false
		ag.Timeline = append(ag.Timeline, Change{At: at, Kind: ChangeLogout, Text: "logged out", Source: ev.Type})
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
		s.alerts.push(Alert{Kind: AlertServerError, AgentID: ev.AgentID, Text: text, At: at})
	case *AudioQualityAlert:
		s.applyAudioAlert(ag, p, at, v)
	default:
		s.stats.Unknown[ev.Type]++
	}
	ag.Timeline = capTimeline(ag.Timeline)
}

// maxTimeline bounds a timeline so that a pathological stream cannot grow one entry forever.
const maxTimeline = 500

func capTimeline(t []Change) []Change {
	if len(t) > maxTimeline {
		return append([]Change(nil), t[len(t)-maxTimeline/2:]...)
	}
	return t
}

// touchAgent returns a writable copy of the agent (creating it on first sight).
func (s *Store) touchAgent(id string, at time.Time, v uint64) *Agent {
	var ag Agent
	if old := s.agents[id]; old != nil {
		ag = *old
	} else {
		ag = Agent{ID: id, FirstSeen: at}
		s.agentOrder = append(s.agentOrder, id)
	}
	ag.LastEvent, ag.Version = at, v
	return &ag
}

func (s *Store) checkSeq(ag *Agent, seq int64, at time.Time) {
	if ag.HasSeq && seq > ag.LastSeq+1 {
		lost := seq - ag.LastSeq - 1
		ag.Lost += lost
		s.stats.Lost += lost
		s.alerts.push(Alert{Kind: AlertLostEvents, AgentID: ag.ID,
			Text: fmt.Sprintf("%d events lost from %s", lost, agentLabel(ag.ID)), At: at})
	}
	ag.LastSeq, ag.HasSeq = seq, true
}

func agentLabel(id string) string {
	if id == "" {
		return "the agent"
	}
	return id
}

// RowKey is the store's key for an agent's interaction.
func RowKey(agentID, interactionID string) string { return agentID + "/" + interactionID }

func (s *Store) applyInteraction(typ, agentID string, in *Interaction, at time.Time, v uint64) {
	key := RowKey(agentID, in.ID)
	sl := s.rows[key]
	fresh := sl == nil
	if fresh {
		r := s.newRow(key, agentID, in, at, v, typ)
		sl = s.insert(r)
	} else {
		s.update(sl, in, at, v, typ)
	}
	switch typ {
	case EvInteractionRemoved:
		s.end(sl, at, "ended", typ)
	case EvSaveActivityRecord:
		if fresh {
			// The record comes after the removal: a monitor that joined (or resynced) between the
			// two sees a finished interaction, not an open one that nothing will ever close.
			s.end(sl, at, "ended (seen first by its activity record)", typ)
		}
		r := *sl.row
		r.Record = in
		text := "activity record saved"
		if d := Str(in.Disposition); d != "" {
			text += " (disposition " + d + ")"
		}
		r.Timeline = append(r.Timeline, Change{At: at, Kind: ChangeRecord, Text: text, Source: typ})
		s.replace(sl, &r)
	}
}

func (s *Store) newRow(key, agentID string, in *Interaction, at time.Time, v uint64, typ string) *Row {
	s.nextSeq++
	r := &Row{Key: key, Seq: s.nextSeq, AgentID: agentID, Data: in, FirstSeen: at, Updated: at, Version: v}
	text := fmt.Sprintf("%s %s, state %s", article(typ), in.Type, in.State)
	r.Timeline = []Change{{At: at, Kind: ChangeCreated, Text: text, Source: typ}}
	wall := s.wall()
	for f := range r.Changed {
		r.Changed[f] = wall
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
	sl := &slot{row: r}
	s.rows[r.Key] = sl
	s.order = append(s.order, sl)
	s.count(r, +1)
	return sl
}

// update replaces a row's snapshot, recording the differences in its timeline.
func (s *Store) update(sl *slot, in *Interaction, at time.Time, v uint64, typ string) {
	r := *sl.row
	r.Data, r.Updated, r.Version = in, at, v
	r.Timeline = capTimeline(append(r.Timeline, diff(sl.row.Data, in, at, s.wall(), typ, &r.Changed)...))
	if r.Ended && typ != EvInteractionRemoved && typ != EvSaveActivityRecord {
		r.Ended, r.EndedAt = false, time.Time{}
		r.Timeline = append(r.Timeline, Change{At: at, Kind: ChangeReopened, Text: "reopened", Source: typ})
	}
	s.replace(sl, &r)
}

// replace swaps a slot's row, keeping the counters right.
func (s *Store) replace(sl *slot, r *Row) {
	s.count(sl.row, -1)
	sl.row = r
	s.count(r, +1)
}

func (s *Store) count(r *Row, d int) {
	if r.Ended {
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

// end marks a row ended (once) and enforces the retention bound.
func (s *Store) end(sl *slot, at time.Time, text, typ string) {
	if sl.row.Ended {
		return
	}
	r := *sl.row
	r.Ended, r.EndedAt = true, at
	r.Changed[FieldState] = s.wall()
	r.Timeline = append(r.Timeline, Change{At: at, Kind: ChangeEnded, Text: text, Source: typ})
	s.replace(sl, &r)
	if ag := s.agents[r.AgentID]; ag != nil {
		ag.Handled++ // the agent was copied by Apply before this change
	}
	s.ended = append(s.ended, sl)
	s.evict()
}

// evict forgets the oldest ended rows beyond the retention bound.
func (s *Store) evict() {
	for s.stats.Ended > s.retention && len(s.ended) > 0 {
		sl := s.ended[0]
		s.ended = s.ended[1:]
		if sl.gone || !sl.row.Ended {
			continue // reopened since, or already gone
		}
		s.count(sl.row, -1)
		sl.gone = true
		s.gone++
		s.stats.Evicted++
		delete(s.rows, sl.row.Key)
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
	listed := make(map[string]bool, len(st.Interactions))
	for i := range st.Interactions {
		in := &st.Interactions[i]
		listed[in.ID] = true
		s.applyInteraction(EvInteractionStateChange, agentID, in, at, v)
	}
	for _, sl := range s.order {
		r := sl.row
		if !sl.gone && !r.Ended && r.AgentID == agentID && !listed[r.Data.ID] {
			s.end(sl, at, "closed: absent from the agent's snapshot", EvInteractionsState)
		}
	}
	if ag := s.agents[agentID]; ag != nil {
		// A full snapshot: null means nothing is in front of the agent, which a monitor that was
		// disconnected when the agent switched away would otherwise never learn.
		ag.ActiveInteraction = "" // ag is Apply's copy
		if st.ActiveInteractionID != nil {
			ag.ActiveInteraction = *st.ActiveInteractionID
		}
	}
}

func (s *Store) applyAudioAlert(ag *Agent, p *AudioQualityAlert, at time.Time, v uint64) {
	if p.Active {
		s.alerts.push(Alert{Kind: AlertAudio, AgentID: ag.ID, Key: RowKey(ag.ID, p.CallID),
			Text: fmt.Sprintf("audio quality on %s: %s", p.CallID, p.Detail), At: at})
	}
	sl := s.rows[RowKey(ag.ID, p.CallID)]
	if sl == nil {
		ag.AudioAlert = p.Detail
		return
	}
	r := *sl.row
	r.AudioAlert, r.Version = p.Detail, v
	r.Changed[FieldAudioAlert] = s.wall()
	kind, text := ChangeAudioAlert, "audio-quality alert: "+p.Detail
	if !p.Active {
		kind, text = ChangeAudioClear, "audio-quality alert cleared"
	}
	r.Timeline = append(r.Timeline, Change{At: at, Kind: kind, Text: text, Source: EvAudioQualityAlert})
	s.replace(sl, &r)
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
