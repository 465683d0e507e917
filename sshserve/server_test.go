package sshserve

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	gossh "golang.org/x/crypto/ssh"

	"github.com/deskwatch/deskwatch/internal/e2e"
)

const wait = 10 * time.Second

// Two supervisors at once, each in their own terminal: both see the same updates, a resize of one
// changes only that one, each has its own arguments and colour profile, and each is logged with
// the true reason it ended: one quits with its key, the other's ssh is hung up as when its
// terminal window closes.
func TestTwoSessionsShareOneFeed(t *testing.T) {
	e2e.Require(t, "ssh", "tmux")
	h := start(t, Config{}, false)
	env := []string{"HOME=" + h.dir}
	pidFile := filepath.Join(h.dir, "b.pid")
	a := e2e.Start(t, 80, 24, env, "TERM=xterm "+h.sshLine(h.key, []string{"-tt"}))
	b := e2e.Start(t, 100, 30, env, "echo $$ >"+pidFile+"; exec env NO_COLOR=1 "+
		h.sshLine(h.key, []string{"-tt", "-o", "SendEnv=NO_COLOR"}, "--", "--theme", "light"))
	a.WaitFor(wait, "value=0 size=80x24", "profile=ANSI ", "user=supervisor args=[]")
	b.WaitFor(wait, "value=0 size=100x30", "profile=Ascii", "args=[--theme light]")
	if n := h.srv.Sessions(); n != 2 {
		t.Errorf("Sessions() = %d, want 2", n)
	}

	h.set(7)
	a.WaitFor(wait, "value=7")
	b.WaitFor(wait, "value=7")

	a.Resize(120, 40)
	a.WaitFor(wait, "value=7 size=120x40")
	h.set(8) // one more frame for b, which must still be its own size
	b.WaitFor(wait, "value=8 size=100x30")

	a.Keys("q")
	a.WaitFor(wait, "[exit 0]")
	waitFor(t, wait, "one session left", func() bool { return h.srv.Sessions() == 1 })
	waitFor(t, wait, "one subscriber left", func() bool { return h.notifier.Len() == 1 })
	logs := h.logs.String()
	for _, want := range []string{"msg=connect user=supervisor remote=127.0.0.1:", "key=SHA256:",
		"msg=disconnect", "reason=quit"} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %q:\n%s", want, logs)
		}
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(mustRead(t, pidFile))))
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(pid, syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitFor(t, wait, "no session left", func() bool { return h.srv.Sessions() == 0 })
	waitFor(t, wait, "the hang-up logged", func() bool { return strings.Count(h.logs.String(), "msg=disconnect") == 2 })
	logs = h.logs.String()
	if n := strings.Count(logs, "reason=quit"); n != 1 || !strings.Contains(logs, `reason="client closed"`) {
		t.Errorf("want one reason=quit and one reason=\"client closed\":\n%s", logs)
	}
}

// SIGTERM's path: cancelling the context tells every session the server is stopping, closes them
// with status 0, and Serve returns nil.
func TestShutdownSaysGoodbye(t *testing.T) {
	e2e.Require(t, "ssh", "tmux")
	h := start(t, Config{}, false)
	env := []string{"HOME=" + h.dir}
	a := e2e.Start(t, 80, 24, env, h.sshLine(h.key, []string{"-tt"}))
	b := e2e.Start(t, 60, 20, env, h.sshLine(h.key, []string{"-tt"}))
	a.WaitFor(wait, "value=0")
	b.WaitFor(wait, "value=0")
	h.cancel()
	if err := e2e.Recv(t, h.done, wait, "return of Serve"); err != nil {
		t.Fatalf("Serve = %v, want nil", err)
	}
	h.done <- nil // for the cleanup
	for _, term := range []*e2e.Term{a, b} {
		screen := term.WaitFor(wait, msgShutdown, "[exit 0]")
		if strings.Contains(screen, "value=0") {
			t.Errorf("the monitor's screen was left behind:\n%s", screen)
		}
	}
	if n := h.srv.Sessions(); n != 0 {
		t.Errorf("Sessions() = %d after shutdown", n)
	}
	if n := h.notifier.Len(); n != 0 {
		t.Errorf("%d subscriptions left after shutdown", n)
	}
}

// Only listed public keys get in; passwords and keyboard-interactive are refused outright.
func TestAuthentication(t *testing.T) {
	e2e.Require(t, "ssh")
	h := start(t, Config{}, false)

	out, code := h.runSSH(t, h.otherKey, []string{"-tt"})
	if code != 255 || !strings.Contains(out, "Permission denied (publickey)") {
		t.Errorf("unlisted key: status %d, output %q; want 255 and permission denied", code, out)
	}
	out, code = h.runSSH(t, h.key, []string{"-tt", "-o", "PubkeyAuthentication=no",
		"-o", "PreferredAuthentications=password,keyboard-interactive"})
	if code != 255 || !strings.Contains(out, "Permission denied (publickey)") {
		t.Errorf("password: status %d, output %q; want 255 and permission denied", code, out)
	}
	// OpenSSH in batch mode will not type a password, so offer one with Go's client.
	_, err := h.dial(gossh.Password("hunter2"), gossh.KeyboardInteractive(
		func(string, string, []string, []bool) ([]string, error) { return []string{"hunter2"}, nil }))
	if err == nil || !strings.Contains(err.Error(), "unable to authenticate") {
		t.Errorf("password and keyboard-interactive: err = %v, want refusal", err)
	}
	if !strings.Contains(h.logs.String(), "msg=\"key refused\" user=supervisor") {
		t.Errorf("refused key not logged:\n%s", h.logs.String())
	}
	if n := h.srv.Sessions(); n != 0 {
		t.Errorf("Sessions() = %d after refusals", n)
	}
}

// A session without a terminal gets one line saying how to get one, and status 1.
func TestNoPTY(t *testing.T) {
	e2e.Require(t, "ssh")
	h := start(t, Config{}, false)
	for _, extra := range [][]string{{"-T"}, {"-T", "--", "--theme", "light"}} {
		out, code := h.runSSH(t, h.key, extra[:1], extra[1:]...)
		if code != 1 || strings.TrimSpace(out) != msgNoPTY {
			t.Errorf("ssh %v: status %d, output %q; want 1 and %q", extra, code, out, msgNoPTY)
		}
	}
	if n := h.notifier.Len(); n != 0 {
		t.Errorf("a refused session subscribed: %d subscriptions", n)
	}
	// The newcomer's second pass: "ssh HOST -- --help" without a terminal was refused as needing one.
	// The command is read (CheckArgs) without building a model (the attacker's: --help as a filter's
	// value made the server build one outside --max-sessions), and a wrong one is a usage error.
	h = start(t, Config{NewModel: func(Viewer, <-chan struct{}) (tea.Model, error) {
		t.Error("a model was built for a session without a terminal")
		return nil, errors.New("no")
	}, CheckArgs: func(v Viewer) error {
		switch v.Args[0] {
		case "--help":
			return Usage("the viewer's options")
		case "--bogus":
			return BadUsage{Err: errors.New("unknown flag: --bogus")}
		}
		return nil
	}}, false)
	for _, tc := range []struct {
		arg, out string
		code     int
	}{{"--help", "the viewer's options", 0}, {"--bogus", "deskwatch: unknown flag: --bogus", 2}, {"--fine", msgNoPTY, 1}} {
		if out, code := h.runSSH(t, h.key, []string{"-T"}, "--", tc.arg); code != tc.code || strings.TrimSpace(out) != tc.out {
			t.Errorf("ssh -T -- %s: status %d, output %q; want %d and %q", tc.arg, code, out, tc.code, tc.out)
		}
	}
}

// Beyond MaxSessions a new session is turned away politely while the others go on.
func TestMaxSessions(t *testing.T) {
	e2e.Require(t, "ssh", "tmux")
	h := start(t, Config{MaxSessions: 1}, false)
	a := e2e.Start(t, 80, 24, []string{"HOME=" + h.dir}, h.sshLine(h.key, []string{"-tt"}))
	a.WaitFor(wait, "value=0")
	out, code := h.runSSH(t, h.key, []string{"-tt"})
	if code != 1 || !strings.Contains(out, "the server is full (1 sessions); try again later") {
		t.Errorf("second session: status %d, output %q", code, out)
	}
	h.set(3)
	a.WaitFor(wait, "value=3")
}

// A model that cannot be built is explained to the viewer, with status 1, or 2 when it is the
// viewer's command that is wrong (BadUsage), as a usage error's status is 2 in the monitor.
func TestModelErrorReachesViewer(t *testing.T) {
	e2e.Require(t, "ssh")
	h := start(t, Config{NewModel: func(v Viewer, _ <-chan struct{}) (tea.Model, error) {
		err := fmt.Errorf("unknown theme %q", v.Args[len(v.Args)-1])
		if v.Args[0] == "--theme" {
			return nil, BadUsage{Err: err}
		}
		return nil, err
	}}, false)
	for _, tc := range []struct {
		flag string
		code int
	}{{"--theme", 2}, {"--other", 1}} {
		out, code := h.runSSH(t, h.key, []string{"-tt"}, "--", tc.flag, "plaid")
		if code != tc.code || !strings.Contains(out, `deskwatch: unknown theme "plaid"`) {
			t.Errorf("%s: status %d (want %d), output %q", tc.flag, code, tc.code, out)
		}
	}
	waitFor(t, wait, "no subscriptions", func() bool { return h.notifier.Len() == 0 })
	if !strings.Contains(h.logs.String(), `reason="could not start"`) {
		t.Errorf("log lacks the reason:\n%s", h.logs.String())
	}
}

// What the server says back about the viewer's own arguments is sanitized: an escape sequence in an
// argument does not reach the viewer's terminal (the attacker's re-test, H3).
func TestModelErrorSanitized(t *testing.T) {
	e2e.Require(t, "ssh")
	t.Parallel()
	h := start(t, Config{NewModel: func(v Viewer, _ <-chan struct{}) (tea.Model, error) {
		return nil, fmt.Errorf("unknown flag: %s", v.Args[len(v.Args)-1])
	}}, false)
	out, code := h.runSSH(t, h.key, []string{"-tt"}, "--", "--bogus\x1b[31m\x1b]0;title\x07x")
	if code != 1 || !strings.Contains(out, "deskwatch: unknown flag: --bogusx") || strings.ContainsAny(out, "\x1b\x07") {
		t.Errorf("status %d, output %q", code, out)
	}
}

// A viewer who neither types nor resizes for the idle timeout is told and closed; updates from
// the feed do not count as activity.
func TestIdleTimeout(t *testing.T) {
	e2e.Require(t, "ssh", "tmux")
	h := start(t, Config{IdleTimeout: 1500 * time.Millisecond}, false)
	a := e2e.Start(t, 80, 24, []string{"HOME=" + h.dir}, h.sshLine(h.key, []string{"-tt"}))
	a.WaitFor(wait, "value=0")
	h.set(1)
	a.WaitFor(wait, "value=1")
	a.WaitFor(wait, "closed after 1.5s without input.", "[exit 0]")
	if !strings.Contains(h.logs.String(), "reason=idle") {
		t.Errorf("idle disconnect not logged:\n%s", h.logs.String())
	}
}

// A client that stops reading is dropped, with reason=stalled, when it accepts nothing for the
// write timeout; until then the server skips its frames rather than queue them, holding at most
// the one it was sending (about 400 KB here) where a queue of frames would pass a megabyte. The
// server and the other sessions carry on.
func TestStalledClientDropped(t *testing.T) {
	e2e.Require(t, "ssh", "tmux")
	const oneFrame = 1 << 20
	for _, tc := range []struct {
		name string
		cfg  Config
		why  string
	}{
		{"write timeout", Config{MaxPending: 1 << 30, WriteTimeout: 3 * time.Second},
			"the client accepted no output for 3s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := start(t, tc.cfg, true)
			stalledSession(t, h)
			healthy := e2e.Start(t, 80, 24, []string{"HOME=" + h.dir}, h.sshLine(h.key, []string{"-tt"}))
			healthy.WaitFor(wait, "value=0")
			waitFor(t, wait, "two sessions", func() bool { return h.srv.Sessions() == 2 })
			stop := make(chan struct{})
			pumped := make(chan struct{})
			go func() {
				defer close(pumped)
				for i := int64(1); ; i++ {
					select {
					case <-stop:
						return
					case <-time.After(5 * time.Millisecond):
						h.set(i)
					}
				}
			}()
			waitFor(t, 30*time.Second, "the stalled client to be dropped", func() bool {
				return strings.Contains(h.logs.String(), "dropping a stalled client")
			})
			close(stop)
			<-pumped
			waitFor(t, wait, "one session left", func() bool { return h.srv.Sessions() == 1 })
			h.set(999999)
			healthy.WaitFor(wait, "value=999999")
			logs := h.logs.String()
			if !strings.Contains(logs, tc.why) {
				t.Errorf("the drop does not say %q:\n%s", tc.why, logs)
			}
			m := regexp.MustCompile(`reason=stalled .*sent_bytes=(\d+) pending_peak=(\d+)`).FindStringSubmatch(logs)
			if m == nil {
				t.Fatalf("stalled disconnect not logged with its figures:\n%s", logs)
			}
			sent, _ := strconv.Atoi(m[1])
			peak, _ := strconv.Atoi(m[2])
			if sent == 0 || peak > oneFrame {
				t.Errorf("sent %d bytes and held up to %d; want some sent and at most %d (a frame) held", sent, peak,
					oneFrame)
			}
		})
	}
}

// stalledSession opens a session with Go's SSH client that never reads its output: the SSH window,
// then the TCP buffers, fill up. (Without the pipe Go's client would discard the output, reading
// it.) Its frames are large: a different true colour in every cell of 200x100.
func stalledSession(t *testing.T, h *harness) {
	t.Helper()
	c, err := h.dial(gossh.PublicKeys(h.signer(t, h.key)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sess.StdoutPipe(); err != nil {
		t.Fatal(err)
	}
	if _, err := sess.StdinPipe(); err != nil { // an open input, as a terminal's would be
		t.Fatal(err)
	}
	if err := sess.Setenv("COLORTERM", "truecolor"); err != nil {
		t.Fatal(err)
	}
	if err := sess.RequestPty("xterm-256color", 100, 200, nil); err != nil {
		t.Fatal(err)
	}
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// A stop that comes as the server starts (a SIGTERM right after launch) still ends Serve: the SSH
// library's Shutdown closes only listeners its Serve has registered, so one it has not reached yet
// would otherwise serve on with nobody waiting.
func TestStopWhileStarting(t *testing.T) {
	for i := range 20 {
		srv, err := New(Config{HostKeyPath: filepath.Join(t.TempDir(), "hk"), AllowAnyKey: true,
			Subscribe: func() (<-chan struct{}, func()) { return nil, func() {} },
			NewModel:  func(Viewer, <-chan struct{}) (tea.Model, error) { return nil, errors.New("unused") }})
		if err != nil {
			t.Fatal(err)
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		done := make(chan error, 1)
		go func() { done <- srv.Serve(ctx, ln) }()
		if err := e2e.Recv(t, done, wait, "return of Serve after a stop during start"); err != nil {
			t.Fatalf("run %d: Serve = %v, want nil", i, err)
		}
	}
}
