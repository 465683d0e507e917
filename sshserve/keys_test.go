package sshserve

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	gossh "golang.org/x/crypto/ssh"
)

func TestDefaultHostKeyPath(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"XDG_STATE_HOME": "/st", "HOME": "/h"}, "/st/deskwatch/ssh_host_ed25519_key"},
		{map[string]string{"XDG_STATE_HOME": "relative", "HOME": "/h"}, "/h/.local/state/deskwatch/ssh_host_ed25519_key"},
		{map[string]string{"HOME": "/h"}, "/h/.local/state/deskwatch/ssh_host_ed25519_key"},
		{map[string]string{}, ""},
	} {
		got, err := DefaultHostKeyPath(func(k string) string { return tc.env[k] })
		if got != tc.want || (err != nil) != (tc.want == "") {
			t.Errorf("env %v: got %q, %v; want %q", tc.env, got, err, tc.want)
		}
	}
}

// The host key is created once with mode 0600, the same key is used on the next start, and a key
// others can read is refused.
func TestHostKeyCreatedOnceAndGuarded(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state", "deskwatch", "key")
	first, created, err := loadHostKey(path)
	if err != nil || !created {
		t.Fatalf("first start: created=%v err=%v", created, err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("host key mode %04o, want 0600", st.Mode().Perm())
	}
	if first.PublicKey().Type() != gossh.KeyAlgoED25519 {
		t.Errorf("host key type %s, want ed25519", first.PublicKey().Type())
	}
	second, created, err := loadHostKey(path)
	if err != nil || created {
		t.Fatalf("second start: created=%v err=%v", created, err)
	}
	if gossh.FingerprintSHA256(first.PublicKey()) != gossh.FingerprintSHA256(second.PublicKey()) {
		t.Error("the host key changed between starts")
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := loadHostKey(path); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("world-readable key: err = %v, want a refusal", err)
	}
}

func TestNewChecksConfig(t *testing.T) {
	dir := t.TempDir()
	model := func(Viewer, <-chan struct{}) (tea.Model, error) { return nil, nil }
	sub := func() (<-chan struct{}, func()) { return nil, func() {} }
	base := Config{HostKeyPath: filepath.Join(dir, "hk"), Subscribe: sub, NewModel: model}
	cfg := base
	if _, err := New(cfg); err == nil || !strings.Contains(err.Error(), "--authorized-keys") {
		t.Errorf("no authorized keys: err = %v", err)
	}
	cfg.AuthorizedKeys = filepath.Join(dir, "missing")
	if _, err := New(cfg); err == nil {
		t.Error("a missing authorized keys file was accepted")
	}
	cfg = base
	cfg.AllowAnyKey = true
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if s.cfg.Addr != "127.0.0.1:2222" || s.cfg.MaxSessions != DefaultMaxSessions {
		t.Errorf("defaults: addr %q, max sessions %d", s.cfg.Addr, s.cfg.MaxSessions)
	}
}

// Editing the authorized keys file takes effect on the next login without a restart, and a line
// that does not parse or carries options is skipped, not fatal.
func TestAuthorizedKeysFollowTheFile(t *testing.T) {
	h := start(t, Config{}, false)
	listed, err := gossh.ParsePrivateKey(mustRead(t, h.key))
	if err != nil {
		t.Fatal(err)
	}
	other, err := gossh.ParsePrivateKey(mustRead(t, h.otherKey))
	if err != nil {
		t.Fatal(err)
	}
	login := func(s gossh.Signer) bool {
		c, err := h.dial(gossh.PublicKeys(s))
		if c != nil {
			c.Close()
		}
		return err == nil
	}
	if !login(listed) || login(other) {
		t.Fatal("before the edit: want the listed key in and the other out")
	}
	otherLine := string(gossh.MarshalAuthorizedKey(other.PublicKey()))
	listedLine := string(gossh.MarshalAuthorizedKey(listed.PublicKey()))
	write := func(content string) {
		t.Helper()
		// A distinct modification time even on coarse file systems.
		if err := os.WriteFile(h.srv.cfg.AuthorizedKeys, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		later := time.Now().Add(time.Duration(len(content)) * time.Second)
		if err := os.Chtimes(h.srv.cfg.AuthorizedKeys, later, later); err != nil {
			t.Fatal(err)
		}
	}
	write("not a key\n" + `from="10.0.0.1" ` + listedLine + otherLine)
	if login(listed) || !login(other) {
		t.Error("after swapping keys: want the other key in and the listed key (now with options) out")
	}
	logs := h.logs.String()
	if !strings.Contains(logs, "does not parse") || !strings.Contains(logs, "options") {
		t.Errorf("skipped lines not logged:\n%s", logs)
	}
	if err := os.Remove(h.srv.cfg.AuthorizedKeys); err != nil {
		t.Fatal(err)
	}
	if login(other) {
		t.Error("with the file gone a key still got in")
	}
	write(listedLine)
	if err := h.srv.ReloadKeys(); err != nil {
		t.Fatal(err)
	}
	if !login(listed) {
		t.Error("after ReloadKeys the listed key is refused")
	}
}

func TestParseAuthorizedKeysSkipsComments(t *testing.T) {
	signer, _ := newKey(t)
	line := gossh.MarshalAuthorizedKey(signer.PublicKey())
	data := append([]byte("\n# comment\n   \n"), line...)
	keys := parseAuthorizedKeys(data, "f", slog.New(slog.DiscardHandler))
	if len(keys) != 1 {
		t.Errorf("got %d keys, want 1", len(keys))
	}
}

func TestViewerGetenv(t *testing.T) {
	v := Viewer{Environ: []string{"TERM=xterm", "NO_COLOR=", "LANG=C", "TERM=screen", "BROKEN"}}
	for key, want := range map[string]string{"TERM": "screen", "LANG": "C", "NO_COLOR": "", "X": ""} {
		if got := v.Getenv(key); got != want {
			t.Errorf("Getenv(%q) = %q, want %q", key, got, want)
		}
	}
}

func TestClampSize(t *testing.T) {
	for _, tc := range [][4]int{{0, 0, 80, 24}, {100, 30, 100, 30}, {9999, 9999, maxWidth, maxHeight}, {-1, 5, 80, 5}} {
		if w, h := clampSize(tc[0], tc[1]); w != tc[2] || h != tc[3] {
			t.Errorf("clampSize(%d, %d) = %d, %d; want %d, %d", tc[0], tc[1], w, h, tc[2], tc[3])
		}
	}
}
