package sshserve

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	gossh "golang.org/x/crypto/ssh"

	"github.com/deskwatch/deskwatch/internal/e2e"
)

// fakeModel is a tiny stand-in for the monitor: it shows the shared value it last read when told
// the store changed, its own size, colour profile and arguments. q quits.
type fakeModel struct {
	viewer  Viewer
	changes <-chan struct{}
	shared  *atomic.Int64
	noisy   bool // fill the screen with changing text, to make a lot of output
	value   int64
	w, h    int
	profile string
	keys    int           // k presses, shown: this viewer's own state
	views   *atomic.Int64 // counts View calls
}

type changedMsg struct{}

func (m *fakeModel) wait() tea.Cmd {
	ch := m.changes
	if ch == nil { // the server delivers changedMsg itself (Config.ChangeMsg)
		return nil
	}
	return func() tea.Msg {
		if _, ok := <-ch; !ok {
			return nil
		}
		return changedMsg{}
	}
}

func (m *fakeModel) Init() tea.Cmd { return m.wait() }

func (m *fakeModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case changedMsg:
		m.value = m.shared.Load()
		return m, m.wait()
	case tea.WindowSizeMsg:
		m.w, m.h = msg.Width, msg.Height
	case tea.ColorProfileMsg:
		m.profile = msg.Profile.String()
	case tea.KeyPressMsg:
		switch msg.String() {
		case "q":
			return m, tea.Quit
		case "k":
			m.keys++
		}
	}
	return m, nil
}

func (m *fakeModel) View() tea.View {
	m.views.Add(1)
	s := fmt.Sprintf("value=%d size=%dx%d profile=%s user=%s args=%v keys=%d\n", m.value, m.w, m.h, m.profile,
		m.viewer.User, m.viewer.Args, m.keys)
	if m.noisy && m.w > 0 && m.h > 2 {
		// A different true colour in every cell: many bytes per frame for little rendering work.
		var b strings.Builder
		for y := range m.h - 2 {
			for x := range m.w {
				c := int(m.value) + x*7 + y*13
				fmt.Fprintf(&b, "\x1b[38;2;%d;%d;%dm#", c%256, (c/3)%256, (c/7)%256)
			}
			b.WriteString("\x1b[m\n")
		}
		s += b.String()
	}
	v := tea.NewView(s)
	v.AltScreen = true
	return v
}

// harness is a server on a loopback port with a listed client key and an unlisted one.
type harness struct {
	srv      *Server
	port     int
	notifier *notifier
	shared   *atomic.Int64
	views    *atomic.Int64 // View calls of every session's fakeModel
	logs     *syncBuffer
	dir      string
	key      string // listed private key file
	otherKey string // unlisted private key file
	cancel   context.CancelFunc
	done     chan error
}

// start runs a server with cfg (Subscribe, NewModel, HostKeyPath, AuthorizedKeys and Log are
// filled in when empty) until the test ends.
func start(t *testing.T, cfg Config, noisy bool) *harness {
	t.Helper()
	return startWith(t, cfg, noisy, nil)
}

// startWith is start with a model constructor that may use the harness (its shared value).
func startWith(t *testing.T, cfg Config, noisy bool,
	mk func(h *harness, v Viewer, changes <-chan struct{}) (tea.Model, error)) *harness {
	t.Helper()
	h := &harness{notifier: &notifier{subs: map[chan struct{}]struct{}{}}, shared: &atomic.Int64{}, views: &atomic.Int64{}, logs: &syncBuffer{},
		dir: t.TempDir(), done: make(chan error, 1)}
	var line string
	h.key, line = clientKey(t, h.dir, "listed")
	h.otherKey, _ = clientKey(t, h.dir, "unlisted")
	auth := filepath.Join(h.dir, "authorized_keys")
	if err := os.WriteFile(auth, []byte("# supervisors\n"+line), 0o600); err != nil {
		t.Fatal(err)
	}
	if cfg.HostKeyPath == "" {
		cfg.HostKeyPath = filepath.Join(h.dir, "state", "host_key")
	}
	if cfg.AuthorizedKeys == "" && !cfg.AllowAnyKey {
		cfg.AuthorizedKeys = auth
	}
	cfg.Subscribe = h.notifier.Subscribe
	if mk != nil {
		cfg.NewModel = func(v Viewer, changes <-chan struct{}) (tea.Model, error) { return mk(h, v, changes) }
	}
	if cfg.NewModel == nil {
		cfg.NewModel = func(v Viewer, changes <-chan struct{}) (tea.Model, error) {
			return &fakeModel{viewer: v, changes: changes, shared: h.shared, noisy: noisy, views: h.views}, nil
		}
	}
	cfg.Log = slog.New(slog.NewTextHandler(h.logs, nil))
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h.srv = srv
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h.port = ln.Addr().(*net.TCPAddr).Port
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	go func() { h.done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-h.done:
		case <-time.After(10 * time.Second):
			t.Error("server did not stop")
		}
		if t.Failed() || os.Getenv("SSHSERVE_LOG") != "" {
			t.Logf("server log:\n%s", h.logs.String())
		}
	})
	return h
}

// set changes the shared value and tells the sessions.
func (h *harness) set(v int64) {
	h.shared.Store(v)
	h.notifier.Changed()
}

// sshArgs is an OpenSSH command line to the server that never reads the user's own ssh config,
// agent or known hosts.
func (h *harness) sshArgs(key string, extra ...string) []string {
	args := []string{"-F", "/dev/null", "-i", key, "-p", fmt.Sprint(h.port),
		"-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none", "-o", "BatchMode=yes",
		"-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
		"-o", "GlobalKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-l", "supervisor"}
	args = append(args, extra...)
	return append(args, "127.0.0.1")
}

// sshLine is sshArgs as a shell command line for tmux; after is appended after the host (the
// remote command).
func (h *harness) sshLine(key string, extra []string, after ...string) string {
	return "ssh " + strings.Join(append(h.sshArgs(key, extra...), after...), " ")
}

// runSSH runs OpenSSH without a terminal and returns its combined output and exit status.
func (h *harness) runSSH(t *testing.T, key string, extra []string, after ...string) (string, int) {
	t.Helper()
	return e2e.RunTool(t, 15*time.Second, []string{"HOME=" + h.dir}, "ssh", append(h.sshArgs(key, extra...), after...)...)
}

// waitFor polls cond until it holds or fails the test after timeout.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	if !e2e.Until(timeout, 20*time.Millisecond, cond) {
		t.Fatalf("timed out waiting for %s", what)
	}
}

// clientKey writes a new ed25519 private key (OpenSSH format, mode 0600) and returns its path and
// its authorized_keys line.
func clientKey(t *testing.T, dir, name string) (string, string) {
	t.Helper()
	path := filepath.Join(dir, name)
	return path, e2e.WriteClientKey(t, path)
}

// signer reads a private key file written by clientKey.
func (h *harness) signer(t *testing.T, path string) gossh.Signer {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s, err := gossh.ParsePrivateKey(data)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// dial connects with Go's SSH client using auth, returning the handshake's error.
func (h *harness) dial(auth ...gossh.AuthMethod) (*gossh.Client, error) {
	return gossh.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", h.port), &gossh.ClientConfig{
		User: "supervisor", Auth: auth, HostKeyCallback: gossh.InsecureIgnoreHostKey(),
		Timeout: 5 * time.Second,
	})
}

// notifier stands in for feed.Notifier (which cmd's end-to-end test uses for real), keeping this
// package's tests independent of feed: each subscriber holds at most one pending signal.
type notifier struct {
	mu   sync.Mutex
	subs map[chan struct{}]struct{}
}

func (n *notifier) Subscribe() (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	n.mu.Lock()
	n.subs[ch] = struct{}{}
	n.mu.Unlock()
	return ch, func() {
		n.mu.Lock()
		delete(n.subs, ch)
		n.mu.Unlock()
	}
}

func (n *notifier) Changed() {
	n.mu.Lock()
	defer n.mu.Unlock()
	for ch := range n.subs {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

func (n *notifier) Subscribers() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return len(n.subs)
}

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct{ e2e.Buffer }
