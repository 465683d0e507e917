package cmd_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/internal/e2e"
)

// badFilter is a filter the language refuses, and what the refusal says.
const (
	badFilter    = `'dur>soon'`
	badFilterWhy = `--filter "dur>soon": `
)

// An invalid --filter stops the monitor with the whole message (in a real terminal: before, it
// started unfiltered and the status line cut the reason off).
func TestInvalidFilterStopsTheMonitor(t *testing.T) {
	parallelTerminal(t)
	e2e.Require(t, "tmux")
	term := e2e.Start(t, 60, 24, nil, e2e.Binary(t)+" --filter "+badFilter+" "+fixture("desk.jsonl"))
	screen := term.WaitFor(10*time.Second, "[exit 2]")
	if !strings.Contains(strings.Join(strings.Fields(screen), " "), badFilterWhy) {
		t.Errorf("the monitor did not say why it stopped:\n%s", screen)
	}
	if strings.Contains(screen, "c-1001") {
		t.Errorf("the monitor started with the invalid filter:\n%s", screen)
	}
}

// serve refuses an invalid default filter at start, and a session's own invalid filter ends that
// session with the reason, instead of serving everyone unfiltered.
func TestServeRefusesAnInvalidFilter(t *testing.T) {
	parallelTerminal(t)
	e2e.Require(t, "ssh", "tmux")
	dir := t.TempDir()
	p, err := e2e.TryStartProcess(t, e2e.ProcessOptions{Dir: dir, Env: []string{"HOME=" + dir}},
		"serve", "--listen", "127.0.0.1:0", "--allow-any-key", "--host-key", filepath.Join(dir, "hk"),
		"--filter", strings.Trim(badFilter, "'"), fixture("desk.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Wait(20 * time.Second); err == nil || !strings.Contains(p.Output(), badFilterWhy) {
		t.Errorf("serve --filter %s: %v, output:\n%s", badFilter, err, p.Output())
	}
	key, line := writeClientKey(t, dir)
	_, port := startServe(t, "--authorized-keys", authorizedFile(t, dir, line),
		"--host-key", filepath.Join(dir, "hk2"), fixture("desk.jsonl"))
	term := e2e.Start(t, 100, 24, []string{"HOME=" + dir}, sshCommand(key, port, "--", "--filter", badFilter))
	screen := term.WaitFor(15*time.Second, "[exit 2]") // a usage error, as in the monitor
	if !strings.Contains(screen, "deskwatch: "+badFilterWhy) {
		t.Errorf("the session did not say why it was refused:\n%s", screen)
	}
}
