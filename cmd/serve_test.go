package cmd_test

import (
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/internal/e2e"
)

// serveProc is `deskwatch serve` running in the background with its log captured.
type serveProc struct {
	*e2e.Process
	dir string // its working directory
}

// startServe runs the real binary's serve on a free loopback port and returns it with the port.
func startServe(t *testing.T, args ...string) (*serveProc, string) {
	t.Helper()
	return startServeWith(t, nil, args...)
}

var serveListening = regexp.MustCompile(`msg=listening addr=127\.0\.0\.1:(\d+)`)

// startServeWith is startServe with stdin as the server's standard input (for the source -).
func startServeWith(t *testing.T, stdin io.Reader, args ...string) (*serveProc, string) {
	t.Helper()
	p := &serveProc{dir: t.TempDir()}
	p.Process = e2e.StartProcess(t, e2e.ProcessOptions{Dir: p.dir, Stdin: stdin,
		Env: []string{"XDG_STATE_HOME=" + t.TempDir(), "HOME=" + t.TempDir()}},
		append([]string{"serve", "--listen", "127.0.0.1:0"}, args...)...)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server output:\n%s", p.Output())
		}
	})
	return p, p.WaitLine(serveListening, 20*time.Second)[1]
}

// writeClientKey writes an ed25519 private key for ssh -i and returns its path and public line.
func writeClientKey(t *testing.T, dir string) (string, string) {
	t.Helper()
	path := filepath.Join(dir, "id_ed25519")
	return path, e2e.WriteClientKey(t, path)
}

// sshCommand is an OpenSSH command line to the server with a terminal (-tt) that never reads the
// user's own ssh config, agent or known hosts; after goes after the host (the remote command).
func sshCommand(key, port string, after ...string) string {
	return sshCommandWith(key, port, nil, after...)
}

// sshCommandWith is sshCommand with more ssh options before the host.
func sshCommandWith(key, port string, opts []string, after ...string) string {
	args := []string{"ssh", "-F", "/dev/null", "-tt", "-i", key, "-p", port,
		"-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none", "-o", "BatchMode=yes",
		"-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
		"-l", "supervisor"}
	args = append(append(args, opts...), "127.0.0.1")
	return strings.Join(append(args, after...), " ")
}

// Two supervisors open the real server over OpenSSH: both see the fixture's interactions, each at
// its own size, and SIGTERM says goodbye to both and exits 0.
func TestServeTwoSupervisors(t *testing.T) {
	dir, key, keys := sshViewer(t)
	srv, port := startServe(t, "--authorized-keys", keys, "--host-key", filepath.Join(dir, "hk"),
		"--speed", "max", fixture("clean.jsonl"))
	env := []string{"HOME=" + dir}
	narrow := e2e.Start(t, 90, 24, env, sshCommand(key, port))
	wide := e2e.Start(t, 140, 30, env, sshCommand(key, port, "--", "--theme", "light"))
	for _, term := range []*e2e.Term{narrow, wide} {
		term.WaitFor(15*time.Second, "deskwatch", "c-1001", "chat-77", "mail-9")
	}
	if s := narrow.Screen(); strings.Contains(s, "SERVICE") {
		t.Errorf("a 90-column session shows the SERVICE column:\n%s", s)
	}
	wide.WaitFor(5*time.Second, "SERVICE")
	narrow.Resize(140, 30)
	narrow.WaitFor(5*time.Second, "SERVICE")
	wide.Resize(90, 24)
	wide.WaitGone(5*time.Second, "SERVICE")
	narrow.WaitFor(5*time.Second, "SERVICE") // still wide

	srv.Signal(syscall.SIGTERM)
	waitExit(t, srv)
	for _, term := range []*e2e.Term{narrow, wide} {
		term.WaitFor(5*time.Second, "shutting down. Goodbye.", "[exit 0]")
	}
	logs := srv.Output()
	wantAll(t, "server log", logs, "msg=connect user=supervisor", "key=SHA256:", "reason=shutdown")
}

// serve refuses to start without a way to authenticate or with a --max-pending too small for a
// screen, and --allow-any-key warns.
func TestServeNeedsAuthorizedKeys(t *testing.T) {
	t.Parallel()
	_, errOut, code := e2e.Run(t, nil, "serve", "--host-key", filepath.Join(t.TempDir(), "hk"))
	if code != 2 || !strings.Contains(errOut, "--authorized-keys") {
		t.Errorf("exit %d, stderr %q; want 2 and a word about --authorized-keys", code, errOut)
	}
	_, errOut, code = e2e.Run(t, nil, "serve", "--allow-any-key", "--max-pending", "1000",
		"--host-key", filepath.Join(t.TempDir(), "hk"))
	if code != 2 || !strings.Contains(errOut, "smallest --max-pending is 65536 bytes, so that a full screen fits; 1000 is too small") {
		t.Errorf("--max-pending 1000: exit %d, stderr %q; want 2 and the smallest value", code, errOut)
	}
	p, _ := startServe(t, "--allow-any-key", "--host-key", filepath.Join(t.TempDir(), "hk"))
	waitLog(t, p, "warning: --allow-any-key")
	p.Signal(syscall.SIGTERM)
	waitExit(t, p)
}

// A server whose terminal closes (SIGHUP) stops as on SIGTERM: it must not keep listening with
// nobody left to stop it.
func TestServeStopsOnHangup(t *testing.T) {
	t.Parallel()
	p, _ := startServe(t, "--allow-any-key", "--host-key", filepath.Join(t.TempDir(), "hk"))
	waitLog(t, p, "warning: --allow-any-key")
	p.Signal(syscall.SIGHUP)
	waitExit(t, p)
	if !strings.Contains(p.Output(), `msg=stopped`) {
		t.Errorf("want the server's stop logged after SIGHUP:\n%s", p.Output())
	}
}

// waitExit waits for the server to exit after a signal and checks it exited 0.
func waitExit(t *testing.T, p *serveProc) {
	t.Helper()
	if err := p.Wait(15 * time.Second); err != nil {
		t.Errorf("serve after the signal: %v, want exit 0", err)
	}
}

func waitLog(t *testing.T, p *serveProc, want string) {
	t.Helper()
	p.WaitOutput(5*time.Second, 1, want)
}

// sshRun runs OpenSSH without a terminal (-T) and returns its output and exit status: 1 with the
// no-terminal explanation means the key got in, 255 with "Permission denied" that it did not.
func sshRun(t *testing.T, key, port string) (string, int) {
	t.Helper()
	args := strings.Fields(strings.Replace(sshCommand(key, port), "-tt", "-T", 1))[1:]
	return e2e.RunTool(t, 15*time.Second, []string{"HOME=" + t.TempDir()}, "ssh", args...)
}

// authorizedFile writes the keys' lines as an authorized_keys file.
// sshViewer readies a test for a viewer over OpenSSH (skipping it without ssh or tmux): a
// directory, a client key in it and the authorized_keys file that admits the key.
func sshViewer(t *testing.T) (dir, key, keys string) {
	parallelTerminal(t)
	e2e.Require(t, "ssh", "tmux")
	dir = t.TempDir()
	key, line := writeClientKey(t, dir)
	return dir, key, authorizedFile(t, dir, line)
}

func authorizedFile(t *testing.T, dir string, lines ...string) string {
	t.Helper()
	path := filepath.Join(dir, "authorized_keys")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "")), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// SIGUSR1 re-reads the authorized keys even when nothing the server stats has changed: the file is
// rewritten in place with a line of the same length and its modification time put back.
func TestServeSIGUSR1ReloadsKeys(t *testing.T) {
	t.Parallel()
	e2e.Require(t, "ssh")
	dirA, dirB := t.TempDir(), t.TempDir()
	keyA, lineA := writeClientKey(t, dirA)
	keyB, lineB := writeClientKey(t, dirB)
	keys := authorizedFile(t, dirA, lineA)
	srv, port := startServe(t, "--authorized-keys", keys, "--host-key", filepath.Join(dirA, "hk"))
	in := func(key string) bool {
		t.Helper()
		out, code := sshRun(t, key, port)
		switch {
		case code == 1 && strings.Contains(out, "needs a terminal"):
			return true
		case code == 255 && strings.Contains(out, "Permission denied"):
			return false
		}
		t.Fatalf("ssh: status %d, output %q", code, out)
		return false
	}
	if !in(keyA) || in(keyB) {
		t.Fatal("at start: want key A in and key B out")
	}
	before, err := os.Stat(keys)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keys, []byte(lineB), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(keys, before.ModTime(), before.ModTime()); err != nil {
		t.Fatal(err)
	}
	if after, _ := os.Stat(keys); after.Size() != before.Size() || !os.SameFile(before, after) {
		t.Fatal("the rewrite changed the file's size or inode")
	}
	if in(keyB) {
		t.Fatal("the server noticed the rewrite by itself: this test would prove nothing about SIGUSR1")
	}
	srv.Signal(syscall.SIGUSR1)
	srv.WaitOutput(10*time.Second, 2, `msg="authorized keys loaded"`) // the reload after SIGUSR1
	if !in(keyB) || in(keyA) {
		t.Error("after SIGUSR1: want key B in and key A out")
	}
}

// A newcomer's report: `ssh -t HOST -- --help` answered "deskwatch: pflag: help requested (this
// server takes …)" and exit status 1. It shows what a viewer may pass and exits 0.
func TestServeViewerHelp(t *testing.T) {
	dir, key, keys := sshViewer(t)
	_, port := startServe(t, "--authorized-keys", keys, "--host-key", filepath.Join(dir, "hk"),
		"--speed", "max", fixture("clean.jsonl"))
	// At 60 columns, wrapped at spaces (the second newcomer saw words cut across two lines).
	term := e2e.Start(t, 60, 20, []string{"HOME=" + dir}, sshCommand(key, port, "--", "--help")+`; echo "[ssh $?]"`)
	screen := term.WaitFor(20*time.Second, "[ssh 0]")
	for _, want := range []string{"deskwatch over SSH", "--theme NAME", "--filter TEXT", "--wallboard",
		"? lists the keys", "theme the server has"} {
		if !strings.Contains(screen, want) {
			t.Errorf("the help lacks %q:\n%s", want, screen)
		}
	}
	if strings.Contains(screen, "pflag") {
		t.Errorf("the help says pflag:\n%s", screen)
	}
}
