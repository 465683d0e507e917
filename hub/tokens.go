package hub

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"
)

// Tokens is a set of accepted secrets read from a file, one a line:
//
//	TOKEN [agents=ID[,ID...]] [teams=NAME[,NAME...]] [services=NAME[,NAME...]]   # comment
//	team NAME AGENT[,AGENT...]
//
// Blank lines and lines starting with # are ignored, and a # that starts a word begins a comment,
// so a token may not contain white space nor start with #, nor be the word team. A token with
// options is scoped (tokenfile.go): an ingest token publishes only for its agents, a stream token
// sees only its agents and, of their interactions, those of its services; a bare token is unbound.
// The file is read again when it changes, so rotating or revoking tokens (write a new file, rename
// it over the old one) needs no restart.
type Tokens struct {
	path   string
	ingest bool // a file of ingest tokens, which may not have services=

	mu      sync.Mutex
	modTime time.Time
	size    int64
	digest  [sha256.Size]byte // of the file's content, to notice a change that kept time and size
	loaded  bool
	grants  map[[sha256.Size]byte]*grant
	lastErr string
}

// LoadTokens reads the token file at path; it fails when the file cannot be read or a line is
// wrong, so a typo stops the hub at start rather than locking everyone out or letting in a token
// with a binding it was not meant to have.
func LoadTokens(path string) (*Tokens, error) { return loadTokens(path, false) }

// LoadIngestTokens is LoadTokens for the tokens of bridges (--ingest-tokens): a token with services=
// is an error there, as a bridge publishes for agents, not for services.
func LoadIngestTokens(path string) (*Tokens, error) { return loadTokens(path, true) }

func loadTokens(path string, ingest bool) (*Tokens, error) {
	t := &Tokens{path: path, ingest: ingest}
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
		if g.unbound() {
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
	return t.grants[tokenDigest(token)], reloadErr
}

// tokenDigest is what the hub keeps of a token to know it again (grants, connections, the bounds
// kept per token): never the secret itself.
func tokenDigest(token string) [sha256.Size]byte { return sha256.Sum256([]byte(token)) }

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
	grants, err := parseTokens(t.path, data, t.ingest)
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

// requestToken finds the token a client presented: an "Authorization: Bearer" header (what the
// deskwatch monitor sends) or a token query parameter (what a browser's WebSocket can send, since
// it cannot set headers). A request that presents two different tokens (the header and ?token=, or
// ?token= twice) is refused: which of them it meant to use is not the hub's to guess.
func requestToken(r *http.Request) (string, error) {
	var toks []string
	for _, v := range r.Header.Values("Authorization") {
		if tok, ok := strings.CutPrefix(v, "Bearer "); ok {
			v = tok
		}
		if v = strings.TrimSpace(v); v != "" {
			toks = append(toks, v)
		}
	}
	for _, v := range r.URL.Query()["token"] {
		if v != "" {
			toks = append(toks, v)
		}
	}
	if len(toks) == 0 {
		return "", nil
	}
	for _, tok := range toks[1:] {
		if tok != toks[0] {
			return "", errors.New("two different tokens (Authorization and ?token=, or one repeated)")
		}
	}
	return toks[0], nil
}
