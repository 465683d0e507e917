package model

import (
	"fmt"
	"time"

	"github.com/go-json-experiment/json/jsontext"
)

// EvReclaimed is the hub's word that its memory bound ended some of an agent's interactions
// (held_reclaim.go): its floor no longer holds them, and a monitor following it live ends them too
// (Row.Reclaimed), with the hub's reason in their timelines, rather than keep them open until its
// own bound does the same. A reader that does not hold the agent or an interaction passes over it;
// it makes no agent, is never refused, and a bridge may not send it.
const EvReclaimed = "DESKWATCH_RECLAIMED"

// MaxReclaimedIDs bounds the interactions one DESKWATCH_RECLAIMED names; the hub says more in
// several.
const MaxReclaimedIDs = 1024

// Reclaimed is DESKWATCH_RECLAIMED's argument: the agent's interactions the bound ended, and why.
type Reclaimed struct {
	Interactions []string `json:"interactions"`
	Text         string   `json:"text"`
}

func decodeReclaimed(params []jsontext.Value) (*Reclaimed, error) {
	var rc Reclaimed
	if err := param(params, 0, &rc); err != nil {
		return nil, err
	}
	if len(rc.Interactions) > MaxReclaimedIDs {
		return nil, reject("params[0].interactions: %d, over %d", len(rc.Interactions), MaxReclaimedIDs)
	}
	for i, id := range rc.Interactions {
		if err := checkID(id, fmt.Sprintf("params[0].interactions[%d]", i), MaxIDBytes); err != nil {
			return nil, err
		}
	}
	rc.Text = clipText(Sanitize(rc.Text), maxSkippedReason)
	return &rc, nil
}

// LastReclaimed lists what the memory bound ended in the last event applied (ApplyChecked, Apply):
// for each agent, in the order reclaim took them, its interactions and the reason, as a hub says
// them to its monitors (DESKWATCH_RECLAIMED). Empty after an event that reclaimed nothing.
func (s *Store) LastReclaimed() []Reclaim {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Reclaim(nil), s.lastReclaim...)
}

// Reclaim is what one reclaim pass ended of one agent's interactions, and the agent's time it ended
// them at (its last event's: a hub's DESKWATCH_RECLAIMED says it as its ts).
type Reclaim struct {
	Agent string
	At    time.Time
	Reclaimed
}

// applyReclaimed ends the interactions a hub's DESKWATCH_RECLAIMED names, those of the agent the
// store holds open, as the bound ended them, at the marker's time (the agent's; boundEnd) (s.mu
// held).
func (s *Store) applyReclaimed(agent string, rc *Reclaimed, at time.Time) {
	text := "ended at the hub's memory bound"
	if rc.Text != "" {
		text += " " + rc.Text
	}
	for _, id := range rc.Interactions {
		if sl := s.rows[RowKey(agent, id)]; sl != nil && !sl.gone && !sl.row.Ended {
			s.end(sl, boundEnd(sl.row, at), text, EvReclaimed, endedByBound)
			s.stats.Reclaimed++
		}
	}
}
