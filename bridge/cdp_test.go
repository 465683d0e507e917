package bridge_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/deskwatch/deskwatch/internal/e2e"
)

// browser is a headless Chromium driven over the Chrome DevTools Protocol: just enough of it
// (create a page, evaluate JavaScript, collect exceptions) for testing the bridge in a real browser.
type browser struct {
	t    *testing.T
	conn *websocket.Conn

	wmu    sync.Mutex // serializes writes to conn
	mu     sync.Mutex
	nextID int64
	calls  map[int64]chan cdpReply
	thrown []string // Runtime.exceptionThrown, from any page
	closed bool
}

type cdpReply struct {
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Message string `json:"message"`
	} `json:"error"`
}

// chromiumBinary finds Chromium under one of its usual names; without one the test is skipped
// locally and fails in CI (e2e.Require's rule).
func chromiumBinary(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	e2e.Require(t, "chromium")
	return ""
}

var devtoolsLine = regexp.MustCompile(`DevTools listening on (ws://\S+)`)

// startBrowser launches headless Chromium with a fresh profile and connects to it. The browser
// and its helper processes (one process group) are killed when the test ends.
func startBrowser(t *testing.T) *browser {
	t.Helper()
	bin := chromiumBinary(t)
	cmd := exec.Command(bin, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
		"--no-first-run", "--no-default-browser-check", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--disable-extensions",
		// Every tab's timers run as in a tab in front: the tests measure the page's thread.
		"--disable-background-timer-throttling", "--disable-renderer-backgrounding",
		"--disable-backgrounding-occluded-windows",
		"--remote-debugging-port=0", "--remote-debugging-address=127.0.0.1",
		"--user-data-dir="+t.TempDir(), "about:blank")
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		_ = cmd.Wait()
	})
	found := make(chan string, 1)
	var log strings.Builder
	var logMu sync.Mutex
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			logMu.Lock()
			log.WriteString(sc.Text() + "\n")
			logMu.Unlock()
			if m := devtoolsLine.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
	}()
	var url string
	select {
	case url = <-found:
	case <-time.After(30 * time.Second):
		logMu.Lock()
		defer logMu.Unlock()
		t.Fatalf("chromium printed no DevTools URL:\n%s", log.String())
	}
	conn, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		t.Fatalf("connect to DevTools: %v", err)
	}
	conn.SetReadLimit(64 << 20)
	b := &browser{t: t, conn: conn, calls: make(map[int64]chan cdpReply)}
	t.Cleanup(func() {
		b.mu.Lock()
		b.closed = true
		b.mu.Unlock()
		_ = conn.Close()
	})
	go b.read()
	return b
}

func (b *browser) read() {
	for {
		_, data, err := b.conn.ReadMessage()
		if err != nil {
			b.mu.Lock()
			for id, ch := range b.calls {
				close(ch)
				delete(b.calls, id)
			}
			b.mu.Unlock()
			return
		}
		var msg struct {
			ID     int64           `json:"id"`
			Method string          `json:"method"`
			Params json.RawMessage `json:"params"`
			cdpReply
		}
		if json.Unmarshal(data, &msg) != nil {
			continue
		}
		b.mu.Lock()
		if ch, ok := b.calls[msg.ID]; ok && msg.ID != 0 {
			delete(b.calls, msg.ID)
			ch <- msg.cdpReply
		} else if msg.Method == "Runtime.exceptionThrown" {
			b.thrown = append(b.thrown, string(msg.Params))
		}
		b.mu.Unlock()
	}
}

// call sends one CDP command (to a page's session when session is not empty) and waits for it.
func (b *browser) call(session, method string, params any) (json.RawMessage, error) {
	b.mu.Lock()
	b.nextID++
	id := b.nextID
	ch := make(chan cdpReply, 1)
	b.calls[id] = ch
	b.mu.Unlock()
	req := map[string]any{"id": id, "method": method, "params": params}
	if session != "" {
		req["sessionId"] = session
	}
	b.wmu.Lock()
	err := b.conn.WriteJSON(req)
	b.wmu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", method, err)
	}
	select {
	case r, ok := <-ch:
		if !ok {
			return nil, fmt.Errorf("%s: DevTools connection closed", method)
		}
		if r.Error != nil {
			return nil, fmt.Errorf("%s: %s", method, r.Error.Message)
		}
		return r.Result, nil
	case <-time.After(30 * time.Second):
		return nil, fmt.Errorf("%s: no answer in 30s", method)
	}
}

// exceptions returns the uncaught exceptions the pages reported so far.
func (b *browser) exceptions() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.thrown...)
}

// page is one tab.
type page struct {
	b       *browser
	session string
	target  string
}

// open creates a tab at url and attaches to it.
func (b *browser) open(url string) *page {
	b.t.Helper()
	res, err := b.call("", "Target.createTarget", map[string]any{"url": "about:blank"})
	if err != nil {
		b.t.Fatal(err)
	}
	var target struct {
		TargetID string `json:"targetId"`
	}
	_ = json.Unmarshal(res, &target)
	res, err = b.call("", "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true})
	if err != nil {
		b.t.Fatal(err)
	}
	var att struct {
		SessionID string `json:"sessionId"`
	}
	_ = json.Unmarshal(res, &att)
	p := &page{b: b, session: att.SessionID, target: target.TargetID}
	for _, m := range []string{"Runtime.enable", "Page.enable"} {
		if _, err := b.call(p.session, m, map[string]any{}); err != nil {
			b.t.Fatal(err)
		}
	}
	if _, err := b.call(p.session, "Page.navigate", map[string]any{"url": url}); err != nil {
		b.t.Fatal(err)
	}
	p.waitFor(10*time.Second, `document.readyState === "complete"`)
	return p
}

// eval evaluates a JavaScript expression (awaiting a promise) and decodes its value into out.
func (p *page) eval(expr string, out any) error {
	res, err := p.b.call(p.session, "Runtime.evaluate", map[string]any{
		"expression": expr, "returnByValue": true, "awaitPromise": true})
	if err != nil {
		return err
	}
	var r struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		ExceptionDetails *struct {
			Text      string `json:"text"`
			Exception struct {
				Description string `json:"description"`
			} `json:"exception"`
		} `json:"exceptionDetails"`
	}
	if err := json.Unmarshal(res, &r); err != nil {
		return err
	}
	if r.ExceptionDetails != nil {
		return fmt.Errorf("%s: %s %s", expr, r.ExceptionDetails.Text, r.ExceptionDetails.Exception.Description)
	}
	if out == nil || len(r.Result.Value) == 0 {
		return nil
	}
	return json.Unmarshal(r.Result.Value, out)
}

// close closes the page's tab, as a browser does when the agent closes the desktop.
func (p *page) close() {
	p.b.t.Helper()
	if _, err := p.b.call("", "Target.closeTarget", map[string]any{"targetId": p.target}); err != nil {
		p.b.t.Fatal(err)
	}
}

// run evaluates expr, failing the test on an exception.
func (p *page) run(expr string) {
	p.b.t.Helper()
	if err := p.eval(expr, nil); err != nil {
		p.b.t.Fatal(err)
	}
}

// waitFor polls until expr is true.
func (p *page) waitFor(timeout time.Duration, expr string) {
	p.b.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		var ok bool
		err := p.eval("!!("+expr+")", &ok)
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			var stats any
			_ = p.eval("window.deskwatchBridge && deskwatchBridge.stats()", &stats)
			p.b.t.Fatalf("page: %s still not true after %v (err %v); bridge stats %v", expr, timeout, err, stats)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
