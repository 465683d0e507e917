package hub

import (
	"context"
	"fmt"
	"maps"
	"strconv"
	"time"

	"github.com/deskwatch/deskwatch/internal/periodic"
	"github.com/deskwatch/deskwatch/model"
)

// Hubs that share a log (a cluster) each say "connected" for the desktops whose bridge connects to
// them, and the "connected" names the hub that said it (model.Desktop.Hub, the hub's cluster
// server name). Every hub, applying the log, keeps per agent the hub that owns its desktop: the
// one whose "connected" was applied last, until a "disconnected" or "gone" is. When a hub is lost
// (killed with its bridges, which never come back), nobody would say its desktops left: so every
// hub watches which hubs its embedded server is routed to, and when an owner has been away for
// Config.LostHubAfter, longer than a bridge takes to fail over to another hub, it says
// "disconnected" ("hub NAME lost") for each agent that hub still owns, then "gone" after GoneAfter
// unless a bridge comes back, as when a connection ends. A hub started again under its name says
// "disconnected" ("hub restarted") for the agents it still owns that no bridge has come back for.
//
// Several hubs see the same hub go, and each says so: the log drops the repeats by message id,
// which every hub computes alike from the same applied log (the agent, the lost owner and the log
// sequence of the "connected" retired), so the stream's duplicate window keeps one of each. That
// way no hub has to be chosen to act (a leader that could be the lost hub itself), and whichever
// hub notices first says it.

// Bounds and default of Config.LostHubAfter.
const (
	DefaultLostHubAfter = 30 * time.Second
	MinLostHubAfter     = time.Second
	MaxLostHubAfter     = time.Hour
)

// hubPoll is how often a hub on a shared log looks at which hubs are routed to it.
const hubPoll = time.Second

// deskOwner is the hub that owns an agent's desktop, and the log sequence of the "connected"
// that said so.
type deskOwner struct {
	Hub string `json:"hub"`
	Seq uint64 `json:"seq"`
}

// ownerState is a hub's record of the desktops' owners, guarded by h.mu.
type ownerState struct {
	owners map[string]deskOwner           // agent → owner, from the log applied
	away   map[string]time.Time           // hub owning desktops → when first seen not routed to
	asked  map[string]deskOwner           // agents whose desktop this hub has said is disconnected, not yet applied
	hubs   func() (map[string]bool, bool) // the hubs routed to now; tests replace it
}

func newOwnerState() *ownerState {
	return &ownerState{owners: map[string]deskOwner{}, away: map[string]time.Time{}, asked: map[string]deskOwner{}}
}

// ownerAppliedLocked keeps the owner of the agent of an applied DESKWATCH_DESKTOP: its hub on
// "connected", none otherwise. seq is the message's log sequence. The caller holds h.mu.
func (h *Hub) ownerAppliedLocked(id string, p *model.Desktop, seq uint64) {
	o := h.own
	delete(o.asked, id)
	if p.Status == model.DesktopConnected && p.Hub != "" {
		o.owners[id] = deskOwner{Hub: p.Hub, Seq: seq}
		return
	}
	delete(o.owners, id)
}

// ownersCopyLocked copies the owners for a checkpoint; h.mu is held.
func (h *Hub) ownersCopyLocked() map[string]deskOwner { return maps.Clone(h.own.owners) }

// restoreOwnersLocked takes the owners a checkpoint saved; h.mu is held.
func (h *Hub) restoreOwnersLocked(owners map[string]deskOwner) {
	h.own.owners = map[string]deskOwner{}
	for id, o := range owners {
		if o.Hub != "" {
			h.own.owners[id] = deskOwner{Hub: model.Sanitize(o.Hub), Seq: o.Seq}
		}
	}
}

// liveHubs is the hubs routed to this one now, from the log (or a test); ok is false when the log
// cannot tell (alone, or on an external NATS).
func (h *Hub) liveHubs() (map[string]bool, bool) {
	if h.own.hubs != nil {
		return h.own.hubs()
	}
	return h.cfg.EventLog.Hubs()
}

// watchHubs looks every hubPoll at which hubs are routed to this one, until ctx ends, and retires
// the desktops of those away for LostHubAfter.
func (h *Hub) watchHubs(ctx context.Context) {
	look := func(now time.Time) bool {
		if live, ok := h.liveHubs(); ok {
			h.retireLost(live, now)
		}
		return true
	}
	look(time.Now())
	periodic.Every(ctx.Done(), hubPoll, look)
}

// retireLost says "disconnected" for the agents owned by a hub that has not been in live for
// LostHubAfter (since now).
func (h *Hub) retireLost(live map[string]bool, now time.Time) {
	o := h.own
	type retired struct {
		id string
		dw deskOwner
	}
	var out []retired
	h.mu.Lock()
	// away is made again each time, of the hubs away that still own desktops: a hub back, or lost
	// with all its desktops retired, leaves it.
	away := make(map[string]time.Time, len(o.away))
	for id, dw := range o.owners {
		if dw.Hub == h.cfg.Name || live[dw.Hub] || h.closed {
			continue
		}
		since, seen := o.away[dw.Hub]
		if !seen {
			since = now
		}
		away[dw.Hub] = since
		if seen && now.Sub(since) >= h.cfg.LostHubAfter && o.asked[id] != dw {
			o.asked[id] = dw
			out = append(out, retired{id, dw})
		}
	}
	o.away = away
	h.mu.Unlock()
	for _, r := range out {
		h.retire(r.id, r.dw, fmt.Sprintf("hub %s lost", r.dw.Hub))
	}
}

// ownDesksAfterRestart is told that the hub, on a shared log, has rebuilt its floor after a
// restart: the agents the log says it owns, whose bridge connection ended with the old process
// and has not come back, are disconnected ("hub restarted"), then gone unless a bridge comes back.
func (h *Hub) ownDesksAfterRestart() {
	var ids []string
	var dws []deskOwner
	h.mu.Lock()
	for id, dw := range h.own.owners {
		if h.cfg.Name != "" && dw.Hub == h.cfg.Name && h.desks[id] == nil && !h.closed {
			h.own.asked[id] = dw
			ids, dws = append(ids, id), append(dws, dw)
		}
	}
	h.mu.Unlock()
	for i, id := range ids {
		h.retire(id, dws[i], "hub restarted")
	}
}

// retire says an owner's desktop is disconnected (why), with the message id every hub computes
// alike, and starts the timer that says it is gone after GoneAfter unless a bridge comes back.
func (h *Hub) retire(id string, dw deskOwner, why string) {
	key := strconv.Quote(id) + strconv.Quote(dw.Hub) + strconv.FormatUint(dw.Seq, 10)
	h.mu.Lock()
	d := h.desks[id]
	if d == nil {
		d = &deskState{}
		h.desks[id] = d
	}
	if d.gone != nil {
		d.gone.Stop()
	}
	d.epoch++
	epoch := d.epoch
	d.goneID = "desktop gone " + key
	d.gone = time.AfterFunc(h.cfg.GoneAfter, func() { h.deskGone(id, epoch) })
	h.mu.Unlock()
	if !h.announceDesktopID(id, model.DesktopDisconnected, why, "desktop disconnected "+key) {
		h.mu.Lock()
		if h.own.asked[id] == dw {
			delete(h.own.asked, id) // asked again at the next look
		}
		h.mu.Unlock()
	}
}
