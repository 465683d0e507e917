package cmd_test

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/deskwatch/deskwatch/bridge"
	"github.com/deskwatch/deskwatch/internal/e2e"
)

var hubBridges = regexp.MustCompile(`bridges:  ws://127\.0\.0\.1:(\d+)/ingest`)

// startHubCmd runs `deskwatch hub` on a free loopback port and returns it with its address.
func startHubCmd(t *testing.T, args ...string) (*e2e.Process, string) {
	t.Helper()
	h := e2e.StartProcess(t, e2e.ProcessOptions{}, append([]string{"hub", "--listen", "127.0.0.1:0"}, args...)...)
	return h, "127.0.0.1:" + h.WaitLine(hubBridges, 30*time.Second)[1]
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
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(h.Output(), "health:"); {
		if time.Now().After(deadline) {
			t.Fatalf("hub printed:\n%s", h.Output())
		}
		time.Sleep(10 * time.Millisecond)
	}
	for _, want := range []string{"monitors: ws://" + addr + "/stream", "script:   http://" + addr + "/bridge.js",
		"metrics:  http://" + addr + "/metrics"} {
		if !strings.Contains(h.Output(), want) {
			t.Errorf("output lacks %q:\n%s", want, h.Output())
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
	for !strings.Contains(h.Output(), `ingest conn`) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	// A monitor joining now gets the hub's snapshot of the agent.
	stdout, stderr, code := e2e.Run(t, nil, "--print", "--for", "2s", "--token-file", monitorToken,
		"ws://"+addr+"/stream")
	if code != 0 || !strings.Contains(stdout, "Refund for order 42") {
		t.Errorf("deskwatch --print of the hub's stream (exit %d):\n%s\n%s", code, stdout, stderr)
	}

	h.Stop(syscall.SIGTERM, 10*time.Second)
	for _, want := range []string{"refused: wrong token", "stream conn", "hub stopped"} {
		if !strings.Contains(h.Output(), want) {
			t.Errorf("hub output lacks %q:\n%s", want, h.Output())
		}
	}
}
