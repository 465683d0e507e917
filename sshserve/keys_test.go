package sshserve

import (
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	gossh "golang.org/x/crypto/ssh"

	"github.com/deskwatch/deskwatch/internal/e2e"
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

// Editing the authorized keys file takes effect on the next login without a restart, a line that
// does not parse is skipped, a from= that does not match keeps the key out, and ReloadKeys reads
// a change the file's metadata does not show.
func TestAuthorizedKeysFollowTheFile(t *testing.T) {
	h := start(t, Config{}, false)
	listed, other := h.signer(t, h.key), h.signer(t, h.otherKey)
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
	path := h.srv.cfg.AuthorizedKeys
	write := func(content string) {
		t.Helper()
		// A distinct modification time even on coarse file systems.
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		later := time.Now().Add(time.Duration(len(content)) * time.Second)
		if err := os.Chtimes(path, later, later); err != nil {
			t.Fatal(err)
		}
	}
	write("not a key\n" + `from="10.0.0.1" ` + listedLine + otherLine)
	if login(listed) || !login(other) {
		t.Error("after swapping keys: want the other key in and the listed key (now from 10.0.0.1 only) out")
	}
	logs := h.logs.String()
	if !strings.Contains(logs, "does not parse") || !strings.Contains(logs, `is not in from=\"10.0.0.1\"`) {
		t.Errorf("skipped line or from= refusal not logged:\n%s", logs)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if login(other) {
		t.Error("with the file gone a key still got in")
	}
	write(listedLine)
	if !login(listed) || login(other) {
		t.Fatal("after restoring the file: want the listed key in and the other out")
	}
	// Rewrite the file in place with a line of the same length and put its modification time
	// back: nothing the server stats has changed, so only ReloadKeys can notice.
	rewriteUnnoticed(t, path, otherLine)
	if login(other) {
		t.Fatal("the server noticed a change with the same inode, size and mtime: this test proves nothing")
	}
	if err := h.srv.ReloadKeys(); err != nil {
		t.Fatal(err)
	}
	if !login(other) || login(listed) {
		t.Error("after ReloadKeys: want the other key in and the listed key out")
	}
}

// rewriteUnnoticed replaces path's content in place (same inode) with content of the same size,
// and restores its modification time.
func rewriteUnnoticed(t *testing.T, path, content string) {
	t.Helper()
	before, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if before.Size() != int64(len(content)) {
		t.Fatalf("new content is %d bytes, the file %d", len(content), before.Size())
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, before.ModTime(), before.ModTime()); err != nil {
		t.Fatal(err)
	}
	after, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if !os.SameFile(before, after) || !after.ModTime().Equal(before.ModTime()) {
		t.Fatal("could not rewrite the file unnoticed")
	}
}

// A real authorized_keys file: options deskwatch can honour or has nothing to do for let the key
// in, options it cannot honour keep the key out with a line in the log saying where and why, and
// any one usable line for a key is enough.
func TestAuthorizedKeysOptions(t *testing.T) {
	h := start(t, Config{}, false)
	names := []string{"restricted", "command", "nopty", "elsewhere", "twice", "expired", "loopback"}
	signers := map[string]gossh.Signer{}
	lines := map[string]string{}
	for _, n := range names {
		s, _ := e2e.NewKey(t)
		signers[n] = s
		lines[n] = strings.TrimSpace(string(gossh.MarshalAuthorizedKey(s.PublicKey()))) + " " + n + "@desk\n"
	}
	file := "# supervisors\n" +
		`restrict,pty,from="127.0.0.0/8,::1" ` + lines["restricted"] +
		`command="/usr/bin/deskwatch",no-pty ` + lines["command"] +
		`no-pty ` + lines["nopty"] +
		`from="10.0.0.0/8,192.168.*" ` + lines["elsewhere"] +
		`from="10.0.0.0/8" ` + lines["twice"] + lines["twice"] +
		`expiry-time="20000101" ` + lines["expired"] +
		`no-agent-forwarding,NO-PORT-FORWARDING,no-X11-forwarding,from="!10.1.2.3,127.0.0.?" ` + lines["loopback"]
	if err := os.WriteFile(h.srv.cfg.AuthorizedKeys, []byte(file), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := h.srv.ReloadKeys(); err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"restricted": true, "twice": true, "loopback": true}
	for _, n := range names {
		c, err := h.dial(gossh.PublicKeys(signers[n]))
		if c != nil {
			c.Close()
		}
		if got := err == nil; got != want[n] {
			t.Errorf("key %s: logged in %v, want %v (err %v)", n, got, want[n], err)
		}
	}
	logs := h.logs.String()
	for _, w := range []string{
		`where=` + h.srv.cfg.AuthorizedKeys + `:3 `, "option command: a desk runs no command",
		`where=` + h.srv.cfg.AuthorizedKeys + `:4 `, "option no-pty: a desk needs a terminal",
		`is not in from=\"10.0.0.0/8,192.168.*\"`, "the key expired at 2000-01-01",
	} {
		if !strings.Contains(logs, w) {
			t.Errorf("log lacks %q:\n%s", w, logs)
		}
	}
}

// OpenSSH logs in with a key whose line carries restrict and from=, and is refused one with
// command=: ssh -T gets as far as the session (and its no-terminal explanation) only when
// authenticated.
func TestAuthorizedKeysOptionsOpenSSH(t *testing.T) {
	e2e.Require(t, "ssh")
	h := start(t, Config{}, false)
	commandKey, commandLine := clientKey(t, h.dir, "command")
	line := strings.TrimSpace(string(gossh.MarshalAuthorizedKey(h.signer(t, h.key).PublicKey())))
	file := `restrict,from="127.0.0.1" ` + line + " supervisor@desk\n" + `command="true" ` + commandLine
	if err := os.WriteFile(h.srv.cfg.AuthorizedKeys, []byte(file), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := h.srv.ReloadKeys(); err != nil {
		t.Fatal(err)
	}
	if out, code := h.runSSH(t, h.key, []string{"-T"}); code != 1 || strings.TrimSpace(out) != msgNoPTY {
		t.Errorf("restrict,from= key: status %d, output %q; want 1 and %q", code, out, msgNoPTY)
	}
	if out, code := h.runSSH(t, commandKey, []string{"-T"}); code != 255 ||
		!strings.Contains(out, "Permission denied (publickey)") {
		t.Errorf("command= key: status %d, output %q; want 255 and permission denied", code, out)
	}
}

func TestParseKeyOptions(t *testing.T) {
	for _, tc := range []struct {
		opts   []string
		from   string
		expiry string // RFC 3339, UTC
		err    string
	}{
		{opts: nil},
		{opts: []string{"restrict", "pty", "permitopen=\"host:22\"", "environment=\"A=b\""}},
		{opts: []string{`from="127.0.0.1,!10.*"`}, from: "127.0.0.1,!10.*"},
		{opts: []string{`FROM="::1"`}, from: "::1"},
		{opts: []string{`expiry-time="20300102Z"`}, expiry: "2030-01-02T00:00:00Z"},
		{opts: []string{`expiry-time="203001021304Z"`}, expiry: "2030-01-02T13:04:00Z"},
		{opts: []string{`expiry-time="2030"`}, err: "want YYYYMMDD"},
		{opts: []string{`command="ls"`}, err: "option command: a desk runs no command"},
		{opts: []string{"restrict", "NO-PTY"}, err: "option no-pty: a desk needs a terminal"},
		{opts: []string{"cert-authority"}, err: "certificates are not supported"},
		{opts: []string{"frobnicate"}, err: "option frobnicate: unknown to deskwatch"},
		{opts: []string{`frobnicate="x"`}, err: "option frobnicate: unknown to deskwatch"},
		{opts: []string{`from=10.0.0.1`}, err: "double quotes"},
		{opts: []string{`from="10.0.0.1/8"`}, err: "bits set beyond the mask (want 10.0.0.0/8)"},
		{opts: []string{`from="10.0.0.1,,x"`}, err: "an empty pattern"},
		{opts: []string{`from="a"`, `from="b"`}, err: "from given twice"},
	} {
		e, err := parseKeyOptions("f:1", tc.opts)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: err %v, want %q", tc.opts, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tc.opts, err)
			continue
		}
		exp := ""
		if !e.expiry.IsZero() {
			exp = e.expiry.UTC().Format(time.RFC3339)
		}
		if e.from != tc.from || exp != tc.expiry {
			t.Errorf("%q: from %q expiry %q; want %q, %q", tc.opts, e.from, exp, tc.from, tc.expiry)
		}
	}
}

func TestMatchFrom(t *testing.T) {
	v4, v6 := netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("::1")
	for _, tc := range []struct {
		list string
		ip   netip.Addr
		want bool
	}{
		{"127.0.0.1", v4, true},
		{"127.0.0.2", v4, false},
		{"127.0.0.0/8", v4, true},
		{"10.0.0.0/8", v4, false},
		{"127.0.0.*", v4, true},
		{"127.0.0.?", v4, true},
		{"127.0.0.??", v4, false},
		{"*", v4, true},
		{"10.0.0.1,127.0.0.1", v4, true},
		{"!127.0.0.1,*", v4, false},
		{"*,!127.0.0.0/8", v4, false},
		{"*,!10.*", v4, true},
		{"!10.*", v4, false}, // a negation alone admits nobody
		{"localhost", v4, false},
		{"::1", v6, true},
		{"::/0", v6, true},
		{"::1", v4, false},
	} {
		if got := matchFrom(tc.list, tc.ip); got != tc.want {
			t.Errorf("matchFrom(%q, %s) = %v, want %v", tc.list, tc.ip, got, tc.want)
		}
	}
}

func TestParseAuthorizedKeysSkipsComments(t *testing.T) {
	signer, _ := e2e.NewKey(t)
	line := gossh.MarshalAuthorizedKey(signer.PublicKey())
	data := append([]byte("\n# comment\n   \n"), line...)
	keys, refused := parseAuthorizedKeys(data, "f", slog.New(slog.DiscardHandler))
	if len(keys) != 1 || len(refused) != 0 {
		t.Errorf("got %d keys and %d refused, want 1 and 0", len(keys), len(refused))
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
