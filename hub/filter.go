package hub

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/deskwatch/deskwatch/model"
)

// filter is one subscription's choice of events: /stream?agent=a,b&service=Sales (each parameter
// repeatable or comma-separated), limited to its token's scope (restrict, scope.go). Agent filters
// every event by its agentId. Service filters interaction events by the interaction's service; an
// interaction that once passed keeps passing (so a monitor sees it transferred away and ended), and
// agent-level events pass (of a services-only scope, only while the agent has an interaction that
// passed: see agentLevelPasses).
//
// A filter's memory of passed interactions is used only by its subscriber's writer goroutine; the
// agent check, which needs no memory, is also made under the hub's lock when events are queued.
type filter struct {
	agents, services map[string]bool
	// passed holds, per agent, the open interactions this subscriber has been sent; ended holds
	// the last maxEndedPassed of them that ended, whose activity record still passes. Both are
	// bounded: open ones by the hub's caps, ended ones by the ring.
	passed map[string]map[string]bool
	ended  endedRing
	// scoped is set when the services come from the token's scope: an agent's active interaction
	// is then shown only when it is one the subscriber was sent. needWork is set when the scope
	// limits services and not agents (scope.go).
	scoped, needWork bool
}

// Bounds on a filter, so that a monitor's request cannot make the hub hold or log much: each of
// ?agent= and ?service= lists at most maxFilterValues values (after splitting at commas) of at most
// maxFilterValue bytes; a request over either is answered 400 Bad Request.
const (
	maxFilterValues = 256
	maxFilterValue  = 256
)

func parseFilter(q url.Values) (*filter, error) {
	for k := range q {
		if k != "agent" && k != "service" && k != "token" {
			return nil, fmt.Errorf("unknown parameter %s (want agent, service or token)", logValue(k))
		}
	}
	agents, err := set("agent", q["agent"])
	if err != nil {
		return nil, err
	}
	services, err := set("service", q["service"])
	if err != nil {
		return nil, err
	}
	f := &filter{agents: agents, services: services}
	if f.services != nil {
		f.passed = make(map[string]map[string]bool)
	}
	return f, nil
}

// set collects the comma-separated values of the query parameter name, refusing more than
// maxFilterValues of them or one longer than maxFilterValue bytes.
func set(name string, values []string) (map[string]bool, error) {
	var m map[string]bool
	n := 0
	for _, v := range values {
		for part := range strings.SplitSeq(v, ",") {
			if part = strings.TrimSpace(part); part == "" {
				continue
			}
			if n++; n > maxFilterValues {
				return nil, fmt.Errorf("?%s= lists more than %d values, the limit", name, maxFilterValues)
			}
			if len(part) > maxFilterValue {
				return nil, fmt.Errorf("?%s= value %d is %d bytes long, over the limit of %d", name, n, len(part),
					maxFilterValue)
			}
			if m == nil {
				m = make(map[string]bool)
			}
			m[part] = true
		}
	}
	return m, nil
}

// describe is the filter as the connection log line shows it (peer values quoted and cut).
func (f *filter) describe() string {
	parts := f.parts()
	if len(parts) == 0 {
		return ""
	}
	s := " with filter " + strings.Join(parts, " ")
	if f.needWork {
		s += " (agents only while they have an interaction of those services)"
	}
	return s
}

// parts are the filter's agent= and service= for a log line.
func (f *filter) parts() []string {
	var parts []string
	if f.agents != nil {
		parts = append(parts, "agent="+logList(f.agents))
	}
	if f.services != nil {
		parts = append(parts, "service="+logList(f.services))
	}
	return parts
}

func (f *filter) agentPasses(agentID string) bool { return f.agents == nil || f.agents[agentID] }

// agentKeys is the subscriber's routing keys in the hub's fan (its live events are broadcast under
// their agentId): the agents it passes, or nil when it passes every agent.
func (f *filter) agentKeys() []string {
	if f.agents == nil {
		return nil
	}
	keys := make([]string, 0, len(f.agents))
	for a, ok := range f.agents {
		if ok {
			keys = append(keys, a)
		}
	}
	return keys
}

// interactionPasses decides for one interaction of agentID and remembers a pass.
func (f *filter) interactionPasses(agentID string, in *model.Interaction) bool {
	return f.interactionEventPasses(agentID, in, "")
}

// interactionEventPasses is interactionPasses for an event of type typ: an interaction that
// passed and ended passes again only in what follows its end (its removal, its activity record).
// Any other event of its id (a new interaction reusing it) is judged afresh, and a new one makes
// the filter forget the end.
func (f *filter) interactionEventPasses(agentID string, in *model.Interaction, typ string) bool {
	if f.services == nil {
		return true
	}
	ids := f.passed[agentID]
	followsEnd := typ == model.EvSaveActivityRecord || typ == model.EvInteractionRemoved
	afterEnd := followsEnd && f.ended.has(agentID, in.ID)
	if !followsEnd || typ == model.EvSaveActivityRecord {
		// Anything but what follows an end (a new interaction, a state change, a snapshot's
		// listing) is the id's own again, judged afresh; the activity record is the last an
		// interaction gets. Either way the end is forgotten.
		f.ended.remove(agentID, in.ID)
	}
	if !f.services[model.Str(in.Service)] && !ids[in.ID] && !afterEnd {
		return false
	}
	if ids == nil {
		ids = make(map[string]bool)
		f.passed[agentID] = ids
	}
	ids[in.ID] = true
	return true
}

// pass decides whether the subscriber gets ev, of an agent the filter passes (the fan checks the
// agent once, under the hub's lock, before it queues ev). It returns the message to send in its
// place when the filter rewrites it (an INTERACTIONS_STATE cut down to the subscriber's services),
// else nil. It fails closed: when the message cannot be cut down it returns an error, and the
// caller leaves the message out rather than send it whole.
func (f *filter) pass(ev model.Event, data []byte) (rewritten []byte, ok bool, err error) {
	if f.services == nil {
		return nil, true, nil
	}
	switch p := ev.Payload.(type) {
	case *model.Interaction:
		ok := f.interactionEventPasses(ev.AgentID, p, ev.Type)
		switch {
		case !ok:
		case ev.Type == model.EvSaveActivityRecord: // the last event an interaction gets
			f.forget(ev.AgentID, p.ID)
		case ev.Type == model.EvInteractionRemoved || p.State == model.StateCompleted:
			f.forget(ev.AgentID, p.ID)
			f.ended.add(ev.AgentID, p.ID)
		}
		return nil, ok, nil
	case *model.InteractionsState:
		out, err := f.cutSnapshot(ev.AgentID, p, data)
		if err == errNothing {
			return nil, false, nil
		}
		return out, err == nil, err
	case *model.AudioQualityAlert:
		return nil, f.passed[ev.AgentID][p.CallID], nil
	case *model.ActiveSwitch:
		return f.passSwitch(ev, p)
	case *model.Reclaimed:
		return f.passReclaimed(ev, p)
	case *model.Skipped:
		return f.passSkipped(ev, p)
	case *model.Desktop:
		ok := f.agentLevelPasses(ev.AgentID)
		if ok && p.Status == model.DesktopGone { // its open interactions end (model.Store.applyDesktop)
			f.endAll(ev.AgentID)
		}
		return nil, ok, nil
	}
	return nil, f.agentLevelPasses(ev.AgentID), nil
}

// forget drops an interaction from the agent's open passed set (and the set when it is empty).
func (f *filter) forget(agentID, id string) {
	if ids := f.passed[agentID]; ids != nil {
		delete(ids, id)
		if len(ids) == 0 {
			delete(f.passed, agentID)
		}
	}
}

// maxEndedPassed is how many ended interactions a service filter remembers, so that their activity
// record, which follows the end, still passes.
const maxEndedPassed = 4096

// endedRing is a bounded set of (agent, interaction) pairs, the oldest dropped first.
// Each pair in set maps to the number of the add that put it there, and order lists the adds, so
// that a pair removed and added again is not dropped when its first add leaves the order.
type endedRing struct {
	set   map[[2]string]uint64
	order []endedAdd
	adds  uint64
}

type endedAdd struct {
	k [2]string
	n uint64
}

func (r *endedRing) has(agentID, id string) bool {
	_, ok := r.set[[2]string{agentID, id}]
	return ok
}

// remove forgets a pair (its add stays in the order, and does nothing when it leaves).
func (r *endedRing) remove(agentID, id string) {
	delete(r.set, [2]string{agentID, id})
}

func (r *endedRing) add(agentID, id string) {
	k := [2]string{agentID, id}
	if r.set == nil {
		r.set = make(map[[2]string]uint64)
	}
	if _, ok := r.set[k]; ok {
		return
	}
	if len(r.order) >= maxEndedPassed {
		if old := r.order[0]; r.set[old.k] == old.n {
			delete(r.set, old.k)
		}
		r.order = r.order[1:]
	}
	r.adds++
	r.set[k] = r.adds
	r.order = append(r.order, endedAdd{k, r.adds})
}

// cutSnapshot rewrites an INTERACTIONS_STATE message to list only the interactions that pass,
// keeping every other member as it came (but for a scoped filter the active interaction, which
// becomes null when it is not listed). It also resets the agent's passed set to that list. With
// needWork, the snapshot of an agent that had none and has none that passes is left out
// (errNothing).
func (f *filter) cutSnapshot(agentID string, st *model.InteractionsState, data []byte) ([]byte, error) {
	old := f.passed[agentID]
	delete(f.passed, agentID)
	keep := make([]bool, len(st.Interactions))
	kept := false
	for i := range st.Interactions {
		in := &st.Interactions[i]
		f.ended.remove(agentID, in.ID) // listed open: the id's own again, whatever ended before
		keep[i] = f.services[model.Str(in.Service)] || old[in.ID]
		if keep[i] {
			f.interactionPasses(agentID, in)
			kept = true
		}
	}
	if f.needWork && !kept && len(old) == 0 {
		return nil, errNothing
	}
	active := st.ActiveInteractionID
	maskActive := f.scoped && active != nil && !f.passed[agentID][*active]
	return rewriteInteractions(data, keep, maskActive)
}

// rewriteInteractions keeps params[0].interactions[i] where keep[i], and makes
// activeInteractionId null when maskActive is set, leaving the rest untouched.
func rewriteInteractions(data []byte, keep []bool, maskActive bool) ([]byte, error) {
	var env map[string]jsontext.Value
	if err := json.Unmarshal(data, &env, decodeOpts); err != nil {
		return nil, err
	}
	var params []jsontext.Value
	if err := json.Unmarshal(env["params"], &params, decodeOpts); err != nil || len(params) == 0 {
		return nil, fmt.Errorf("params: %w", err)
	}
	var st map[string]jsontext.Value
	if err := json.Unmarshal(params[0], &st, decodeOpts); err != nil {
		return nil, err
	}
	var list []jsontext.Value
	if err := json.Unmarshal(st["interactions"], &list, decodeOpts); err != nil {
		return nil, err
	}
	if len(list) != len(keep) {
		return nil, fmt.Errorf("interactions: %d, decoded %d", len(list), len(keep))
	}
	kept := make([]jsontext.Value, 0, len(list))
	for i, v := range list {
		if keep[i] {
			kept = append(kept, v)
		}
	}
	var err error
	if st["interactions"], err = json.Marshal(kept); err != nil {
		return nil, err
	}
	if maskActive {
		st["activeInteractionId"] = jsontext.Value("null")
	}
	if params[0], err = json.Marshal(st, json.Deterministic(true)); err != nil {
		return nil, err
	}
	if env["params"], err = json.Marshal(params); err != nil {
		return nil, err
	}
	return json.Marshal(env, json.Deterministic(true))
}

// decodeOpts are model.Decode's own, so anything it accepted can be rewritten.
var decodeOpts = model.DecodeOptions()
