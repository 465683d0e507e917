package synth

import (
	"strconv"

	"github.com/deskwatch/deskwatch/model"
)

// opKind is one step of an interaction's planned life; each step produces exactly one event.
type opKind uint8

const (
	opNew     opKind = iota // ON_NEW_INTERACTION in the first state
	opState                 // a plain state change (ivr, delivery_pending, hold, back to delivered, …)
	opDeliver               // delivered: the agent has it in front of them; a call may start recording
	opMute                  // the agent mutes or unmutes
	opRec                   // recording stops (a card number is read out) or starts
	opJoin                  // a colleague joins: a conference guest, or the target of a transfer
	opLeave                 // the conference guest leaves
	opAlert                 // ON_CALL_AUDIO_QUALITY_ALERT flags the call
	opClear                 // … and clears it
	opAttach                // the strategy or the agent attaches another key to the interaction
	opWrapUp                // the conversation ends: wrap_up, parties gone, end time and duration
	opDispose               // the agent picks a disposition
	opRemove                // ON_INTERACTION_REMOVED, final snapshot
	opSave                  // ON_SAVE_ACTIVITY_RECORD, the completed record
)

type op struct {
	kind  opKind
	state model.State
	on    bool // opMute, opRec: the new value; opJoin: a transfer rather than a conference
}

// conv is one interaction of an agent: its current snapshot and the steps still to come.
type conv struct {
	d        wireInteraction
	ops      []op
	next     int
	svc      service
	outbound bool
	recorded bool   // the call was recorded at some point, so it gets recording URLs
	guest    string // the conference party's id while they are on the call
	outcome  string // the disposition the agent will choose
	parties  int    // party id counter
	wrapped  bool   // reached wrap-up
	removed  bool   // ON_INTERACTION_REMOVED sent
}

// live reports whether the agent is working the interaction right now (it makes the agent busy).
func (c *conv) live() bool {
	if c.removed || c.wrapped {
		return false
	}
	switch c.d.State {
	case model.StateDelivered, model.StateHold:
		return true
	case model.StateDeliveryPending:
		return c.outbound // dialling out
	}
	return false
}

// pace is how readily the interaction moves on when its agent is picked: conversations take their
// time, wrap-up is brisk. Lower weights let more idle picks, so more event time, pass between steps.
func (c *conv) pace() float64 {
	switch {
	case c.wrapped:
		return 1.5
	case c.d.State == model.StateDelivered || c.d.State == model.StateHold:
		return 0.35
	}
	return 0.5
}

// newConv gives agent a new interaction and returns its ON_NEW_INTERACTION event.
func (g *Generator) newConv(a *agent) []byte {
	g.nextID++
	svc, cu := pick(g, services[:]), pick(g, customers[:])
	typ := model.TypeVoice
	switch r := g.rng.Float64(); {
	case r >= 0.55 && r < 0.82, r < 0.55 && a.onCall():
		typ = model.TypeChat
	case r >= 0.82:
		typ = model.TypeEmail
	}
	c := &conv{svc: svc, outcome: pick(g, svc.outcomes)}
	att := g.attached(svc, cu)
	c.d = wireInteraction{
		InteractionID:       idPrefix(typ) + strconv.Itoa(g.nextID),
		State:               model.StateQueued,
		Type:                typ,
		Subject:             pick(g, svc.subjects),
		AssociatedObjects:   g.associated(cu, att),
		CallParties:         []wireParty{},
		AttachedData:        att,
		GlobalInteractionID: g.uuid(),
		Service:             svc.name,
		StartTime:           g.millis(),
	}
	d := &c.d
	switch typ {
	case model.TypeVoice:
		number := g.phone(cu.country)
		d.PhoneNumber, d.ANI, d.DNIS, d.CallDirection = number, number, svc.dnis, string(model.DirectionInbound)
		if c.outbound = g.chance(0.25); c.outbound {
			d.State = model.StateDeliveryPending
			d.ANI, d.DNIS, d.CallDirection = callerID, number, string(model.DirectionOutbound)
			d.Origination = pick(g, outboundOrigins[:])
			d.Description = "Callback about: " + d.Subject
		}
		if g.chance(0.4) {
			d.Email = g.email(cu) // the CRM knew the caller
		}
		d.CallParties = append(d.CallParties, c.party(cu.name, number, ""))
	case model.TypeChat:
		d.Email = g.email(cu)
		if g.chance(0.3) {
			d.Email, d.PhoneNumber = "", g.phone(cu.country) // a chat over SMS
		}
		d.Description = pick(g, chatOpeners[:])
	case model.TypeEmail:
		d.Email = g.email(cu)
		if g.chance(0.4) {
			d.Subject = "Re: " + d.Subject
		}
		d.Description = pick(g, mailOpeners[:])
	}
	c.ops = g.plan(c)
	a.convs = append(a.convs, c)
	return g.step(a, c)
}

func idPrefix(t model.Type) string {
	switch t {
	case model.TypeChat:
		return "chat-"
	case model.TypeEmail:
		return "mail-"
	}
	return "call-"
}

// party returns a new party with the interaction's next party id; the caller adds it to the call.
func (c *conv) party(name, phone, userID string) wireParty {
	c.parties++
	return wireParty{ID: "p" + strconv.Itoa(c.parties), Name: name, Phone: phone, UserID: userID}
}

// plan draws the interaction's life: the states it passes through and what happens on the way.
func (g *Generator) plan(c *conv) []op {
	ops := []op{{kind: opNew}}
	switch {
	case c.d.Type == model.TypeVoice && c.outbound:
		if g.chance(0.2) {
			c.outcome = pick(g, noAnswerOutcomes[:])
			return append(ops, g.closing(c)...)
		}
		ops = append(ops, op{kind: opDeliver})
		ops = append(ops, g.talk(c)...)
	case c.d.Type == model.TypeVoice:
		ops = append(ops, op{kind: opState, state: model.StateIVR})
		if g.chance(0.3) {
			ops = append(ops, op{kind: opState, state: model.StateDeliveryPending})
		}
		ops = append(ops, op{kind: opDeliver})
		ops = append(ops, g.talk(c)...)
	default:
		if c.d.Type == model.TypeChat && g.chance(0.3) {
			ops = append(ops, op{kind: opState, state: model.StateDeliveryPending})
		}
		ops = append(ops, op{kind: opDeliver})
		if g.chance(0.4) {
			ops = append(ops, op{kind: opAttach})
		}
	}
	return append(ops, g.closing(c)...)
}

// talk draws what happens during a call: holds, mutes, recording pauses, a conference, an audio
// alert, in random order, and now and then a transfer that ends the call for the agent.
func (g *Generator) talk(c *conv) []op {
	c.recorded = g.chance(0.85)
	var blocks [][]op
	if g.chance(0.5) {
		blocks = append(blocks, []op{{kind: opState, state: model.StateHold}, {kind: opState, state: model.StateDelivered}})
	}
	if g.chance(0.35) {
		blocks = append(blocks, []op{{kind: opMute, on: true}, {kind: opMute}})
	}
	switch {
	case c.recorded && g.chance(0.3):
		blocks = append(blocks, []op{{kind: opRec}, {kind: opRec, on: true}})
	case !c.recorded && g.chance(0.5):
		blocks = append(blocks, []op{{kind: opRec, on: true}})
	}
	if g.chance(0.3) {
		blocks = append(blocks, []op{{kind: opJoin}, {kind: opLeave}})
	}
	if g.chance(0.12) {
		blocks = append(blocks, []op{{kind: opAlert}, {kind: opClear}})
	}
	if g.chance(0.3) {
		blocks = append(blocks, []op{{kind: opAttach}})
	}
	g.rng.Shuffle(len(blocks), func(i, j int) { blocks[i], blocks[j] = blocks[j], blocks[i] })
	var ops []op
	for _, b := range blocks {
		ops = append(ops, b...)
	}
	if g.chance(0.12) {
		ops = append(ops, op{kind: opJoin, on: true})
		c.outcome = "Transferred"
	}
	return ops
}

// closing is the end every interaction goes through: wrap-up, disposition, completed, removed, saved.
func (g *Generator) closing(c *conv) []op {
	ops := []op{{kind: opWrapUp}}
	if c.d.Type == model.TypeVoice && g.chance(0.08) {
		ops = append(ops, op{kind: opState, state: model.StateWrapUpHold}, op{kind: opState, state: model.StateWrapUp})
	}
	return append(ops, op{kind: opDispose}, op{kind: opState, state: model.StateCompleted},
		op{kind: opRemove}, op{kind: opSave})
}

// step performs the interaction's next planned step and returns its event.
func (g *Generator) step(a *agent, c *conv) []byte {
	o := c.ops[c.next]
	c.next++
	d := &c.d
	typ := model.EvInteractionStateChange
	switch o.kind {
	case opNew:
		typ = model.EvNewInteraction
	case opState:
		d.State = o.state
		if o.state == model.StateIVR {
			d.Description = c.svc.ivr
			if g.chance(0.1) {
				d.Service = pick(g, services[:]).name // the caller chose another option
			}
		}
	case opDeliver:
		d.State = model.StateDelivered
		d.CallRecording = d.Type == model.TypeVoice && c.recorded
		a.wantActive = d.InteractionID
	case opMute:
		d.CallMuted = o.on
	case opRec:
		d.CallRecording = o.on
		c.recorded = c.recorded || o.on
	case opJoin:
		p := pick(g, colleagues[:])
		party := c.party(p.name, p.phone, p.userID)
		d.CallParties = append(d.CallParties, party)
		if !o.on {
			c.guest = party.ID
		}
	case opLeave:
		d.CallParties = without(d.CallParties, c.guest)
		c.guest = ""
	case opAlert:
		return g.event(a, model.EvAudioQualityAlert, d.InteractionID, pick(g, audioAlerts[:]))
	case opClear:
		return g.event(a, model.EvAudioQualityAlert, d.InteractionID, nil)
	case opAttach:
		g.attachMore(d.AttachedData)
	case opWrapUp:
		g.wrapUp(c)
	case opDispose:
		d.Disposition = c.outcome
	case opRemove:
		c.removed = true
		typ = model.EvInteractionRemoved
	case opSave:
		typ = model.EvSaveActivityRecord
		a.convs = withoutConv(a.convs, c)
	}
	return g.event(a, typ, d)
}

// wrapUp ends the conversation: the call is hung up (no parties, not muted, not recording), the end
// time and duration are set, and a recorded call gets its recording's URLs.
func (g *Generator) wrapUp(c *conv) {
	d := &c.d
	c.wrapped = true
	d.State = model.StateWrapUp
	d.EndTime = g.millis()
	d.Duration = max(1, (d.EndTime-d.StartTime+500)/1000)
	if d.Type != model.TypeVoice {
		return
	}
	d.CallParties, d.CallMuted, d.CallRecording = []wireParty{}, false, false
	if c.recorded {
		d.RecordingURL = "https://recordings.example.com/rec/" + d.GlobalInteractionID + ".wav"
		d.PlaybackURL = "https://recordings.example.com/play/" + d.GlobalInteractionID
	}
}

// attachMore adds the first of a few keys the interaction does not have yet.
func (g *Generator) attachMore(m map[string]string) {
	extra := [...][2]string{
		{"orderId", "A" + g.digits(5)},
		{"sentiment", pick(g, []string{"positive", "neutral", "negative"})},
		{"callbackNumber", g.phone("us")},
		{"note", "Customer asked for a written confirmation ✉"},
	}
	for _, kv := range extra {
		if _, ok := m[kv[0]]; !ok {
			m[kv[0]] = kv[1]
			return
		}
	}
	m["followUp"] = "yes"
}

func without(ps []wireParty, id string) []wireParty {
	out := make([]wireParty, 0, len(ps))
	for _, p := range ps {
		if p.ID != id {
			out = append(out, p)
		}
	}
	return out
}

func withoutConv(cs []*conv, c *conv) []*conv {
	out := cs[:0]
	for _, x := range cs {
		if x != c {
			out = append(out, x)
		}
	}
	clear(cs[len(out):])
	return out
}
