package sshserve

import (
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	gossh "golang.org/x/crypto/ssh"

	"github.com/deskwatch/deskwatch/internal/e2e"
)

// viewers records what each session's model was built with and the window sizes it was sent.
type viewers struct {
	mu      sync.Mutex
	environ [][]string
	sizes   []tea.WindowSizeMsg
}

func (vs *viewers) newModel(h *harness, v Viewer, changes <-chan struct{}) (tea.Model, error) {
	vs.mu.Lock()
	vs.environ = append(vs.environ, v.Environ)
	vs.mu.Unlock()
	return sizeRecorder{fakeModel: &fakeModel{viewer: v, changes: changes, shared: h.shared, views: h.views}, vs: vs}, nil
}

func (vs *viewers) get() ([][]string, []tea.WindowSizeMsg) {
	vs.mu.Lock()
	defer vs.mu.Unlock()
	return append([][]string(nil), vs.environ...), append([]tea.WindowSizeMsg(nil), vs.sizes...)
}

type sizeRecorder struct {
	*fakeModel
	vs *viewers
}

func (m sizeRecorder) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if s, ok := msg.(tea.WindowSizeMsg); ok {
		m.vs.mu.Lock()
		m.vs.sizes = append(m.vs.sizes, s)
		m.vs.mu.Unlock()
	}
	_, cmd := m.fakeModel.Update(msg)
	return m, cmd
}

func startRecording(t *testing.T, cfg Config) (*harness, *viewers) {
	vs := &viewers{}
	return startWith(t, cfg, false, vs.newModel), vs
}

// openTerminal opens a session with an 80×24 xterm terminal whose input stays open.
func openTerminal(t *testing.T, c *gossh.Client) *gossh.Session {
	t.Helper()
	sess := openSession(t, c)
	if err := sess.RequestPty("xterm", 24, 80, nil); err != nil {
		t.Fatal(err)
	}
	return sess
}

// openSession opens a session whose input stays open (a nil Stdin would end it at once).
func openSession(t *testing.T, c *gossh.Client) *gossh.Session {
	t.Helper()
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	pr, pw := io.Pipe()
	t.Cleanup(func() { pw.Close() })
	sess.Stdin = pr
	return sess
}

func (h *harness) client(t *testing.T) *gossh.Client {
	t.Helper()
	c, err := h.dial(gossh.PublicKeys(h.signer(t, h.key)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// A session's environment is capped in count and bytes: env requests past the cap are refused and
// the session still starts with what fitted.
func TestEnvRequestsCapped(t *testing.T) {
	t.Parallel()
	h, vs := startRecording(t, Config{})
	sess := openSession(t, h.client(t))
	big := strings.Repeat("x", 1019) // with the name and "=", 1023 bytes a variable
	accepted := 0
	for i := range 20 {
		if sess.Setenv(fmt.Sprintf("V%02d", i), big) == nil {
			accepted++
		}
	}
	if want := maxEnvBytes / 1023; accepted != want {
		t.Errorf("%d of 20 1 KiB variables accepted, want %d (the byte cap)", accepted, want)
	}
	if err := sess.Setenv("NO_COLOR", "1"); err != nil {
		t.Errorf("a small variable that fits was refused: %v", err)
	}
	if err := sess.RequestPty("xterm", 24, 80, nil); err != nil {
		t.Fatal(err)
	}
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, wait, "the session's model", func() bool { env, _ := vs.get(); return len(env) == 1 })
	env, _ := vs.get()
	total := 0
	for _, kv := range env[0] {
		total += len(kv)
	}
	if len(env[0]) != accepted+2 || total > maxEnvBytes+len("TERM=xterm") {
		t.Errorf("the viewer's environment has %d variables, %d bytes; want %d within %d bytes",
			len(env[0]), total, accepted+2, maxEnvBytes)
	}
}

// The attacker's flood: 100k env requests of 1 KiB each (no replies asked). The server refuses
// them past the cap and closes the connection after maxRefused, and goes on serving others.
func TestEnvFloodClosesConnection(t *testing.T) {
	t.Parallel()
	h, _ := startRecording(t, Config{})
	c := h.client(t)
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	payload := gossh.Marshal(struct{ Key, Value string }{"FLOOD", strings.Repeat("y", 1024)})
	const flood = 100_000
	sent := 0
	for ; sent < flood; sent++ {
		if _, err := sess.SendRequest("env", false, payload); err != nil {
			break
		}
	}
	if sent == flood {
		t.Fatalf("all %d env requests went through: the connection was never closed", flood)
	}
	waitFor(t, wait, "the log line", func() bool {
		return strings.Contains(h.logs.String(), "closing a session and its connection: too many refused requests")
	})
	if err := c.Wait(); err == nil {
		t.Log("connection ended cleanly")
	}
	sess2, err := h.client(t).NewSession()
	if err != nil {
		t.Fatalf("the server stopped serving after the flood: %v", err)
	}
	sess2.Close()
}

// OpenSSH's SetEnv with more variables than the cap: the session opens with the first maxEnvVars.
func TestSetEnvOpenSSHCapped(t *testing.T) {
	t.Parallel()
	e2e.Require(t, "ssh")
	h, vs := startRecording(t, Config{})
	var vars []string
	for i := range 100 {
		vars = append(vars, fmt.Sprintf("DW%03d=x", i))
	}
	out, code := h.runSSH(t, h.key, []string{"-tt", "-o", "SetEnv=" + strings.Join(vars, " ")})
	if code != 0 {
		t.Fatalf("ssh exit %d: %s", code, out)
	}
	env, _ := vs.get()
	if len(env) != 1 || len(env[0]) != maxEnvVars+1 { // and TERM from the pty request
		t.Fatalf("environments %v; want one of %d variables", env, maxEnvVars+1)
	}
	if env[0][0] != "DW000=x" || env[0][maxEnvVars-1] != fmt.Sprintf("DW%03d=x", maxEnvVars-1) {
		t.Errorf("kept %q ... %q; want the first %d in order", env[0][0], env[0][maxEnvVars-1], maxEnvVars)
	}
}

// A flood of window changes costs a bounded number of redraws: they are merged so that at most one
// per windowChangeGap reaches the program, and the last size always does.
func TestWindowChangesMerged(t *testing.T) {
	t.Parallel()
	h, vs := startRecording(t, Config{})
	sess := openTerminal(t, h.client(t))
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, wait, "the first size", func() bool { _, s := vs.get(); return len(s) > 0 })
	const n = 2000
	began := time.Now()
	for i := range n {
		if err := sess.WindowChange(20+i%50, 60+i%100); err != nil {
			t.Fatal(err)
		}
	}
	last := tea.WindowSizeMsg{Width: 60 + (n-1)%100, Height: 20 + (n-1)%50}
	waitFor(t, wait, "the last size", func() bool { _, s := vs.get(); return s[len(s)-1] == last })
	_, sizes := vs.get()
	if limit := int(time.Since(began)/windowChangeGap) + 3; len(sizes) > limit {
		t.Errorf("%d of %d window changes reached the program in %v; want at most %d", len(sizes), n,
			time.Since(began), limit)
	}
}

// Logged-in connections are capped by MaxConnections; connections that have not logged in do not
// count against it, and one that never even says hello is closed after the pre-auth timeout. A
// session channel that asks for no shell is closed too, and a connection may hold at most
// maxChannels sessions.
func TestConnectionLimits(t *testing.T) {
	t.Parallel()
	// The silent connections time out (pre-auth, 1 s) well before the logged-in one that has no
	// session yet does (start, 5 s): with the two equal, c was at times closed before its sessions.
	h, _ := startRecording(t, Config{MaxConnections: 2, startTimeout: 5 * time.Second, preAuthTimeout: time.Second})
	for range 2 {
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", h.port))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
	}
	waitFor(t, wait, "both counted as not logged in", func() bool { return h.srv.conns.pendingCount() == 2 })
	c := h.client(t)
	h.client(t)
	if n := h.srv.conns.count(); n != 2 {
		t.Fatalf("%d connections counted as logged in, want 2", n)
	}
	if c, err := h.dial(gossh.PublicKeys(h.signer(t, h.key))); err == nil {
		c.Close()
		t.Fatal("a third connection got in past MaxConnections 2")
	}
	waitFor(t, wait, "the silent connections closed", func() bool { return h.srv.conns.pendingCount() == 0 })
	var sessions []*gossh.Session
	for range maxChannels {
		s, err := c.NewSession()
		if err != nil {
			t.Fatalf("session %d: %v", len(sessions)+1, err)
		}
		sessions = append(sessions, s)
	}
	if _, err := c.NewSession(); err == nil {
		t.Errorf("a connection opened more than %d sessions", maxChannels)
	}
	done := make(chan error, 1)
	go func() { done <- c.Wait() }()
	select {
	case <-done:
	case <-time.After(wait):
		t.Fatal("sessions that asked for no shell were not closed")
	}
	if !strings.Contains(h.logs.String(), "no shell requested") || !strings.Contains(h.logs.String(), "too many connections") {
		t.Errorf("log lacks the reasons:\n%s", h.logs.String())
	}
}

// A window change sent before the shell (which once blocked the library's request loop, so that
// the shell never started) is held and applied once the session runs.
func TestWindowChangeBeforeShell(t *testing.T) {
	t.Parallel()
	h, vs := startRecording(t, Config{})
	sess := openTerminal(t, h.client(t))
	if err := sess.WindowChange(30, 100); err != nil {
		t.Fatal(err)
	}
	shell := make(chan error, 1)
	go func() { shell <- sess.Shell() }()
	select {
	case err := <-shell:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(wait):
		t.Fatal("the shell never started after an early window change")
	}
	want := tea.WindowSizeMsg{Width: 100, Height: 30}
	waitFor(t, wait, "the early size", func() bool { _, s := vs.get(); return len(s) > 0 && s[len(s)-1] == want })
}

// TestEmptyPtySizeGetsTheDefault: a client whose pty says 0x0 (ssh -tt from a script) gets a model
// sized 80x24, not one that never learns a size and draws nothing.
func TestEmptyPtySizeGetsTheDefault(t *testing.T) {
	t.Parallel()
	h, vs := startRecording(t, Config{})
	sess := openSession(t, h.client(t))
	if err := sess.RequestPty("xterm", 0, 0, nil); err != nil {
		t.Fatal(err)
	}
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	want := tea.WindowSizeMsg{Width: 80, Height: 24}
	waitFor(t, wait, "the default size", func() bool { _, s := vs.get(); return len(s) > 0 && s[len(s)-1] == want })
}
