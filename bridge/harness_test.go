package bridge_test

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/deskwatch/deskwatch/hub"
	"github.com/deskwatch/deskwatch/internal/e2e"
	"github.com/deskwatch/deskwatch/model"
)

// syncBuffer collects the hub's log across restarts.
type syncBuffer struct{ e2e.Buffer }

// hubProc is a real hub on a fixed loopback address that a test can stop and start again, as an
// operator restarting it would.
type hubProc struct {
	t    *testing.T
	addr string
	cfg  hub.Config
	log  *syncBuffer

	h   *hub.Hub
	srv *http.Server
	// gate, when set, holds bridges' connections until it is closed (to order a restart's events).
	gate chan struct{}
}

// startRig starts a browser, a hub with cfg and a monitor that watches the hub's stream.
func startRig(t *testing.T, cfg hub.Config) (*browser, *hubProc, *monitor) {
	t.Helper()
	b := startBrowser(t)
	p := startHubProc(t, cfg)
	mon := newMonitor(t)
	mon.connect(p.wsURL()+"/stream", "")
	return b, p, mon
}

func startHubProc(t *testing.T, cfg hub.Config) *hubProc {
	t.Helper()
	p := &hubProc{t: t, addr: "127.0.0.1:0", cfg: cfg, log: &syncBuffer{}}
	p.start()
	t.Cleanup(p.stop)
	return p
}

func (p *hubProc) start() {
	p.t.Helper()
	var ln net.Listener
	deadline := time.Now().Add(5 * time.Second)
	for {
		var err error
		if ln, err = net.Listen("tcp", p.addr); err == nil {
			break
		}
		if !errors.Is(err, syscall.EADDRINUSE) || time.Now().After(deadline) {
			p.t.Fatalf("listen %s: %v", p.addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	p.addr = ln.Addr().String()
	cfg := p.cfg
	cfg.Log = p.log
	p.h = hub.New(cfg)
	inner := p.h.Handler()
	gate := p.gate
	p.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if gate != nil && r.URL.Path == "/ingest" {
			<-gate
		}
		inner.ServeHTTP(w, r)
	})}
	go func() { _ = p.srv.Serve(ln) }()
}

func (p *hubProc) stop() {
	if p.h == nil {
		return
	}
	p.h.Close()
	_ = p.srv.Close()
	p.h = nil
}

func (p *hubProc) httpURL() string { return "http://" + p.addr }
func (p *hubProc) wsURL() string   { return "ws://" + p.addr }

// waitLog waits until the hub's log holds want.
func (p *hubProc) waitLog(want string) {
	p.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(p.log.String(), want) {
		if time.Now().After(deadline) {
			p.t.Fatalf("hub log lacks %q:\n%s", want, p.log.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// hostPage serves the page that embeds the (stand-in) Agent Desktop widget and loads the bridge
// from the hub, from an origin of its own as in production.
func hostPage(t *testing.T, vars map[string]string) string {
	t.Helper()
	html, err := os.ReadFile(filepath.Join("testdata", "host.html"))
	if err != nil {
		t.Fatal(err)
	}
	fake, err := os.ReadFile(filepath.Join("testdata", "fake_adapi.js"))
	if err != nil {
		t.Fatal(err)
	}
	page := string(html)
	for _, k := range []string{"HUB", "ATTRS", "BEFORE", "NEW", "OPTIONS", "AFTER"} {
		page = strings.ReplaceAll(page, "{{"+k+"}}", vars[k])
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/fake_adapi.js", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		_, _ = w.Write(fake)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(page))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL + "/"
}

// monitor is a subscriber on the hub's /stream that applies what it receives to a store, as the
// deskwatch monitor does, and keeps the raw messages.
type monitor struct {
	t     *testing.T
	store *model.Store

	mu   sync.Mutex
	msgs []string
	evs  []model.Event
	bad  []string
}

func newMonitor(t *testing.T) *monitor { return &monitor{t: t, store: model.NewStore()} }

// connect subscribes to url; the reader stops when the hub goes away.
func (m *monitor) connect(url, token string) {
	m.t.Helper()
	hdr := http.Header{"Authorization": {"Bearer " + token}}
	c, _, err := websocket.DefaultDialer.Dial(url, hdr)
	if err != nil {
		m.t.Fatalf("monitor: %v", err)
	}
	m.t.Cleanup(func() { _ = c.Close() })
	go func() {
		for {
			_, data, err := c.ReadMessage()
			if err != nil {
				return
			}
			ev, derr := model.Decode(data)
			m.mu.Lock()
			m.msgs = append(m.msgs, string(data))
			if derr != nil {
				m.bad = append(m.bad, fmt.Sprintf("%v: %s", derr, data))
			} else {
				m.evs = append(m.evs, ev)
				at := ev.TS
				if at.IsZero() {
					at = time.Now()
				}
				m.store.Apply(ev, at)
			}
			m.mu.Unlock()
		}
	}()
}

// events returns the decoded events so far.
func (m *monitor) events() []model.Event {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]model.Event(nil), m.evs...)
}

// waitFor waits until cond holds for the events received so far.
func (m *monitor) waitFor(what string, cond func([]model.Event) bool) {
	m.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond(m.events()) {
		if time.Now().After(deadline) {
			m.mu.Lock()
			defer m.mu.Unlock()
			m.t.Fatalf("monitor: %s not seen; got:\n%s", what, strings.Join(m.msgs, "\n"))
		}
		time.Sleep(20 * time.Millisecond)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.bad) > 0 {
		m.t.Fatalf("monitor could not decode: %q", m.bad)
	}
}

// seqs lists the seq of every event of agent that carried one, in arrival order.
func seqs(evs []model.Event, agent string) []int64 {
	var out []int64
	for _, ev := range evs {
		if ev.AgentID == agent && ev.HasSeq {
			out = append(out, ev.Seq)
		}
	}
	return out
}

func countType(evs []model.Event, typ string) int {
	n := 0
	for _, ev := range evs {
		if ev.Type == typ {
			n++
		}
	}
	return n
}

// table is the monitor's rows as "key state" lines, ended rows marked, plus the agents.
func (m *monitor) table() string {
	sn := m.store.Snapshot()
	var b strings.Builder
	for _, r := range sn.Rows {
		end := ""
		if r.Ended {
			end = " ended"
		}
		fmt.Fprintf(&b, "%s %s muted=%v%s\n", r.Key, r.Data.State, r.Data.CallMuted, end)
	}
	for _, a := range sn.Agents {
		fmt.Fprintf(&b, "agent %s %s/%s loggedIn=%v lost=%d active=%s\n", a.ID, a.State, a.Reason, a.LoggedIn,
			a.Lost, a.ActiveInteraction)
	}
	return b.String()
}

func writeToken(t *testing.T, token string) *hub.Tokens {
	t.Helper()
	tok, err := hub.LoadTokens(e2e.WriteFile(t, "tokens", token+"\n"))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}
