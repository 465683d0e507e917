package e2e

import (
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

// Process is the binary running in the background with its standard output and standard error
// captured together in Out. It is killed, and waited for, when the test ends.
type Process struct {
	Cmd *exec.Cmd
	Out Buffer // stdout and stderr, interleaved as written

	t    testing.TB
	done chan struct{} // closed once the process has exited and err is set
	err  error
}

// ProcessOptions are what a Process starts with beyond its arguments.
type ProcessOptions struct {
	Dir   string    // working directory; the test's own when empty
	Env   []string  // added to the environment
	Stdin io.Reader // nil: no input
	// Stderr, when set, takes the standard error instead of Out (which then holds stdout alone).
	Stderr io.Writer
}

// StartProcess starts the binary with args and opts. It fails the test if the binary cannot start.
func StartProcess(t testing.TB, opts ProcessOptions, args ...string) *Process {
	t.Helper()
	p, err := TryStartProcess(t, opts, args...)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TryStartProcess is StartProcess that returns the error instead of failing the test.
func TryStartProcess(t testing.TB, opts ProcessOptions, args ...string) (*Process, error) {
	t.Helper()
	p := &Process{Cmd: exec.Command(Binary(t), args...), t: t, done: make(chan struct{})}
	p.Cmd.Dir = opts.Dir
	p.Cmd.Env = append(os.Environ(), opts.Env...)
	p.Cmd.Stdin = opts.Stdin
	p.Cmd.Stdout, p.Cmd.Stderr = &p.Out, &p.Out
	if opts.Stderr != nil {
		p.Cmd.Stderr = opts.Stderr
	}
	if err := p.Cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		p.err = p.Cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(p.Kill)
	return p, nil
}

// Kill kills the process, if it is still running, and waits for it to exit.
func (p *Process) Kill() {
	_ = p.Cmd.Process.Kill()
	<-p.done
}

// Output returns everything the process has written so far.
func (p *Process) Output() string { return p.Out.String() }

// Done is closed when the process has exited.
func (p *Process) Done() <-chan struct{} { return p.done }

// Err is the process's exit error, once Done is closed.
func (p *Process) Err() error {
	<-p.done
	return p.err
}

// Signal sends sig to the process, failing the test if it cannot.
func (p *Process) Signal(sig os.Signal) {
	p.t.Helper()
	if err := p.Cmd.Process.Signal(sig); err != nil {
		p.t.Fatal(err)
	}
}

// Wait waits up to timeout for the process to exit and returns its exit error, failing the test
// with the output if it is still running then.
func (p *Process) Wait(timeout time.Duration) error {
	p.t.Helper()
	select {
	case <-p.done:
		return p.err
	case <-time.After(timeout):
		p.t.Fatalf("%v still running after %v:\n%s", p.Cmd.Args, timeout, p.Output())
		return nil
	}
}

// Stop sends sig and waits up to timeout for the process to exit, failing the test with the output
// if it exits with an error or not at all.
func (p *Process) Stop(sig os.Signal, timeout time.Duration) {
	p.t.Helper()
	p.Signal(sig)
	if err := p.Wait(timeout); err != nil {
		p.t.Fatalf("%v exited with %v after %v:\n%s", p.Cmd.Args, err, sig, p.Output())
	}
}

// Match waits up to timeout for a line of output matching re and returns the submatches of the
// first such line; it
// returns an error, with the output, if the process exits first or the time runs out.
func (p *Process) Match(re *regexp.Regexp, timeout time.Duration) ([]string, error) {
	deadline := time.Now().Add(timeout)
	for {
		exited := false
		select {
		case <-p.done:
			exited = true // read the output once more: the line may be the last one written
		default:
		}
		out := p.Output()
		if !exited { // only whole lines: the last may be half written
			out = out[:strings.LastIndexByte(out, '\n')+1]
		}
		for _, line := range strings.Split(out, "\n") {
			if m := re.FindStringSubmatch(line); m != nil {
				return m, nil
			}
		}
		if exited {
			return nil, &processError{what: "exited (" + errText(p.err) + ") before printing a line matching " + re.String(), out: p.Output()}
		}
		if time.Now().After(deadline) {
			return nil, &processError{what: "printed no line matching " + re.String() + " in " + timeout.String(), out: p.Output()}
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// WaitLine is Match that fails the test instead of returning an error.
func (p *Process) WaitLine(re *regexp.Regexp, timeout time.Duration) []string {
	p.t.Helper()
	m, err := p.Match(re, timeout)
	if err != nil {
		p.t.Fatalf("%v %v", p.Cmd.Args, err)
	}
	return m
}

// WaitOutput waits up to timeout until the output holds want n times in all.
func (p *Process) WaitOutput(timeout time.Duration, n int, want string) {
	p.t.Helper()
	deadline := time.Now().Add(timeout)
	for strings.Count(p.Output(), want) < n {
		if time.Now().After(deadline) {
			p.t.Fatalf("output holds %q fewer than %d times after %v:\n%s", want, n, timeout, p.Output())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

type processError struct{ what, out string }

func (e *processError) Error() string { return e.what + ":\n" + e.out }

func errText(err error) string {
	if err == nil {
		return "status 0"
	}
	return err.Error()
}
