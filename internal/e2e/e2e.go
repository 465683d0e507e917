// Package e2e runs the real deskwatch binary in a real terminal (tmux) for end-to-end tests: build
// once, start in a tmux pane of a fixed size, send keys, read the screen with capture-pane.
package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// Binary builds ./ (the deskwatch command) once per test process, with the version stamped, and
// returns its path.
func Binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "deskwatch-e2e-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "deskwatch")
		cmd := exec.Command("go", "build", "-ldflags", "-X main.version=v0.0.0-e2e", "-o", binPath, ".")
		cmd.Dir = moduleRoot()
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// moduleRoot finds the repository root from this file's location.
func moduleRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// Root returns the repository root, for fixtures.
func Root() string { return moduleRoot() }

// Require skips the test when a tool it needs is missing (CI installs them all).
func Require(t testing.TB, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is required in CI but missing", tool)
			}
			t.Skipf("%s not installed", tool)
		}
	}
}

// Term is a tmux session running one command in a pane of a fixed size.
type Term struct {
	t      testing.TB
	socket string
	name   string
}

// Start runs the shell command line in a new detached tmux session of width x height, with env
// added to the environment. The session is killed when the test ends.
func Start(t testing.TB, width, height int, env []string, cmdline string) *Term {
	t.Helper()
	Require(t, "tmux")
	sock := filepath.Join(t.TempDir(), "tmux.sock")
	term := &Term{t: t, socket: sock, name: "e2e"}
	args := []string{"-S", sock, "-f", "/dev/null", "new-session", "-d", "-s", term.name,
		"-x", fmt.Sprint(width), "-y", fmt.Sprint(height)}
	for _, e := range env {
		args = append(args, "-e", e)
	}
	// Keep the pane after the command exits so its last screen and status can be read.
	args = append(args, "sh", "-c", cmdline+"; echo \"[exit $?]\"; sleep 600")
	if out, err := exec.Command("tmux", args...).CombinedOutput(); err != nil {
		t.Fatalf("tmux new-session: %v\n%s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("tmux", "-S", sock, "kill-server").Run() })
	return term
}

func (term *Term) tmux(args ...string) string {
	term.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-S", term.socket}, args...)...).CombinedOutput()
	if err != nil {
		term.t.Fatalf("tmux %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// Screen returns the pane's visible text.
func (term *Term) Screen() string { return term.tmux("capture-pane", "-p", "-t", term.name) }

// ScreenANSI returns the pane's text with its colours as escape sequences.
func (term *Term) ScreenANSI() string {
	return term.tmux("capture-pane", "-p", "-e", "-t", term.name)
}

// keyGap separates keys as a person's typing does: an Escape followed at once by "?" is read by a
// terminal as one alt+? key. After an Escape the gap is escGap: a program slowed by a loaded
// machine reads what arrived meanwhile at once, and an Escape read with the next key is alt+key.
const (
	keyGap = 60 * time.Millisecond
	escGap = 300 * time.Millisecond
)

// Keys sends tmux key names (e.g. "j", "Enter", "Escape", "C-c", "Space"), one at a time.
func (term *Term) Keys(keys ...string) {
	for i, k := range keys {
		switch {
		case i > 0 && keys[i-1] == "Escape":
			time.Sleep(escGap)
		case i > 0:
			time.Sleep(keyGap)
		}
		term.tmux("send-keys", "-t", term.name, k)
	}
}

// Type sends literal text.
func (term *Term) Type(text string) { term.tmux("send-keys", "-t", term.name, "-l", "--", text) }

// Resize changes the pane's size.
func (term *Term) Resize(width, height int) {
	term.tmux("resize-window", "-t", term.name, "-x", fmt.Sprint(width), "-y", fmt.Sprint(height))
}

// WaitFor polls the screen until every want string is on it, failing with the screen after timeout.
func (term *Term) WaitFor(timeout time.Duration, want ...string) string {
	term.t.Helper()
	deadline := time.Now().Add(timeout)
	var screen string
	for {
		screen = term.Screen()
		missing := ""
		for _, w := range want {
			if !strings.Contains(screen, w) {
				missing = w
				break
			}
		}
		if missing == "" {
			return screen
		}
		if time.Now().After(deadline) {
			term.t.Fatalf("screen lacks %q after %v:\n%s", missing, timeout, screen)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// WaitGone polls until none of the strings is on the screen.
func (term *Term) WaitGone(timeout time.Duration, gone ...string) string {
	term.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		screen := term.Screen()
		found := ""
		for _, g := range gone {
			if strings.Contains(screen, g) {
				found = g
			}
		}
		if found == "" {
			return screen
		}
		if time.Now().After(deadline) {
			term.t.Fatalf("screen still shows %q after %v:\n%s", found, timeout, screen)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Quit sends keys (q when none are given) and waits until the program has exited with status 0.
func (term *Term) Quit(keys ...string) {
	term.t.Helper()
	if len(keys) == 0 {
		keys = []string{"q"}
	}
	term.Keys(keys...)
	term.WaitFor(5*time.Second, "[exit 0]")
}

// Run runs the binary to completion with args and stdin, returning stdout, stderr and exit code.
func Run(t testing.TB, stdin []byte, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(Binary(t), args...)
	cmd.Stdin = bytes.NewReader(stdin)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return o.String(), e.String(), ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run %v: %v", args, err)
	}
	return o.String(), e.String(), 0
}

// RunTool runs another program (ssh, say) to completion, killing it after timeout, with env added
// to the environment. It returns the combined output and the exit status (-1 if it was killed).
func RunTool(t testing.TB, timeout time.Duration, env []string, name string, args ...string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return string(out), ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%s: %v\n%s", name, err, out)
	}
	return string(out), 0
}
