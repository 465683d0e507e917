package hub

import (
	"bufio"
	"bytes"
	"crypto/subtle"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"
)

// Tokens is a set of accepted secrets read from a file: one token a line, blank lines and lines
// starting with # ignored. The file is read again when its size or modification time changes, so
// rotating tokens (write a new file, rename it over the old one) needs no restart.
type Tokens struct {
	path string

	mu      sync.Mutex
	modTime time.Time
	size    int64
	loaded  bool
	tokens  [][]byte
	lastErr string
}

// LoadTokens reads the token file at path; it fails when the file cannot be read, so a typo in a
// flag stops the hub at start rather than locking everyone out.
func LoadTokens(path string) (*Tokens, error) {
	t := &Tokens{path: path}
	if err := t.reload(); err != nil {
		return nil, err
	}
	return t, nil
}

// Path is the file the tokens come from.
func (t *Tokens) Path() string { return t.path }

// Check reports whether token is one of the file's tokens, reading the file again first when it
// has changed. When the file has become unreadable the last good set stays in force and the error
// is returned (once per distinct error) so the caller can log it.
func (t *Tokens) Check(token string) (ok bool, reloadErr error) {
	reloadErr = t.reload()
	t.mu.Lock()
	defer t.mu.Unlock()
	if token == "" {
		return false, reloadErr
	}
	for _, want := range t.tokens {
		if subtle.ConstantTimeCompare(want, []byte(token)) == 1 {
			ok = true
		}
	}
	return ok, reloadErr
}

func (t *Tokens) reload() error {
	fi, err := os.Stat(t.path)
	t.mu.Lock()
	defer t.mu.Unlock()
	if err != nil {
		return t.failed(fmt.Errorf("token file: %w", err))
	}
	if t.loaded && fi.ModTime().Equal(t.modTime) && fi.Size() == t.size {
		return nil
	}
	data, err := os.ReadFile(t.path)
	if err != nil {
		return t.failed(fmt.Errorf("token file: %w", err))
	}
	t.tokens = parseTokens(data)
	t.modTime, t.size, t.loaded, t.lastErr = fi.ModTime(), fi.Size(), true, ""
	return nil
}

// failed keeps the last good tokens and reports err only when it differs from the last one, so a
// missing file does not log a line per connection attempt.
func (t *Tokens) failed(err error) error {
	if !t.loaded {
		return err
	}
	if err.Error() == t.lastErr {
		return nil
	}
	t.lastErr = err.Error()
	return fmt.Errorf("%w (keeping the %d tokens read before)", err, len(t.tokens))
}

func parseTokens(data []byte) [][]byte {
	var out [][]byte
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		out = append(out, []byte(line))
	}
	return out
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
