package hub

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"fmt"
	"maps"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"
)

// Tokens is a set of accepted secrets read from a file, one a line:
//
//	TOKEN [agent=ID[,ID...]]...   # comment
//
// Blank lines and lines starting with # are ignored, and a # that starts a word begins a comment,
// so a token may not contain white space nor start with #. A token with agent= options is bound to
// those agents (an ingest token publishes only for them, a stream token sees only them); a bare
// token is unbound. The file is read again when it changes, so rotating or revoking tokens (write
// a new file, rename it over the old one) needs no restart.
type Tokens struct {
	path string

	mu      sync.Mutex
	modTime time.Time
	size    int64
	digest  [sha256.Size]byte // of the file's content, to notice a change that kept time and size
	loaded  bool
	grants  map[[sha256.Size]byte]*grant
	lastErr string
}

// grant is what one token allows. Tokens are looked up by the SHA-256 of the secret, so the
// secret itself is neither compared byte by byte (no timing to learn from) nor kept per connection.
type grant struct {
	line    int             // where the token is in the file, for the log (never the secret)
	agents  map[string]bool // nil: unbound, any agent
	binding string          // the agents sorted and comma-joined; "" when unbound
}

// allows reports whether the token may publish (or see) agent; an unbound token allows any.
func (g *grant) allows(agent string) bool { return g == nil || g.agents == nil || g.agents[agent] }

// LoadTokens reads the token file at path; it fails when the file cannot be read or a line is
// wrong, so a typo stops the hub at start rather than locking everyone out or letting in a token
// with a binding it was not meant to have.
func LoadTokens(path string) (*Tokens, error) {
	t := &Tokens{path: path}
	if _, err := t.reload(true); err != nil {
		return nil, err
	}
	return t, nil
}

// Path is the file the tokens come from.
func (t *Tokens) Path() string { return t.path }

// Summary says how many tokens the file holds and how many are unbound, for the hub's start-up log.
func (t *Tokens) Summary() (total, unbound int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, g := range t.grants {
		if g.agents == nil {
			unbound++
		}
	}
	return len(t.grants), unbound
}

// lookup returns what token allows, or nil when it is not one of the file's tokens, reading the
// file again first when it has changed. When the file has become unreadable or wrong the last good
// set stays in force and the error is returned (once per distinct error) so the caller can log it.
func (t *Tokens) lookup(token string) (*grant, error) {
	_, reloadErr := t.reload(false)
	if token == "" {
		return nil, reloadErr
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.grants[sha256.Sum256([]byte(token))], reloadErr
}

// current reports whether the token with this digest is still in the file with the same binding.
func (t *Tokens) current(digest [sha256.Size]byte, binding string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	g := t.grants[digest]
	return g != nil && g.binding == binding
}

// lookupDigest finds a token by its SHA-256.
func (t *Tokens) lookupDigest(digest [sha256.Size]byte) *grant {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.grants[digest]
}

// reload reads the file again when it has changed: by size or modification time, or, when force
// is set, by content (the hub's watcher forces it, so an edit within one clock tick is not missed).
// It reports whether the set of tokens changed.
func (t *Tokens) reload(force bool) (changed bool, err error) {
	fi, err := os.Stat(t.path)
	t.mu.Lock()
	defer t.mu.Unlock()
	if err != nil {
		return false, t.failed(fmt.Errorf("token file: %w", err))
	}
	if !force && t.loaded && fi.ModTime().Equal(t.modTime) && fi.Size() == t.size {
		return false, nil
	}
	data, err := os.ReadFile(t.path)
	if err != nil {
		return false, t.failed(fmt.Errorf("token file: %w", err))
	}
	digest := sha256.Sum256(data)
	if t.loaded && digest == t.digest {
		t.modTime, t.size, t.lastErr = fi.ModTime(), fi.Size(), ""
		return false, nil
	}
	grants, err := parseTokens(t.path, data)
	if err != nil {
		return false, t.failed(err)
	}
	t.grants, t.digest = grants, digest
	t.modTime, t.size, t.loaded, t.lastErr = fi.ModTime(), fi.Size(), true, ""
	return true, nil
}

// failed keeps the last good tokens and reports err only when it differs from the last one, so a
// missing or broken file does not log a line per connection attempt or per poll.
func (t *Tokens) failed(err error) error {
	if !t.loaded {
		return err
	}
	if err.Error() == t.lastErr {
		return nil
	}
	t.lastErr = err.Error()
	return fmt.Errorf("%w (keeping the %d tokens read before)", err, len(t.grants))
}

// parseTokens reads a token file; an error names the file and line and says what is wrong.
func parseTokens(path string, data []byte) (map[[sha256.Size]byte]*grant, error) {
	out := make(map[[sha256.Size]byte]*grant)
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for n := 1; sc.Scan(); n++ {
		fields := strings.Fields(sc.Text())
		if i := slices.IndexFunc(fields, func(f string) bool { return strings.HasPrefix(f, "#") }); i >= 0 {
			fields = fields[:i]
		}
		if len(fields) == 0 {
			continue
		}
		var g *grant
		err := fmt.Errorf("the line starts with an option; the token comes first (TOKEN agent=ID)")
		if !strings.HasPrefix(fields[0], "agent=") {
			g, err = parseGrant(fields[1:])
		}
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, n, err)
		}
		g.line = n
		key := sha256.Sum256([]byte(fields[0]))
		if prev, ok := out[key]; ok {
			return nil, fmt.Errorf("%s:%d: the same token as on line %d", path, n, prev.line)
		}
		out[key] = g
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return out, nil
}

// parseGrant reads a token's options: agent=ID[,ID...], repeatable.
func parseGrant(opts []string) (*grant, error) {
	g := &grant{}
	for _, o := range opts {
		ids, ok := strings.CutPrefix(o, "agent=")
		if !ok {
			return nil, fmt.Errorf("unknown option %q (want agent=ID[,ID...]; a token may not contain spaces)", o)
		}
		if g.agents == nil {
			g.agents = make(map[string]bool)
		}
		for id := range strings.SplitSeq(ids, ",") {
			if id == "" {
				return nil, fmt.Errorf("empty agent id in %q", o)
			}
			g.agents[id] = true
		}
	}
	if g.agents != nil {
		g.binding = strings.Join(slices.Sorted(maps.Keys(g.agents)), ",")
	}
	return g, nil
}

// requestToken finds the token a client presented: an "Authorization: Bearer" header (what the
// deskwatch monitor sends) or a token query parameter (what a browser's WebSocket can send, since
// it cannot set headers).
func requestToken(r *http.Request) string {
	if h := r.Header.Get("Authorization"); h != "" {
		if tok, ok := strings.CutPrefix(h, "Bearer "); ok {
			return strings.TrimSpace(tok)
		}
		return strings.TrimSpace(h)
	}
	return r.URL.Query().Get("token")
}
