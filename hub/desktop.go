package hub

import (
	"fmt"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/deskwatch/deskwatch/model"
)

// The hub says when a desktop goes away (EVENTS.md, "Events the hub adds"): when the last bridge
// connection that published for an agent ends, a DESKWATCH_DESKTOP "disconnected"; when the agent
// has stayed without one for GoneAfter, "gone", and the hub's store ends its open interactions (so
// later snapshots do not list them); when a connection sends the agent's INTERACTIONS_STATE while
// the hub does not hold it connected, "connected". The events go through publish like a bridge's,
// so the hub's store and every monitor see them in one order with the rest.

// Bounds and default of Config.GoneAfter.
const (
	DefaultGoneAfter = 2 * time.Minute
	MinGoneAfter     = time.Second
	MaxGoneAfter     = 24 * time.Hour
)

// deskState is the hub's record of one agent's desktop: how many open bridge connections publish
// for it, and the timer that declares it gone while none does.
type deskState struct {
	conns int
	gone  *time.Timer
	// epoch rises at every change of conns, so that a timer that fired as a connection came back
	// knows it is out of date.
	epoch int
	// connected is set when the hub has said the desktop is connected, and cleared when it says
	// it is not.
	connected bool
	// own counts this hub's "connected" not applied yet; elsewhere is set when a "connected" this
	// hub did not say is applied (another hub on the log has a bridge for the agent), and cleared
	// when this hub says "connected" or a "disconnected" or "gone" is applied. A hub whose last
	// connection for the agent ends while elsewhere is set says nothing: the desktop is not gone.
	own       int
	elsewhere bool
	// goneID is the log's message id of the "gone" the timer says, when other hubs may say it
	// too (owner.go); "" otherwise.
	goneID string
}

// deskParams is DESKWATCH_DESKTOP's argument as the hub writes it.
type deskParams struct {
	Status model.DesktopStatus `json:"status"`
	Reason string              `json:"reason"`
	Hub    string              `json:"hub,omitempty"` // on "connected": this hub's name (owner.go)
}

// deskAttach counts connection b as publishing for the agent of ev (once per connection and agent)
// and, for its INTERACTIONS_STATE, says the desktop is connected when the hub does not hold it so.
// It is called after ev was published.
func (h *Hub) deskAttach(b *bridgeConn, ev model.Event) {
	id := ev.AgentID
	// b.desk is the connection's reader's own: an agent it already counts for has nothing to
	// change but for its INTERACTIONS_STATE, so most events skip the hub's lock.
	if id == "" || b.desk[id] && ev.Type != model.EvInteractionsState {
		return
	}
	h.mu.Lock()
	if !b.desk[id] {
		if b.desk == nil {
			b.desk = make(map[string]bool)
		}
		b.desk[id] = true
		d := h.desks[id]
		if d == nil {
			d = &deskState{}
			h.desks[id] = d
		}
		d.conns++
		d.epoch++
		if d.gone != nil {
			d.gone.Stop()
			d.gone = nil
		}
	}
	d := h.desks[id]
	announce := ev.Type == model.EvInteractionsState && !d.connected
	if announce {
		d.connected, d.elsewhere = true, false
		d.own++
	}
	h.mu.Unlock()
	if announce && !h.announceDesktop(id, model.DesktopConnected, fmt.Sprintf("bridge connection %d", b.id)) {
		h.mu.Lock()
		d.own--
		h.mu.Unlock()
	}
}

// deskDetach is told that connection b ended (why): each agent it published for that no other open
// connection publishes is disconnected, and gone after GoneAfter unless a connection comes back.
func (h *Hub) deskDetach(b *bridgeConn, why string) {
	var left []string
	h.mu.Lock()
	closed := h.closed
	for id := range b.desk {
		d := h.desks[id]
		d.conns--
		d.epoch++
		if d.conns > 0 || closed {
			continue
		}
		if d.elsewhere { // another hub has a bridge for the agent
			d.connected = false
			continue
		}
		left = append(left, id)
		d.connected = false
		epoch := d.epoch
		d.goneID = ""
		d.gone = time.AfterFunc(h.cfg.GoneAfter, func() { h.deskGone(id, epoch) })
	}
	h.mu.Unlock()
	for _, id := range left {
		h.announceDesktop(id, model.DesktopDisconnected, why)
	}
}

// deskGone declares an agent gone when no connection has come back for it since the timer started.
func (h *Hub) deskGone(id string, epoch int) {
	h.mu.Lock()
	d := h.desks[id]
	current := d != nil && d.epoch == epoch && d.conns == 0 && !h.closed
	msgID := ""
	if current {
		d.gone, msgID = nil, d.goneID
	}
	h.mu.Unlock()
	if current {
		h.announceDesktopID(id, model.DesktopGone, "no bridge for "+h.cfg.GoneAfter.String(), msgID)
	}
}

// deskAppliedLocked is told of each event applied. A DESKWATCH_DESKTOP "connected" (from this hub
// or, on a shared log, another one the agent's bridge moved to) makes this hub's gone timer for the
// agent out of date: the desktop is back, wherever it is; one this hub did not say marks the
// desktop as held elsewhere. The caller holds h.mu.
func (h *Hub) deskAppliedLocked(ev model.Event) {
	p, ok := ev.Payload.(*model.Desktop)
	if !ok {
		return
	}
	h.ownerAppliedLocked(ev.AgentID, p, h.lg.seq)
	d := h.desks[ev.AgentID]
	if d == nil {
		return
	}
	switch {
	case p.Status != model.DesktopConnected && d.conns > 0 && d.connected && d.own == 0 && !h.closed:
		// Another hub said the desktop left (it took this hub for lost) while a bridge connection
		// here publishes for it: it is connected, here (owner.go).
		d.elsewhere = false
		d.own++
		go h.deskStillHere(ev.AgentID, d)
	case p.Status != model.DesktopConnected:
		d.elsewhere = false
	case d.own > 0:
		d.own--
		d.epoch++
	default:
		d.elsewhere = true
		d.epoch++
	}
}

// deskStillHere says again that a desktop is connected, through this hub, after another hub said
// it left; d.own counts it already.
func (h *Hub) deskStillHere(id string, d *deskState) {
	if !h.announceDesktop(id, model.DesktopConnected, "bridge connection still open") {
		h.mu.Lock()
		d.own--
		h.mu.Unlock()
	}
}

// desksAfterRestart is told that the hub, alone on its log, has rebuilt its floor after a restart:
// the bridges that published for the agents it holds connected lost their connection with the old
// process. Each such agent no bridge has come back for yet is disconnected, and gone after
// GoneAfter unless a bridge comes back, as when a connection ends. (A hub sharing its log does
// this for the desktops it owns alone: ownDesksAfterRestart.)
func (h *Hub) desksAfterRestart() {
	sn := h.store.Snapshot()
	var left []string
	h.mu.Lock()
	for _, ag := range sn.Agents {
		if ag.Desktop != model.DesktopConnected || h.desks[ag.ID] != nil || h.closed {
			continue // not connected, or a bridge has come back already
		}
		d := &deskState{epoch: 1}
		h.desks[ag.ID] = d
		id := ag.ID
		d.gone = time.AfterFunc(h.cfg.GoneAfter, func() { h.deskGone(id, 1) })
		left = append(left, id)
	}
	h.mu.Unlock()
	for _, id := range left {
		h.announceDesktop(id, model.DesktopDisconnected, "hub restarted")
	}
}

// stopDesktopsLocked stops the gone timers (the hub is closing). The caller holds h.mu.
func (h *Hub) stopDesktopsLocked() {
	for _, d := range h.desks {
		if d.gone != nil {
			d.gone.Stop()
		}
	}
}

// desktopEvent writes the hub's DESKWATCH_DESKTOP for an agent: its status since at, and why.
func desktopEvent(id string, st model.DesktopStatus, reason string, at time.Time) ([]byte, error) {
	return desktopEventOf(id, deskParams{Status: st, Reason: reason}, at)
}

// desktopEventOf is desktopEvent with the whole argument (a "connected" names its hub).
func desktopEventOf(id string, p deskParams, at time.Time) ([]byte, error) {
	p.Reason, p.Hub = model.Sanitize(p.Reason), model.Sanitize(p.Hub)
	params, err := json.Marshal([]deskParams{p})
	if err != nil {
		return nil, err
	}
	return model.AppendEvent(nil, model.EvDesktop, id, millis(at), model.NoSeq, params), nil
}

// announceDesktop publishes the hub's DESKWATCH_DESKTOP for an agent. It reports whether it did.
func (h *Hub) announceDesktop(id string, st model.DesktopStatus, reason string) bool {
	return h.announceDesktopID(id, st, reason, "")
}

// announceDesktopID is announceDesktop appending to the log with message id msgID when not "":
// the id other hubs saying the same compute alike, so that the log keeps one (owner.go). One
// dropped as a repeat counts as said.
func (h *Hub) announceDesktopID(id string, st model.DesktopStatus, reason, msgID string) bool {
	p := deskParams{Status: st, Reason: reason}
	if st == model.DesktopConnected {
		p.Hub = h.cfg.Name
	}
	data, err := desktopEventOf(id, p, time.Now())
	if err != nil {
		h.log.Printf("agent %s: desktop %s not announced: %v", logValue(id), st, err)
		return false
	}
	ev, err := model.Decode(data)
	said := true
	if err == nil && msgID != "" && h.cfg.EventLog != nil {
		said, err = h.appendEventID("", data, ev, msgID)
	} else if err == nil {
		_, err = h.publish("", data, ev)
	}
	switch {
	case err != nil:
		h.log.Printf("agent %s: desktop %s not announced: %s", logValue(id), st, logText(err.Error()))
		return false
	case !said:
		h.log.Printf("agent %s: desktop %s (%s) said by another hub already", logValue(id), st, logText(reason))
	default:
		h.log.Printf("agent %s: desktop %s (%s)", logValue(id), st, logText(reason))
	}
	return true
}
