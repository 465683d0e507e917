package cmd_test

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/deskwatch/deskwatch/internal/e2e"
	"github.com/deskwatch/deskwatch/internal/wstest"
)

// A viewer's pause, speed and export keys do nothing: the shared replay keeps its speed and is
// not paused, and no file appears on the server. The sort key pressed after them shows the keys
// did arrive.
func TestServeSessionsAreReadOnly(t *testing.T) {
	dir, key, keys := sshViewer(t)
	// A replay that stays in progress for ten minutes at speed 1.
	replay := filepath.Join(dir, "slow.jsonl")
	t0 := time.Now().UnixMilli()
	writeEvents(t, replay,
		event(t0, "ON_LOGIN", map[string]any{"isLoggedIn": true, "agentId": "a.jones"}),
		event(t0+1000, "ON_NEW_INTERACTION", interaction("ro-1", "queued", "Read only please")),
		event(t0+600_000, "ON_NEW_INTERACTION", interaction("ro-2", "queued", "Much later")))
	srv, port := startServe(t, "--authorized-keys", keys, "--host-key", filepath.Join(dir, "hk"), replay)
	term := e2e.Start(t, 140, 30, []string{"HOME=" + dir}, sshCommand(key, port))
	term.WaitFor(15*time.Second, "ro-1", "Read only please", "replaying", "×1 ")
	term.Keys("space", "+", "+", "=", "-", "x", "X", "s")
	screen := term.WaitFor(5*time.Second, "sort by")
	for _, bad := range []string{"paused", "×2", "×5", "×0.5", "export"} {
		if strings.Contains(screen, bad) {
			t.Errorf("a viewer's key changed the shared replay or exported (%q on screen):\n%s", bad, screen)
		}
	}
	if !strings.Contains(screen, "×1 ") || !strings.Contains(screen, "replaying") {
		t.Errorf("the replay is no longer replaying at ×1:\n%s", screen)
	}
	// A key the viewer cannot use says why, until the next key.
	term.Keys("x")
	term.WaitFor(5*time.Second, "read-only view: export is off")
	term.Keys("-")
	term.WaitFor(5*time.Second, "read-only view: speed is off")
	for _, d := range []string{srv.dir, dir} {
		files, _ := filepath.Glob(filepath.Join(d, "deskwatch-*"))
		if len(files) > 0 {
			t.Errorf("a viewer wrote files on the server: %v", files)
		}
	}
}

// sgr finds the terminal's select-graphic-rendition sequences.
var sgr = regexp.MustCompile("\x1b\\[([0-9;:]*)m")

// colourCodes lists the colours set in s: "31" or "97" for the 16 colours, "38;5;110" or
// "48;2;1;2;3" for the others.
func colourCodes(s string) []string {
	var codes []string
	for _, m := range sgr.FindAllStringSubmatch(s, -1) {
		ps := strings.Split(m[1], ";")
		for i := 0; i < len(ps); i++ {
			var n int
			if _, err := fmt.Sscan(ps[i], &n); err != nil {
				if strings.HasPrefix(ps[i], "38:") || strings.HasPrefix(ps[i], "48:") {
					codes = append(codes, ps[i])
				}
				continue
			}
			switch {
			case (n >= 30 && n <= 37) || (n >= 40 && n <= 47) || (n >= 90 && n <= 97) || (n >= 100 && n <= 107):
				codes = append(codes, ps[i])
			case (n == 38 || n == 48) && i+1 < len(ps):
				take := 3 // 38;5;N
				if ps[i+1] == "2" {
					take = 5 // 38;2;R;G;B
				}
				end := min(i+take, len(ps))
				codes = append(codes, strings.Join(ps[i:end], ";"))
				i = end - 1
			}
		}
	}
	return codes
}

// hasAttr reports whether an SGR sequence in s sets the attribute (e.g. "7", reverse video).
func hasAttr(s, attr string) bool {
	for _, m := range sgr.FindAllStringSubmatch(s, -1) {
		for _, p := range strings.Split(m[1], ";") {
			if p == attr {
				return true
			}
		}
	}
	return false
}

// Each session gets its own colour profile from what its client sends: NO_COLOR (even with a
// true-colour claim) gives the mono theme and no colour at all, TERM=xterm only the 16 colours,
// TERM=xterm-256color the 256. Each runs in a tmux server of its own, whose capture-pane -e
// shows the colours as the program sent them.
func TestServeColourProfiles(t *testing.T) {
	dir, key, keys := sshViewer(t)
	_, port := startServe(t, "--authorized-keys", keys,
		"--host-key", filepath.Join(dir, "hk"), "--speed", "max", fixture("clean.jsonl"))
	env := []string{"HOME=" + dir}
	noColor := e2e.Start(t, 140, 30, env, "env NO_COLOR=1 TERM=xterm-256color COLORTERM=truecolor "+
		sshCommandWith(key, port, []string{"-o", "SendEnv=NO_COLOR", "-o", "SendEnv=COLORTERM"}))
	ansi16 := e2e.Start(t, 140, 30, env, "env TERM=xterm "+sshCommand(key, port))
	ansi256 := e2e.Start(t, 140, 30, env, "env TERM=xterm-256color "+sshCommand(key, port))
	for _, term := range []*e2e.Term{noColor, ansi16, ansi256} {
		term.WaitFor(15*time.Second, "c-1001", "chat-77", "mail-9")
	}
	mono := noColor.ScreenANSI()
	if codes := colourCodes(mono); len(codes) > 0 {
		t.Errorf("NO_COLOR session shows colours %q", codes)
	}
	if !hasAttr(mono, "7") {
		t.Errorf("NO_COLOR session shows no reverse video: the selection is not marked, so not the mono theme:\n%q", mono)
	}
	codes := colourCodes(ansi16.ScreenANSI())
	if len(codes) == 0 {
		t.Error("TERM=xterm session shows no colour at all")
	}
	for _, c := range codes {
		if strings.ContainsAny(c, ";:") {
			t.Errorf("TERM=xterm session shows a colour beyond the 16: %q", c)
			break
		}
	}
	extended := false
	for _, c := range colourCodes(ansi256.ScreenANSI()) {
		extended = extended || strings.HasPrefix(c, "38;5;") || strings.HasPrefix(c, "48;5;")
	}
	if !extended {
		t.Error("TERM=xterm-256color session shows no 256-colour code: the checks above cannot tell profiles apart")
	}
}

// Live updates from the one feed reach every session: a WebSocket source the test drives sends a
// new interaction and a state change after both supervisors are watching.
func TestServeLiveUpdatesReachBothSessions(t *testing.T) {
	dir, key, keys := sshViewer(t)
	send := make(chan string, 16)
	ws := wstest.Serve(t, false, func(_ int64, c *websocket.Conn) {
		for msg := range send {
			if err := c.WriteMessage(websocket.TextMessage, []byte(msg)); err != nil {
				return
			}
		}
	})
	defer close(send)
	now := time.Now().UnixMilli()
	send <- event(now, "ON_LOGIN", map[string]any{"isLoggedIn": true, "agentId": "a.jones"})
	send <- event(now, "ON_NEW_INTERACTION", interaction("lv-1", "queued", "First caller"))

	_, port := startServe(t, "--authorized-keys", keys, "--host-key", filepath.Join(dir, "hk"), ws.WS+"/stream")
	env := []string{"HOME=" + dir}
	a := e2e.Start(t, 140, 30, env, sshCommand(key, port))
	b := e2e.Start(t, 130, 32, env, sshCommand(key, port, "--", "--theme", "light"))
	row := regexp.MustCompile(`lv-1 .*hold`)
	for _, term := range []*e2e.Term{a, b} {
		if s := term.WaitFor(15*time.Second, "lv-1", "First caller", "queued"); strings.Contains(s, "lv-2") ||
			row.MatchString(s) {
			t.Fatalf("the update is on screen before it was sent:\n%s", s)
		}
	}
	later := time.Now().UnixMilli()
	send <- event(later, "ON_NEW_INTERACTION", interaction("lv-2", "delivered", "Second caller"))
	send <- event(later, "ON_INTERACTION_STATE_CHANGE", interaction("lv-1", "hold", "First caller"))
	for _, term := range []*e2e.Term{a, b} {
		s := term.WaitFor(10*time.Second, "lv-2", "Second caller")
		deadline := time.Now().Add(10 * time.Second)
		for !row.MatchString(s) {
			if time.Now().After(deadline) {
				t.Fatalf("lv-1 is not on hold:\n%s", s)
			}
			time.Sleep(100 * time.Millisecond)
			s = term.Screen()
		}
	}
}
