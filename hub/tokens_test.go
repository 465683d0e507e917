package hub

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	// Write then rename, the way a rotation should be done, so a reader never sees half a file.
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// check reports whether tokens accepts token.
func check(tokens *Tokens, token string) (bool, error) {
	g, err := tokens.lookup(token)
	return g != nil, err
}

func TestTokensFileAndRotation(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tokens")
	writeFile(t, path, "# bridges\n\n  alpha  \nbeta\n")
	tok, err := LoadTokens(path)
	if err != nil {
		t.Fatal(err)
	}
	for token, want := range map[string]bool{"alpha": true, "beta": true, "# bridges": false, "": false, "alph": false} {
		if ok, _ := check(tok, token); ok != want {
			t.Errorf("Check(%q) = %v, want %v", token, ok, want)
		}
	}
	writeFile(t, path, "gamma\n")
	// Some file systems keep one modification time for writes in the same tick; make it differ.
	later := time.Now().Add(2 * time.Second)
	if err := os.Chtimes(path, later, later); err != nil {
		t.Fatal(err)
	}
	if ok, _ := check(tok, "alpha"); ok {
		t.Error("alpha still accepted after rotation")
	}
	if ok, _ := check(tok, "gamma"); !ok {
		t.Error("gamma not accepted after rotation")
	}
	// A removed file keeps the last good tokens and says so once.
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	ok, err := check(tok, "gamma")
	if !ok || err == nil {
		t.Errorf("after removal: ok %v err %v, want the old tokens and an error", ok, err)
	}
	if _, err := check(tok, "gamma"); err != nil {
		t.Errorf("the same error reported twice: %v", err)
	}
	if _, err := LoadTokens(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("LoadTokens of a missing file succeeded")
	}
}

func TestWrongTokensAreRefusedWithALogLine(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "ingest"), "bridge-secret\n")
	writeFile(t, filepath.Join(dir, "stream"), "monitor-secret\n")
	in, err := LoadTokens(filepath.Join(dir, "ingest"))
	if err != nil {
		t.Fatal(err)
	}
	st, err := LoadTokens(filepath.Join(dir, "stream"))
	if err != nil {
		t.Fatal(err)
	}
	th := startHub(t, Config{IngestTokens: in, StreamTokens: st, Origins: []string{"https://crm.example.com"}})
	bearer := func(tok string) http.Header { return http.Header{"Authorization": {"Bearer " + tok}} }
	cases := []struct {
		path   string
		header http.Header
		want   int
		log    string
	}{
		{"/ingest", nil, http.StatusUnauthorized, "ingest from 127.0.0.1"},
		{"/ingest?token=monitor-secret", nil, http.StatusForbidden, "refused: wrong token (not in " + in.Path() + ")"},
		{"/stream", bearer("bridge-secret"), http.StatusForbidden, "refused: wrong token (not in " + st.Path() + ")"},
		{"/stream", nil, http.StatusUnauthorized, "refused: no token (want one from " + st.Path() + ")"},
		{"/ingest?token=bridge-secret", http.Header{"Origin": {"https://evil.example"}}, http.StatusForbidden,
			`refused: origin "https://evil.example" not allowed`},
		{"/ingest?token=bridge-secret", http.Header{"Origin": {"https://crm.example.com"}}, 0, ""},
		{"/stream", bearer("monitor-secret"), 0, ""},
		{"/stream?token=monitor-secret&agent=a1", nil, 0, ""},
	}
	for _, c := range cases {
		if got := th.dialStatus(t, c.path, c.header); got != c.want {
			t.Errorf("%s %v: HTTP %d, want %d", c.path, c.header, got, c.want)
		}
		if c.log != "" {
			th.log.waitLog(t, c.log)
		}
	}
	metrics, _ := th.get(t, "/metrics")
	if v := metricValue(t, metrics, `deskwatch_hub_connections_refused_total{endpoint="ingest",reason="token"}`); v != 2 {
		t.Errorf("refused ingest tokens = %v, want 2", v)
	}
}

// The token file's format: a # that starts a word begins a comment (a bare `token # comment` used
// to make the whole line the token), agent= binds a token, and a wrong line names file:line.
func TestTokenFileFormat(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "tokens")
	writeFile(t, path, "# bridges\nplain # a comment\n\tbound agent=a1,a2 agent=a3   #desk\nhash#inside\n")
	tok, err := LoadTokens(path)
	if err != nil {
		t.Fatal(err)
	}
	for token, want := range map[string]string{"plain": "unbound", "bound": "agent a1,a2,a3", "hash#inside": "unbound",
		"plain # a comment": "refused", "#": "refused", "agent=a1": "refused"} {
		g, _ := tok.lookup(token)
		got := "refused"
		switch {
		case g != nil && g.agents == nil:
			got = "unbound"
		case g != nil:
			got = g.binding
		}
		if got != want {
			t.Errorf("%q: %s, want %s", token, got, want)
		}
	}
	if total, unbound := tok.Summary(); total != 3 || unbound != 2 {
		t.Errorf("Summary() = %d, %d; want 3, 2", total, unbound)
	}
	for text, want := range map[string]string{
		"ok\nmy token\n":         `:2: unknown option "token" (want agents=, teams= or services=; a token may not contain spaces)`,
		"ok agent=\n":            `:1: empty agent id in "agent="`,
		"ok agent=a,,b\n":        `:1: empty agent id in "agent=a,,b"`,
		"agent=a1 secret\n":      ":1: the line starts with an option; the token comes first (TOKEN agents=ID)",
		"x\n\nok\nok agent=a1\n": ":4: the same token as on line 3",
	} {
		bad := filepath.Join(dir, "bad")
		writeFile(t, bad, text)
		if _, err := LoadTokens(bad); err == nil || err.Error() != bad+want {
			t.Errorf("LoadTokens(%q) = %v, want %s%s", text, err, bad, want)
		}
	}
	// Read again, a wrong file keeps the last good tokens and says where it is wrong, once.
	writeFile(t, path, "plain\nnew tok\n")
	changed, err := tok.reload(true)
	if changed || err == nil || !strings.Contains(err.Error(), path+`:2: unknown option "tok"`) ||
		!strings.Contains(err.Error(), "keeping the 3 tokens read before") {
		t.Errorf("reload of a wrong file: changed %v, %v", changed, err)
	}
	if _, err := tok.reload(true); err != nil {
		t.Errorf("the same error reported twice: %v", err)
	}
	if ok, _ := check(tok, "bound"); !ok {
		t.Error("the last good tokens were dropped")
	}
}
