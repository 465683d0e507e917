package hub

import (
	"fmt"
	"net/http"
	"sync"

	"github.com/gorilla/websocket"
)

// The hub's WebSocket connections are bounded in all (--max-connections), by kind, and per token
// scoped to agents, so that no one holder can take every place:
//   - bridges (/ingest) and monitors (/stream) may each hold all but an eighth of the places, kept
//     for the other kind (none on a hub of fewer than eight places): monitors joining cannot lock
//     the bridges out (the floor's events would be lost), nor bridges the supervisors;
//   - a token scoped to agents (agents=, teams=) holds at most maxBridgesPerAgent bridge, or
//     maxMonitorsPerAgent monitor, connections per agent it may speak for or see: one agent's
//     token opened every place of a hub and left the other agents' bridges refused.
//
// A token bound to no agent (the operator's own, or one for a team of bridges behind one address)
// has no bound of its own.
const (
	maxBridgesPerAgent  = 4
	maxMonitorsPerAgent = 8
)

// conns counts the hub's connections against those bounds.
type conns struct {
	mu     sync.Mutex
	total  int
	kind   map[string]int // per endpoint
	scoped map[string]int // per endpoint and token bound to agents (the endpoint, then its digest)
}

func newConns() *conns { return &conns{kind: make(map[string]int), scoped: make(map[string]int)} }

// take counts one more connection to endpoint with token (scoped by g, nil for none), or says which
// bound it would pass (reason is the refusal metric's label). release counts it off; call it once.
func (c *conns) take(limit int, endpoint, token string, g *grant) (release func(), reason, why string) {
	key, most := "", 0
	if g != nil && g.agents != nil {
		per := maxBridgesPerAgent
		if endpoint != "ingest" {
			per = maxMonitorsPerAgent
		}
		sum := tokenDigest(token)
		key, most = endpoint+string(sum[:]), max(per*len(g.agents), per)
	}
	kindMost := limit - limit/8
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.total >= limit:
		return nil, "capacity", fmt.Sprintf("%d connections open, the limit (--max-connections)", limit)
	case c.kind[endpoint] >= kindMost:
		return nil, "capacity", fmt.Sprintf("%d %s connections open, the most of --max-connections %d they may hold "+
			"(an eighth is kept for the other kind)", c.kind[endpoint], kindName(endpoint), limit)
	case key != "" && c.scoped[key] >= most:
		return nil, "token-cap", fmt.Sprintf("%d %s connections open with one token, the most for the %d agents it is "+
			"bound to (%d each)", c.scoped[key], kindName(endpoint), len(g.agents), most/max(len(g.agents), 1))
	}
	c.total++
	c.kind[endpoint]++
	if key != "" {
		c.scoped[key]++
	}
	return sync.OnceFunc(func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.total--
		c.kind[endpoint]--
		if key != "" {
			if c.scoped[key]--; c.scoped[key] == 0 {
				delete(c.scoped, key)
			}
		}
	}), "", ""
}

// kindName names the connections of endpoint.
func kindName(endpoint string) string {
	if endpoint == "ingest" {
		return "bridge"
	}
	return "monitor"
}

// accept takes one of the hub's connections for endpoint, with token (g its scope), and upgrades r
// to a WebSocket, or refuses it (answered with 503, logged and counted) and returns nil. release
// gives the place back; call it once the connection has ended.
func (h *Hub) accept(w http.ResponseWriter, r *http.Request, endpoint, token string, g *grant) (*websocket.Conn, func()) {
	release, reason, why := h.places.take(h.cfg.Limits.MaxConnections, endpoint, token, g)
	if release == nil {
		h.refuse(w, r, endpoint, reason, http.StatusServiceUnavailable, "hub full: too many connections", why)
		return nil, nil
	}
	conn, err := h.upgrader.Upgrade(w, r, nil)
	if err != nil {
		h.refuse(w, r, endpoint, "upgrade", 0, "", logText(err.Error()))
		release()
		return nil, nil
	}
	return conn, release
}
