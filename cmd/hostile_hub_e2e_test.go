package cmd_test

import (
	"bytes"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/deskwatch/deskwatch/internal/e2e"
)

// TestHostileCorpusThroughHub sends every line of the hostile corpus to the real hub as one bridge
// would (raw bytes, invalid UTF-8 and all), then checks that the hub is still up and answering, that
// a monitor joining afterwards gets a snapshot whose every string is safe and which still holds
// the good events, that a monitor filtered to one service sees no other service, and that nothing
// unsafe reached the hub's log.
func TestHostileCorpusThroughHub(t *testing.T) {
	t.Parallel()
	h, addr := startHubCmd(t)
	br, _, err := websocket.DefaultDialer.Dial("ws://"+addr+"/ingest?ack=1", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer br.Close()
	sent := 0
	for _, file := range hostileFiles(t) {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range bytes.Split(bytes.TrimRight(data, "\n"), []byte("\n")) {
			if err := br.WriteMessage(websocket.TextMessage, line); err != nil {
				t.Fatalf("the hub dropped the bridge after %d messages: %v\n%s", sent, err, h.Output())
			}
			sent++
		}
	}
	// A message the hub must still relay after all of them.
	last := `{"type":"ON_NEW_INTERACTION","agentId":"l.ast","ts":1700000000099,"seq":1,"params":[{"interactionId":"last-1",` +
		`"state":"delivered","type":"voice","service":"Sales","subject":"hub survived"}]}`
	if err := br.WriteMessage(websocket.TextMessage, []byte(last)); err != nil {
		t.Fatal(err)
	}
	// Acknowledgements come in order: the last one's means the hub has handled every line.
	_ = br.SetReadDeadline(time.Now().Add(30 * time.Second))
	for {
		_, msg, err := br.ReadMessage()
		if err != nil {
			t.Fatalf("no acknowledgement of the last message: %v\n%s", err, h.Output())
		}
		if strings.Contains(string(msg), `"l.ast"`) {
			break
		}
	}
	resp, err := http.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatalf("the hub is down: %v\n%s", err, h.Output())
	}
	resp.Body.Close()

	stdout, stderr, code := e2e.Run(t, nil, "--print", "--for", "3s", "--format", "json", "ws://"+addr+"/stream")
	if code != 0 && code != 1 {
		t.Fatalf("monitor exit %d:\n%s", code, stderr)
	}
	checkJSON(t, stdout)
	for _, want := range []string{"hub survived", "utf8 survived", "numbers survived", "structure survived"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("the snapshot lacks %q", want)
		}
	}
	if why := e2e.Unsafe(stdout + stderr); why != "" {
		t.Errorf("monitor output: %s", why)
	}
	stdout, stderr, _ = e2e.Run(t, nil, "--print", "--for", "3s", "--format", "csv", "ws://"+addr+"/stream?service=Sales")
	for _, line := range strings.Split(strings.TrimSpace(stdout), "\n")[1:] {
		if !strings.Contains(line, ",Sales,") {
			t.Errorf("a ?service=Sales monitor received another service: %q\n%s", line, stderr)
		}
	}
	h.Signal(syscall.SIGTERM)
	_ = h.Wait(15 * time.Second) // any exit status: the log is what is checked
	if why := e2e.Unsafe(h.Output()); why != "" {
		t.Errorf("hub log: %s", why)
	}
}
