package model

import (
	"fmt"
	"time"
)

// The store's own caps on what a source can make it hold, whatever the source (a file, a hub, a
// bridge or server straight to the monitor): ended rows are bounded by retention; these bound the
// agents and the open interactions. A hub stream is bounded further by the hub's own caps.
const (
	// DefaultMaxAgents is the most agents a store keeps.
	DefaultMaxAgents = 10000
	// DefaultMaxOpen is the most open interactions a store keeps.
	DefaultMaxOpen = 100000
)

// WithCaps sets the store's caps on agents and open interactions (tests use small ones).
func WithCaps(agents, open int) Option {
	return func(s *Store) { s.maxAgents, s.maxOpen = max(agents, 1), max(open, 1) }
}

// ApplyChecked is Apply that refuses, with the reason, an event that would take the store past its
// caps: a new agent beyond DefaultMaxAgents, a new open interaction beyond DefaultMaxOpen. A refused
// event changes nothing; it is counted in Stats.Refused. The pump turns the reason into a located
// rejection.
func (s *Store) ApplyChecked(ev Event, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.admit(ev); err != nil {
		s.stats.Refused++
		return err
	}
	s.apply(ev, at)
	return nil
}

// admit checks ev against the caps, with s.mu held.
func (s *Store) admit(ev Event) error {
	if len(s.agents) >= s.maxAgents {
		if _, known := s.agents[ev.AgentID]; !known {
			return fmt.Errorf("a new agent past the store's cap of %d agents; refused", s.maxAgents)
		}
	}
	added := 0 // counted only near the cap, so the usual event costs nothing here
	switch p := ev.Payload.(type) {
	case *Interaction:
		if s.present >= s.maxOpen && opens(ev.Type, p) && s.isNew(ev.AgentID, p.ID) {
			added = 1
		}
	case *InteractionsState:
		if s.present+len(p.Interactions) > s.maxOpen {
			for i := range p.Interactions {
				if s.isNew(ev.AgentID, p.Interactions[i].ID) {
					added++
				}
			}
		}
	}
	if added > 0 && s.present+added > s.maxOpen {
		return fmt.Errorf("%d new open interaction(s) past the store's cap of %d open; refused", added, s.maxOpen)
	}
	return nil
}

// isNew reports whether the agent's interaction id is not an open row now.
func (s *Store) isNew(agentID, id string) bool {
	sl := s.rows[RowKey(agentID, id)]
	return sl == nil || sl.row.Ended
}
