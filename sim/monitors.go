package sim

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/deskwatch/deskwatch/internal/positive"
	"github.com/deskwatch/deskwatch/model"
)

// MonitorsConfig configures RunMonitors.
type MonitorsConfig struct {
	// Monitors is the number of subscribers; monitor i starts on URLs[i%len] (hubs' /stream) and
	// moves to the next one when its connection fails.
	Monitors int
	URLs     []string
	// Teams, when set, narrows each monitor to a team of agents, as a supervisor watches a team:
	// monitor i asks for ?agent= Teams[i%len(Teams)] (Teams cuts a floor into them). Unset, every
	// monitor watches the whole floor.
	Teams [][]string
	// Token is the stream token, sent as Authorization: Bearer ("" for none).
	Token string
	// MinBackoff and MaxBackoff bound the reconnect delay (DefaultMinBackoff, DefaultMaxBackoff).
	MinBackoff, MaxBackoff time.Duration
	// Dialers bounds the connections being opened at once (DefaultDialers when <= 0).
	Dialers int
}

// MonitorStats is what the subscribers saw.
type MonitorStats struct {
	// Connected is the monitors connected now; Connects every connection opened; Disconnects the
	// connections that ended before the run did (the hub went away or dropped a slow subscriber).
	Connected, Connects, Disconnects int64
	// Done marks the figures of a finished run: String leaves out those connected now (none).
	Done bool
	// Messages and Bytes count what was read; Timed the events carrying SentField.
	Messages, Bytes, Timed int64
	// Lost is the events missing by seq (a jump), over every monitor; Repeated the live events
	// seen again (a seq not above the last one), outside the snapshot that follows a connect;
	// Skipped the hubs' DESKWATCH_SKIPPED, each in the place of an event a hub rejected.
	Lost, Repeated, Skipped int64
	// P50, P99 and Max are the latency from SentField to the read, over the whole run; Late
	// counts the events read LateAfter or more after SentField.
	P50, P99, Max time.Duration
	Late          int64
}

// LateAfter is the latency a monitor's event counts as late from: the hub's target for its p99
// (issue 16), so that the share of late events over any stretch of a run says whether its p99
// met it, where the p99s of its 10 s progress lines can only bound it.
const LateAfter = 100 * time.Millisecond

// String is the one-line summary.
func (s MonitorStats) String() string {
	return fmt.Sprintf("monitors: latency p50 %s p99 %s max %s over %d events, late %d, %d messages, %d bytes, lost %d, skipped %d, repeated %d, %sconnects %d, disconnects %d",
		s.P50, s.P99, s.Max, s.Timed, s.Late, s.Messages, s.Bytes, s.Lost, s.Skipped, s.Repeated, connectedNow(s.Done, s.Connected),
		s.Connects, s.Disconnects)
}

// skippedHead starts a hub's DESKWATCH_SKIPPED, as the hub writes it (model.AppendEvent).
var skippedHead = []byte(`{"type":"` + model.EvSkipped + `"`)

// connectedNow is "connected N, " of a run's progress, nothing once it is done (all closed).
func connectedNow(done bool, n int64) string {
	if done {
		return ""
	}
	return fmt.Sprintf("connected %d, ", n)
}

// MonitorLoad is a set of subscribers measuring latency, losses and bytes. Start them with Run;
// Stats and Interval may be called at any time, from any goroutine.
type MonitorLoad struct {
	cfg     MonitorsConfig
	dialers chan struct{}

	connected, connects, disconnects atomic.Int64
	messages, bytes, lost, repeated  atomic.Int64
	skipped                          atomic.Int64
	total, window                    hist

	agentMu sync.RWMutex
	agents  map[string]int // agent id -> index into each monitor's last seqs
}

// NewMonitorLoad checks cfg and returns subscribers not yet connected.
func NewMonitorLoad(cfg MonitorsConfig) (*MonitorLoad, error) {
	if cfg.Monitors < 1 || len(cfg.URLs) == 0 {
		return nil, errors.New("monitors: want at least 1 and a hub URL")
	}
	cfg.MinBackoff = positive.Or(cfg.MinBackoff, DefaultMinBackoff)
	cfg.MaxBackoff = max(positive.Or(cfg.MaxBackoff, DefaultMaxBackoff), cfg.MinBackoff)
	if cfg.Dialers <= 0 {
		cfg.Dialers = DefaultDialers
	}
	return &MonitorLoad{cfg: cfg, dialers: make(chan struct{}, cfg.Dialers), agents: map[string]int{}}, nil
}

// Run connects every monitor and reads until ctx ends.
func (m *MonitorLoad) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for i := range m.cfg.Monitors {
		wg.Go(func() { m.monitor(ctx, i) })
	}
	wg.Wait()
}

// Stats returns the counts and the latency over the whole run.
func (m *MonitorLoad) Stats() MonitorStats { return m.stats(&m.total) }

// Interval returns the counts, with the latency since the last call to Interval.
func (m *MonitorLoad) Interval() MonitorStats {
	s := m.stats(&m.window)
	m.window.reset()
	return s
}

func (m *MonitorLoad) stats(h *hist) MonitorStats {
	c := h.counts()
	s := MonitorStats{Connected: m.connected.Load(), Connects: m.connects.Load(), Disconnects: m.disconnects.Load(),
		Messages: m.messages.Load(), Bytes: m.bytes.Load(), Lost: m.lost.Load(), Repeated: m.repeated.Load(),
		Skipped: m.skipped.Load(),
		Timed:   atLeast(c, 0), Late: atLeast(c, LateAfter)}
	s.P50, s.P99, s.Max = quantile(c, 0.50), quantile(c, 0.99), time.Duration(h.max.Load())*time.Microsecond
	return s
}

// agentIndex interns an agent id.
func (m *MonitorLoad) agentIndex(id string) int {
	m.agentMu.RLock()
	i, ok := m.agents[id]
	m.agentMu.RUnlock()
	if ok {
		return i
	}
	m.agentMu.Lock()
	defer m.agentMu.Unlock()
	if i, ok = m.agents[id]; !ok {
		i = len(m.agents)
		m.agents[id] = i
	}
	return i
}

// Teams cuts agents into teams of size (the last may be smaller), in order.
func Teams(agents []string, size int) [][]string {
	var teams [][]string
	for size > 0 && len(agents) > 0 {
		n := min(size, len(agents))
		teams, agents = append(teams, agents[:n:n]), agents[n:]
	}
	return teams
}

// urls returns the stream URLs of monitor i: narrowed to its team, if any.
func (m *MonitorLoad) urls(i int) []string {
	if len(m.cfg.Teams) == 0 {
		return m.cfg.URLs
	}
	team := strings.Join(m.cfg.Teams[i%len(m.cfg.Teams)], ",")
	out := make([]string, len(m.cfg.URLs))
	for j, s := range m.cfg.URLs {
		u, err := url.Parse(s)
		if err != nil {
			out[j] = s // the caller checked the URLs; the dial reports it
			continue
		}
		q := u.Query()
		q.Set("agent", team)
		u.RawQuery = q.Encode()
		out[j] = u.String()
	}
	return out
}

// monitor is one subscriber: connect, read until the connection ends, move to the next URL.
func (m *MonitorLoad) monitor(ctx context.Context, i int) {
	urls := m.urls(i)
	u, attempt := i%len(urls), 0
	var seqs []int64
	buf := make([]byte, 0, 4<<10)
	for ctx.Err() == nil {
		conn := m.dial(ctx, urls[u])
		if conn != nil {
			m.connects.Add(1)
			m.connected.Add(1)
			stop := context.AfterFunc(ctx, func() {
				conn.WriteControl(websocket.CloseMessage,
					websocket.FormatCloseMessage(websocket.CloseNormalClosure, "simulation over"), time.Now().Add(time.Second))
				conn.Close()
			})
			clear(seqs) // a new connection starts with a snapshot: seq is learnt again
			opened := time.Now()
			seqs, buf = m.read(conn, seqs, buf)
			stop()
			conn.Close()
			m.connected.Add(-1)
			if ctx.Err() != nil {
				return
			}
			m.disconnects.Add(1)
			if time.Since(opened) > 10*time.Second {
				attempt = 0
			}
		}
		u = (u + 1) % len(urls)
		backoff(ctx, m.cfg.MinBackoff, m.cfg.MaxBackoff, attempt)
		attempt++
	}
}

func (m *MonitorLoad) dial(ctx context.Context, url string) *websocket.Conn {
	select {
	case m.dialers <- struct{}{}:
	case <-ctx.Done():
		return nil
	}
	defer func() { <-m.dialers }()
	h := http.Header{}
	if m.cfg.Token != "" {
		h.Set("Authorization", "Bearer "+m.cfg.Token)
	}
	dctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	d := websocket.Dialer{HandshakeTimeout: 10 * time.Second, ReadBufferSize: 16 << 10, WriteBufferSize: 512}
	conn, resp, err := d.DialContext(dctx, url, h)
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	if err != nil {
		return nil
	}
	return conn
}

// read reads one connection's messages into buf (reused) until it ends.
func (m *MonitorLoad) read(conn *websocket.Conn, seqs []int64, buf []byte) ([]int64, []byte) {
	for {
		_, r, err := conn.NextReader()
		if err != nil {
			return seqs, buf
		}
		if buf, err = readAll(r, buf[:0]); err != nil {
			return seqs, buf
		}
		now := time.Now()
		m.messages.Add(1)
		m.bytes.Add(int64(len(buf)))
		i := model.PeekMember(buf, SentField)
		if i >= 0 {
			if us, ok := leadingInt(buf[i:]); ok {
				d := now.Sub(time.UnixMicro(us))
				m.total.add(d)
				m.window.add(d)
			}
		}
		if bytes.HasPrefix(buf, skippedHead) {
			m.skipped.Add(1)
		}
		h := model.PeekHead(buf)
		if !h.HasSeq {
			continue
		}
		a := m.agentIndex(h.AgentID())
		if a >= len(seqs) {
			seqs = append(seqs, make([]int64, a+1-len(seqs))...)
		}
		switch last := seqs[a]; {
		case last == 0 || h.Seq == last+1:
		case h.Seq > last+1:
			m.lost.Add(h.Seq - last - 1)
		default:
			if i >= 0 { // a live event seen again; a snapshot only restates the seq
				m.repeated.Add(1)
			}
			continue
		}
		seqs[a] = h.Seq
	}
}

// readAll is io.ReadAll into buf.
func readAll(r io.Reader, buf []byte) ([]byte, error) {
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// leadingInt parses the integer b starts with.
func leadingInt(b []byte) (int64, bool) {
	n := 0
	for n < len(b) && b[n] >= '0' && b[n] <= '9' {
		n++
	}
	v, err := strconv.ParseInt(string(b[:n]), 10, 64)
	return v, err == nil
}
