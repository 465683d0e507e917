package cmd_test

import (
	"bufio"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/deskwatch/deskwatch/internal/e2e"
)

// serveProc is `deskwatch serve` running in the background with its log captured.
type serveProc struct {
	cmd  *exec.Cmd
	dir  string // its working directory
	addr chan string
	mu   sync.Mutex
	log  strings.Builder
	done chan error
}

func (p *serveProc) logText() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.log.String()
}

// startServe runs the real binary's serve on a free loopback port and returns it with the port.
func startServe(t *testing.T, args ...string) (*serveProc, string) {
	t.Helper()
	return startServeWith(t, nil, args...)
}

// startServeWith is startServe with stdin as the server's standard input (for the source -).
func startServeWith(t *testing.T, stdin io.Reader, args ...string) (*serveProc, string) {
	t.Helper()
	args = append([]string{"serve", "--listen", "127.0.0.1:0"}, args...)
	p := &serveProc{cmd: exec.Command(e2e.Binary(t), args...), dir: t.TempDir(), addr: make(chan string, 1),
		done: make(chan error, 1)}
	p.cmd.Stdin = stdin
	p.cmd.Dir = p.dir
	p.cmd.Env = append(os.Environ(), "XDG_STATE_HOME="+t.TempDir(), "HOME="+t.TempDir())
	out, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p.cmd.Stderr = p.cmd.Stdout
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	listening := regexp.MustCompile(`msg=listening addr=127\.0\.0\.1:(\d+)`)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			p.mu.Lock()
			p.log.WriteString(sc.Text() + "\n")
			p.mu.Unlock()
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				p.addr <- m[1]
			}
		}
		p.done <- p.cmd.Wait()
	}()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		if t.Failed() {
			t.Logf("server output:\n%s", p.logText())
		}
	})
	select {
	case port := <-p.addr:
		return p, port
	case err := <-p.done:
		t.Fatalf("serve exited early: %v\n%s", err, p.logText())
	case <-time.After(20 * time.Second):
		t.Fatalf("serve did not start listening:\n%s", p.logText())
	}
	return nil, ""
}

// writeClientKey writes an ed25519 private key for ssh -i and returns its path and public line.
func writeClientKey(t *testing.T, dir string) (string, string) {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := gossh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "id_ed25519")
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	signer, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return path, string(gossh.MarshalAuthorizedKey(signer.PublicKey()))
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
	parallelTerminal(t)
	e2e.Require(t, "ssh", "tmux")
	dir := t.TempDir()
	key, line := writeClientKey(t, dir)
	keys := filepath.Join(dir, "authorized_keys")
	if err := os.WriteFile(keys, []byte(line), 0o600); err != nil {
		t.Fatal(err)
	}
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

	if err := srv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitExit(t, srv)
	for _, term := range []*e2e.Term{narrow, wide} {
		term.WaitFor(5*time.Second, "shutting down. Goodbye.", "[exit 0]")
	}
	logs := srv.logText()
	for _, want := range []string{"msg=connect user=supervisor", "key=SHA256:", "reason=shutdown"} {
		if !strings.Contains(logs, want) {
			t.Errorf("server log lacks %q", want)
		}
	}
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
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	waitExit(t, p)
}

// waitExit waits for the server to exit after a signal and checks it exited 0.
func waitExit(t *testing.T, p *serveProc) {
	t.Helper()
	select {
	case err := <-p.done:
		if err != nil {
			t.Errorf("serve after SIGTERM: %v, want exit 0", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not exit after SIGTERM")
	}
}

func waitLog(t *testing.T, p *serveProc, want string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(p.logText(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("output lacks %q:\n%s", want, p.logText())
		}
		time.Sleep(50 * time.Millisecond)
	}
}
