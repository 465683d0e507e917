package hub

import (
	"crypto/sha256"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/deskwatch/deskwatch/internal/periodic"
	"github.com/deskwatch/deskwatch/model"
)

// tokenPoll is how often the hub reads its token files again; a connection whose token left the
// file (or changed its scope: agents, teams, services) is closed at the next poll.
var tokenPoll = time.Second

// rejectAgent is the events_rejected_total reason of a message for an agent its token is not
// bound to.
const rejectAgent = "agent_not_allowed"

// authState remembers which token each open connection authenticated with, and runs the watcher
// that closes those whose token was revoked.
type authState struct {
	mu    sync.Mutex
	conns map[*authConn]struct{}

	revoked *prometheus.CounterVec
	stop    chan struct{}
	done    chan struct{}
}

// authConn is one open connection's authentication: the SHA-256 of its token (never the secret)
// and the binding it had when the connection opened.
type authConn struct {
	endpoint string
	id       int64
	tokens   *Tokens
	digest   [sha256.Size]byte
	grant    *grant
	close    func(code int, reason string)
}

// startAuth pre-creates the auth metrics, logs what the token files allow and starts the watcher
// when there is a token file to watch.
func (h *Hub) startAuth() {
	a := &authState{conns: make(map[*authConn]struct{}), stop: make(chan struct{}), done: make(chan struct{})}
	h.auth = a
	a.revoked = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "deskwatch_hub",
		Name: "connections_revoked_total",
		Help: "Open connections closed because their token left the token file or changed its scope."},
		[]string{"endpoint"})
	h.m.reg.MustRegister(a.revoked)
	a.revoked.WithLabelValues("ingest")
	a.revoked.WithLabelValues("stream")
	h.m.rejected.WithLabelValues(rejectAgent)
	if t := h.cfg.IngestTokens; t != nil {
		total, unbound := t.Summary()
		h.log.Printf("ingest tokens: %d from %s, %d unbound (an unbound token may publish for any agent: "+
			"give those only to trusted bridges and relays)", total, t.Path(), unbound)
	}
	if t := h.cfg.StreamTokens; t != nil {
		total, unbound := t.Summary()
		h.log.Printf("stream tokens: %d from %s, %d unbound (see every agent)", total, t.Path(), unbound)
	}
	if h.cfg.IngestTokens == nil && h.cfg.StreamTokens == nil {
		close(a.done)
		return
	}
	go h.watchTokens()
}

// stopAuth stops the watcher and waits for it.
func (h *Hub) stopAuth() {
	h.auth.mu.Lock()
	select {
	case <-h.auth.stop:
	default:
		close(h.auth.stop)
	}
	h.auth.mu.Unlock()
	<-h.auth.done
}

func (h *Hub) watchTokens() {
	defer close(h.auth.done)
	periodic.Every(h.auth.stop, tokenPoll, func(time.Time) bool {
		h.reloadTokens()
		return true
	})
}

// reloadTokens reads both token files again where they changed, and closes the connections whose
// token went.
func (h *Hub) reloadTokens() {
	for _, e := range []struct {
		endpoint string
		t        *Tokens
	}{{"ingest", h.cfg.IngestTokens}, {"stream", h.cfg.StreamTokens}} {
		if e.t == nil {
			continue
		}
		changed, err := e.t.reload(true)
		if err != nil {
			h.log.Printf("%s tokens: %v", e.endpoint, err)
		}
		if changed {
			total, unbound := e.t.Summary()
			h.log.Printf("%s tokens: read %s again: %d tokens, %d unbound", e.endpoint, e.t.Path(), total, unbound)
		}
	}
	// Every poll, not only after a change this poll saw: a connection attempt may have read the
	// new file first.
	h.closeRevoked()
}

// closeRevoked closes every connection whose token is no longer in its file with the binding it
// connected with.
func (h *Hub) closeRevoked() {
	h.auth.mu.Lock()
	var stale []*authConn
	for c := range h.auth.conns {
		if !c.tokens.current(c.digest, c.grant.binding) {
			stale = append(stale, c)
			delete(h.auth.conns, c)
		}
	}
	h.auth.mu.Unlock()
	for _, c := range stale {
		h.revoke(c)
	}
}

func (h *Hub) revoke(c *authConn) {
	why := "token revoked"
	if c.tokens.lookupDigest(c.digest) != nil {
		why = "token's scope changed; reconnect"
	}
	h.auth.revoked.WithLabelValues(c.endpoint).Inc()
	h.log.Printf("%s conn %d (token of %s:%d): closing: %s", c.endpoint, c.id, c.tokens.Path(), c.grant.line, why)
	c.close(websocket.ClosePolicyViolation, why)
}

// register records an open connection's token so that revoking it closes the connection; the
// returned function forgets it. It does nothing for an endpoint without tokens.
func (h *Hub) register(endpoint string, id int64, tokens *Tokens, token string, g *grant,
	closeFn func(code int, reason string)) func() {
	if tokens == nil || g == nil {
		return func() {}
	}
	c := &authConn{endpoint: endpoint, id: id, tokens: tokens, digest: tokenDigest(token), grant: g,
		close: closeFn}
	h.auth.mu.Lock()
	h.auth.conns[c] = struct{}{}
	h.auth.mu.Unlock()
	// The token may have been revoked between the check and now, before the watcher could see
	// this connection: check once more now that it can.
	if !tokens.current(c.digest, g.binding) {
		h.auth.mu.Lock()
		_, still := h.auth.conns[c]
		delete(h.auth.conns, c)
		h.auth.mu.Unlock()
		if still {
			h.revoke(c)
		}
	}
	return func() {
		h.auth.mu.Lock()
		delete(h.auth.conns, c)
		h.auth.mu.Unlock()
	}
}

// authorize checks the origin and the token of a request to endpoint against tokens, answering
// 401 or 403 and logging the refusal when it fails. It returns the token and what it allows (nil
// when the endpoint has no tokens).
func (h *Hub) authorize(w http.ResponseWriter, r *http.Request, endpoint string, tokens *Tokens) (string, *grant, bool) {
	if !h.originAllowed(r) {
		h.refuse(w, r, endpoint, "origin", http.StatusForbidden, "origin not allowed",
			"origin "+logValue(r.Header.Get("Origin"))+" not allowed")
		return "", nil, false
	}
	if tokens == nil {
		return "", nil, true
	}
	tok, err := requestToken(r)
	if err != nil {
		h.refuse(w, r, endpoint, "token", http.StatusBadRequest, err.Error(), err.Error())
		return "", nil, false
	}
	g, reloadErr := tokens.lookup(tok)
	if reloadErr != nil {
		h.log.Printf("%s tokens: %v", endpoint, reloadErr)
	}
	if g != nil && endpoint == "ingest" && g.services != nil {
		// LoadIngestTokens refuses such a file; this is for tokens loaded otherwise.
		h.refuse(w, r, endpoint, "token", http.StatusForbidden, "token scoped to services",
			fmt.Sprintf("the token of %s:%d has services=, which an ingest token may not have", tokens.Path(), g.line))
		return "", nil, false
	}
	if g != nil {
		return tok, g, true
	}
	if tok == "" {
		h.refuse(w, r, endpoint, "token", http.StatusUnauthorized, "token required", "no token (want one from "+tokens.Path()+")")
	} else {
		h.refuse(w, r, endpoint, "token", http.StatusForbidden, "wrong token", "wrong token (not in "+tokens.Path()+")")
	}
	return "", nil, false
}

// describeGrant is a connection's token for its log line: where it is in the file and what it allows.
func describeGrant(tokens *Tokens, g *grant) string {
	switch {
	case g == nil:
		return ""
	case g.unbound():
		return fmt.Sprintf(", token of %s:%d, unbound", tokens.Path(), g.line)
	}
	return fmt.Sprintf(", token of %s:%d for %s", tokens.Path(), g.line, g.binding)
}

// agentAllowed checks an ingest message's agent against the bridge's token. A message for an
// agent the token is not bound to (or for no agent, from a bound token) is neither applied nor
// relayed; it is logged, counted and, when it has a seq, acknowledged, so that a bridge does not
// send it again after every reconnect (within the acker's bound on other agents' acks, ingest.go).
func (h *Hub) agentAllowed(b *bridgeConn, ev model.Event) bool {
	if b.grant.allows(ev.AgentID) {
		return true
	}
	h.m.rejected.WithLabelValues(rejectAgent).Inc()
	h.rejectf(b, b.msgs, "%s for agent %s, but the token (%s:%d) is for %s; not relayed",
		logWord(ev.Type), logValue(ev.AgentID), h.cfg.IngestTokens.Path(), b.grant.line, b.grant.binding)
	if b.acks != nil && ev.HasSeq {
		b.acks.ack(ev.AgentID, ev.Seq)
	}
	return false
}

// restrictFilter limits a monitor with a scoped token to the token's scope (filter.restrict). It
// answers 403 when the monitor asked only for agents or services outside it.
func (h *Hub) restrictFilter(w http.ResponseWriter, r *http.Request, f *filter, g *grant) bool {
	if g == nil {
		return true
	}
	asked := "?" + strings.Join(f.parts(), "&")
	if f.restrict(g) {
		return true
	}
	h.refuse(w, r, "stream", "agent", http.StatusForbidden, "agent or service not allowed by this token",
		fmt.Sprintf("%s not allowed by the token (%s:%d is for %s)", asked,
			h.cfg.StreamTokens.Path(), g.line, g.binding))
	return false
}
