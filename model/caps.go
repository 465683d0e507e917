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

// WithAgentCaps sets caps a store has none of by default (the hub's): on one agent's open
// interactions (an event that would open one more, or an INTERACTIONS_STATE listing more, is
// refused) and on the call parties of one interaction in an event. 0 is no cap.
func WithAgentCaps(openPerAgent, parties int) Option {
	return func(s *Store) {
		s.maxAgentOpen, s.maxParties = max(openPerAgent, 0), max(parties, 0)
		if s.maxAgentOpen > 0 {
			s.agentOpen = make(map[string]int)
		}
	}
}

// Cap names one of the store's caps.
type Cap int

// The caps a CapError names.
const (
	CapAgents    Cap = iota // a new agent past the agents (WithCaps)
	CapOpen                 // new open interactions past the store's (WithCaps)
	CapListed               // an INTERACTIONS_STATE listing more than one agent's open (WithAgentCaps)
	CapParties              // an interaction with more call parties than the cap (WithAgentCaps)
	CapAgentOpen            // one more open interaction of an agent past its cap (WithAgentCaps)
	CapHeld                 // an event that could add to what the store holds, at its memory bound (WithMaxHeld)
	CapShare                // an event that would take its agent past its share of the memory bound, near it
)

// CapError is an event refused by one of the store's caps.
type CapError struct {
	Cap
	// Agent is the event's agent; Interaction the interaction concerned (CapParties, CapAgentOpen).
	Agent, Interaction string
	// N is what the event would have made the count (the agents, those listed, the parties, the
	// agent's open interactions); for CapOpen, the new open interactions it brings; for CapHeld,
	// the bytes the rows not ended and the agents hold; for CapShare, what the agent's rows would
	// hold with the event.
	// Limit is the cap (for CapShare, the memory bound).
	N, Limit int
	// AgentsHeld is, for CapHeld and CapShare, what the agents themselves hold.
	AgentsHeld int
	// Agents is, for CapShare, how many agents share the bound; Share the agent's share; Holds
	// what its rows hold now.
	Agents, Share, Holds int
}

func (e *CapError) Error() string {
	switch e.Cap {
	case CapAgents:
		return fmt.Sprintf("a new agent past the store's cap of %d agents; refused", e.Limit)
	case CapOpen:
		return fmt.Sprintf("%d new open interaction(s) past the store's cap of %d open; refused", e.N, e.Limit)
	case CapListed:
		return fmt.Sprintf("%d interactions listed, over the cap of %d per agent; refused", e.N, e.Limit)
	case CapParties:
		return fmt.Sprintf("interaction %q has %d call parties, over the cap of %d; refused", e.Interaction, e.N, e.Limit)
	case CapHeld:
		if e.AgentsHeld*2 >= e.N { // ending interactions would not help much: the agents hold most of it
			return fmt.Sprintf("memory bound reached (--max-memory %s): the agents hold %s, open interactions %s; "+
				"new interactions and changes are refused: raise --max-memory", heldText(e.Limit), heldText(e.AgentsHeld),
				heldText(e.N-e.AgentsHeld))
		}
		return fmt.Sprintf("memory bound reached (--max-memory %s): open interactions and agents hold %s; "+
			"new interactions and changes are refused until some interactions end", heldText(e.Limit), heldText(e.N))
	case CapShare:
		agents := "agents"
		if e.Agents == 1 {
			agents = "agent"
		}
		text := fmt.Sprintf("agent's memory share reached (--max-memory %s): agent %q would hold %s of interactions, "+
			"over its share of %s (three quarters of the bound, less the agents' own %s, among %d %s)", heldText(e.Limit),
			e.Agent, heldText(e.N), heldText(e.Share), heldText(e.AgentsHeld), e.Agents, agents)
		switch {
		case e.Holds == 0: // nothing to end: the share cannot hold one interaction
			return text + "; a share this small holds no interaction of this size: raise --max-memory"
		case e.AgentsHeld*2 >= e.Limit-e.Limit/4:
			return text + "; its new interactions and changes are refused: raise --max-memory"
		}
		return text + "; its new interactions and changes are refused until some of them end"
	}
	return fmt.Sprintf("interaction %q would be agent %q's open interaction number %d, over the cap of %d; refused",
		e.Interaction, e.Agent, e.N, e.Limit)
}

// ApplyChecked is Apply that refuses, with the reason (a *CapError), an event that would take the
// store past its caps: a new agent beyond DefaultMaxAgents, a new open interaction beyond
// DefaultMaxOpen, at the memory bound (DefaultMaxHeld) one that could add to it, and those of
// WithAgentCaps when set. A refused event changes nothing; it is
// counted in Stats.Refused. The pump turns the reason into a located rejection.
func (s *Store) ApplyChecked(ev Event, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.lastReclaim) > 0 { // what the last event reclaimed (LastReclaimed)
		clear(s.lastReclaim)
		s.lastReclaim = s.lastReclaim[:0]
	}
	switch p := ev.Payload.(type) {
	case *Skipped:
		s.skip(ev, p, at)
		return nil
	case *Reclaimed: // never refused, no event of the agent's: an agent not held has nothing to end
		s.version.Add(1)
		if s.agents[ev.AgentID] != nil {
			s.floorEvent(at)
			s.applyReclaimed(ev.AgentID, p, at)
			s.trend.record(at, s.stats.Open)
		}
		return nil
	}
	reclaim, err := s.admit(ev)
	if err != nil {
		s.stats.Refused++
		if _, snapshot := ev.Payload.(*InteractionsState); snapshot && s.resync != nil {
			// Its agent's rows stay as they were: the end of the resync must not take the refused
			// snapshot for an agent gone and end them.
			s.resync[ev.AgentID] = true
		}
		return err
	}
	s.apply(ev, at, reclaim)
	return nil
}

// Admit reports the cap ev would take the store past (a *CapError), as ApplyChecked would,
// without applying it or counting it: a check before the event is stored elsewhere first (the
// hub's log).
func (s *Store) Admit(ev Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, err := s.admit(ev)
	return err
}

// admit checks ev against the caps, with s.mu held; reclaim says an event taken at the memory
// bound, after which apply makes room (admitHeld).
func (s *Store) admit(ev Event) (reclaim bool, err error) {
	switch ev.Payload.(type) {
	case *Skipped, *Reclaimed:
		return false, nil // a hub's word about an event it rejected, or rows it ended: it adds nothing
	}
	if len(s.agents) >= s.maxAgents {
		if _, known := s.agents[ev.AgentID]; !known {
			return false, &CapError{Cap: CapAgents, Agent: ev.AgentID, N: len(s.agents) + 1, Limit: s.maxAgents}
		}
	}
	if err := s.admitAgentCaps(ev); err != nil {
		return false, err
	}
	if reclaim, err = s.admitHeld(ev); err != nil {
		return false, err
	}
	added := 0 // counted only near the cap, so the usual event costs nothing here
	switch p := ev.Payload.(type) {
	case *Interaction:
		if s.present() >= s.maxOpen && opens(ev.Type, p) && s.isNew(ev.AgentID, p.ID) {
			added = 1
		}
	case *InteractionsState:
		if s.present()+len(p.Interactions) > s.maxOpen {
			for i := range p.Interactions {
				if s.isNew(ev.AgentID, p.Interactions[i].ID) {
					added++
				}
			}
		}
	}
	if added > 0 && s.present()+added > s.maxOpen {
		return false, &CapError{Cap: CapOpen, Agent: ev.AgentID, N: added, Limit: s.maxOpen}
	}
	return reclaim, nil
}

// admitAgentCaps checks ev against the caps of WithAgentCaps, with s.mu held.
func (s *Store) admitAgentCaps(ev Event) error {
	if s.maxAgentOpen == 0 && s.maxParties == 0 {
		return nil
	}
	parties := func(in *Interaction) error {
		if n := len(in.CallParties); s.maxParties > 0 && n > s.maxParties {
			return &CapError{Cap: CapParties, Agent: ev.AgentID, Interaction: in.ID, N: n, Limit: s.maxParties}
		}
		return nil
	}
	switch p := ev.Payload.(type) {
	case *Interaction:
		if err := parties(p); err != nil {
			return err
		}
		if s.maxAgentOpen > 0 && opens(ev.Type, p) && s.isNew(ev.AgentID, p.ID) {
			if n := s.agentOpen[ev.AgentID]; n >= s.maxAgentOpen {
				return &CapError{Cap: CapAgentOpen, Agent: ev.AgentID, Interaction: p.ID, N: n + 1, Limit: s.maxAgentOpen}
			}
		}
	case *InteractionsState:
		if s.maxAgentOpen > 0 && len(p.Interactions) > s.maxAgentOpen {
			return &CapError{Cap: CapListed, Agent: ev.AgentID, N: len(p.Interactions), Limit: s.maxAgentOpen}
		}
		for i := range p.Interactions {
			if err := parties(&p.Interactions[i]); err != nil {
				return err
			}
		}
	}
	return nil
}

// present counts the rows not removed, open or completed: the caps bound them. Every row in s.rows
// is counted (count), removed or not.
func (s *Store) present() int { return len(s.rows) - s.removed }

// isNew reports whether the agent's interaction id is not an open row now.
func (s *Store) isNew(agentID, id string) bool {
	sl := s.rows[RowKey(agentID, id)]
	return sl == nil || sl.row.Ended
}
