package ui

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/creack/pty"
	"github.com/gorilla/websocket"

	"github.com/deskwatch/deskwatch/feed"
	"github.com/deskwatch/deskwatch/internal/synth"
	"github.com/deskwatch/deskwatch/internal/wstest"
	"github.com/deskwatch/deskwatch/model"
	"github.com/deskwatch/deskwatch/themes"
)

// BenchmarkArrivalToFrame measures, at 5,000 events/s, the time from a WebSocket message's arrival
// (the source has read it) to the first frame whose snapshot holds it: the generator's stream over
// loopback into the WebSocket source, the pump, the store, the notifier (at most 30 signals a second)
// and the real Bubble Tea program drawing the interactions view at 200x50 on a pseudo-terminal. It
// runs for a fixed 8 s whatever b.N (use -benchtime 1x) and reports percentiles over the messages
// after the first 2 s.
func BenchmarkArrivalToFrame(b *testing.B) {
	const rate, warmup, measure = 5000, 2 * time.Second, 6 * time.Second
	n := int(rate * (warmup + measure).Seconds())
	url := paceServer(b, n, rate)
	ptmx, tty, err := pty.Open()
	if err != nil {
		b.Skipf("no pseudo-terminal: %v", err)
	}
	defer ptmx.Close()
	defer tty.Close()
	go func() { // the terminal reads what is drawn, as a real one does
		buf := make([]byte, 64<<10)
		for {
			if _, err := ptmx.Read(buf); err != nil {
				return
			}
		}
	}()
	store := model.NewStore()
	notify := feed.NewNotifier()
	pump := feed.NewPump(store, notify)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go notify.Run(ctx, feed.DefaultInterval)
	changes, unsubscribe := notify.Subscribe()
	defer unsubscribe()
	c := testCommon(themes.Dark, store, time.Now)
	c.Width, c.Height = 200, 50
	fl := &frameLog{Model: New(c, changes)}
	p := tea.NewProgram(fl, tea.WithContext(ctx), tea.WithInput(nil), tea.WithOutput(tty),
		tea.WithWindowSize(200, 50), tea.WithColorProfile(colorprofile.TrueColor),
		tea.WithEnvironment([]string{"TERM=xterm-256color"}), tea.WithoutSignalHandler())
	ran := make(chan struct{})
	go func() { _, _ = p.Run(); close(ran) }()

	arrivals := make([]arrival, 0, n)
	got := make(chan struct{})
	b.ResetTimer()
	go feed.NewWebSocket(url, feed.WSOptions{}).Run(ctx, func(m feed.Message) {
		pump.Handle(m)
		arrivals = append(arrivals, arrival{at: m.Received, version: store.Version()})
		if len(arrivals) == n {
			close(got)
		}
	})
	select {
	case <-got:
	case <-time.After(time.Minute):
		b.Fatalf("%d of %d messages arrived", len(arrivals), n)
	}
	time.Sleep(200 * time.Millisecond) // the last frames
	b.StopTimer()
	cancel()
	<-ran
	lat, missed := fl.latencies(arrivals[rate*int(warmup.Seconds()):])
	if len(lat) == 0 {
		b.Fatal("no frame showed any message")
	}
	b.ReportMetric(float64(len(lat)), "messages")
	b.ReportMetric(float64(missed), "never-drawn")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(lat[len(lat)-1].Microseconds())/1000, "max-ms")
	b.ReportMetric(float64(fl.count())/(warmup+measure).Seconds(), "frames/s")
}

// arrival is when a message arrived and the store version that holds it.
type arrival struct {
	at      time.Time
	version uint64
}

// frameLog wraps the root model to note when each frame was drawn and which snapshot it drew.
type frameLog struct {
	*Model
	mu     sync.Mutex
	frames []arrival
}

func (f *frameLog) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	_, cmd := f.Model.Update(msg)
	return f, cmd
}

func (f *frameLog) View() tea.View {
	v := f.Model.View()
	f.mu.Lock()
	f.frames = append(f.frames, arrival{at: time.Now(), version: f.Model.snap.Version})
	f.mu.Unlock()
	return v
}

func (f *frameLog) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.frames)
}

// latencies pairs each arrival with the first frame at or after it that drew its version, sorted;
// missed counts arrivals no frame showed.
func (f *frameLog) latencies(arrivals []arrival) (lat []time.Duration, missed int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	j := 0
	for _, a := range arrivals {
		for j < len(f.frames) && (f.frames[j].version < a.version || f.frames[j].at.Before(a.at)) {
			j++
		}
		if j == len(f.frames) {
			missed++
			continue
		}
		lat = append(lat, f.frames[j].at.Sub(a.at))
	}
	slices.Sort(lat)
	return lat, missed
}

// paceServer serves n generated events on each connection at rate events per second.
func paceServer(b *testing.B, n int, rate float64) string {
	b.Helper()
	g := synth.NewGenerator(synth.GeneratorConfig{Seed: 1, Agents: 50, Rate: rate})
	events := make([][]byte, n)
	for i := range events {
		events[i], _ = g.Next()
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		start := time.Now()
		for i, ev := range events {
			if wait := time.Until(start.Add(time.Duration(float64(i) / rate * float64(time.Second)))); wait > 0 {
				time.Sleep(wait)
			}
			if err := c.WriteMessage(websocket.TextMessage, ev); err != nil {
				return
			}
		}
		for { // hold the connection open until the client goes
			if _, _, err := c.ReadMessage(); err != nil {
				return
			}
		}
	}))
	b.Cleanup(srv.Close)
	return wstest.WSURL(srv.URL)
}
