package cmd_test

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/deskwatch/deskwatch/bridge"
	"github.com/deskwatch/deskwatch/internal/e2e"
)

// hubCmd is `deskwatch hub` running in the background with its output captured.
type hubCmd struct {
	cmd  *exec.Cmd
	mu   sync.Mutex
	out  strings.Builder
	done chan error
	port chan string
}

func (h *hubCmd) output() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.out.String()
}

func startHubCmd(t *testing.T, args ...string) (*hubCmd, string) {
	t.Helper()
	h := &hubCmd{cmd: exec.Command(e2e.Binary(t), append([]string{"hub", "--listen", "127.0.0.1:0"}, args...)...),
		done: make(chan error, 1), port: make(chan string, 1)}
	out, err := h.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	h.cmd.Stderr = h.cmd.Stdout
	if err := h.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	bridges := regexp.MustCompile(`bridges:  ws://127\.0\.0\.1:(\d+)/ingest`)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			h.mu.Lock()
			h.out.WriteString(sc.Text() + "\n")
			h.mu.Unlock()
			if m := bridges.FindStringSubmatch(sc.Text()); m != nil {
				h.port <- m[1]
			}
		}
		h.done <- h.cmd.Wait()
	}()
	t.Cleanup(func() { _ = h.cmd.Process.Kill() })
	select {
	case port := <-h.port:
		return h, "127.0.0.1:" + port
	case <-time.After(30 * time.Second):
		t.Fatalf("hub printed no URLs:\n%s", h.output())
	}
	return nil, ""
}

func tokenFile(t *testing.T, token string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "tokens")
	if err := os.WriteFile(path, []byte("# test\n"+token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestHubCommand runs the real binary's hub: a bridge (a WebSocket client here; the browser runs
// in the bridge package's tests) sends events, `deskwatch --print ws://…/stream` shows them, and
// SIGTERM stops the hub cleanly.
func TestHubCommand(t *testing.T) {
	t.Parallel()
	h, addr := startHubCmd(t, "--ingest-tokens", tokenFile(t, "bridge-secret"), "--stream-tokens",
		tokenFile(t, "monitor-secret"))
	// The monitor's --token-file holds the one token alone.
	monitorToken := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(monitorToken, []byte("monitor-secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(h.output(), "health:"); {
		if time.Now().After(deadline) {
			t.Fatalf("hub printed:\n%s", h.output())
		}
		time.Sleep(10 * time.Millisecond)
	}
	for _, want := range []string{"monitors: ws://" + addr + "/stream", "script:   http://" + addr + "/bridge.js",
		"metrics:  http://" + addr + "/metrics"} {
		if !strings.Contains(h.output(), want) {
			t.Errorf("output lacks %q:\n%s", want, h.output())
		}
	}
	resp, err := http.Get("http://" + addr + "/bridge.js")
	if err != nil {
		t.Fatal(err)
	}
	served, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	printed, _, code := e2e.Run(t, nil, "bridge", "print")
	if code != 0 || printed != string(bridge.Script()) || string(served) != printed {
		t.Errorf("bridge print (exit %d) and /bridge.js differ from the embedded script", code)
	}

	if _, _, err := websocket.DefaultDialer.Dial("ws://"+addr+"/ingest?token=wrong", nil); err == nil {
		t.Fatal("a wrong token was accepted")
	}
	br, _, err := websocket.DefaultDialer.Dial("ws://"+addr+"/ingest?token=bridge-secret", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer br.Close()
	ts := time.Now().UnixMilli()
	for i, ev := range []string{
		`{"type":"ON_LOGIN","params":[{"isLoggedIn":true,"agentId":"A1","username":"ann"}]`,
		`{"type":"ON_NEW_INTERACTION","params":[{"interactionId":"i1","state":"delivered","type":"voice",` +
			`"subject":"Refund for order 42","associatedObjects":{"list":[],"selected":null},"callParties":[],` +
			`"callMuted":false,"callRecording":false,"attachedData":{},"service":"Sales"}]`,
	} {
		msg := fmt.Sprintf(`%s,"agentId":"A1","ts":%d,"seq":%d}`, ev, ts, i+1)
		if err := br.WriteMessage(websocket.TextMessage, []byte(msg)); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(h.output(), `ingest conn`) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	// A monitor joining now gets the hub's snapshot of the agent.
	stdout, stderr, code := e2e.Run(t, nil, "--print", "--for", "2s", "--token-file", monitorToken,
		"ws://"+addr+"/stream")
	if code != 0 || !strings.Contains(stdout, "Refund for order 42") {
		t.Errorf("deskwatch --print of the hub's stream (exit %d):\n%s\n%s", code, stdout, stderr)
	}

	if err := h.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-h.done:
		if err != nil {
			t.Fatalf("hub exited with %v:\n%s", err, h.output())
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("hub did not stop on SIGTERM:\n%s", h.output())
	}
	for _, want := range []string{"refused: wrong token", "stream conn", "hub stopped"} {
		if !strings.Contains(h.output(), want) {
			t.Errorf("hub output lacks %q:\n%s", want, h.output())
		}
	}
}
