package travel_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/feed"
	"github.com/deskwatch/deskwatch/internal/synth"
	"github.com/deskwatch/deskwatch/model"
	"github.com/deskwatch/deskwatch/travel"
)

// wall is the fixed wall clock of every store of the tests: field-change stamps are then the same.
var wall = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

// storeOpts are small bounds, so that a short stream already evicts rows and thins checkpoints.
func storeOpts() []model.Option {
	return []model.Option{model.WithRetention(40), model.WithWallClock(func() time.Time { return wall })}
}

// badLines are messages the pump rejects, some with a ts.
var badLines = [][]byte{
	[]byte(`{"type":"ON_NEW_INTERACTION","params":[{"interactionId":"trunc`),
	[]byte(`this is not JSON`),
	[]byte(`{"type":"ON_AGENT_STATE_CHANGE","agentId":"sim"}`),
	[]byte(`{"ts":1733475600000,"type":"ON_NEW_INTERACTION","params":[{"interactionId":42}]}`),
}

// stream is a random stream of n messages: synthetic events, bad ones and, when conns, reconnects
// (a new connection number, then the generator's welcome and the hub's resync end).
func stream(seed uint64, n int, conns bool) []feed.Message {
	rng := rand.New(rand.NewPCG(seed, 7))
	g := synth.NewGenerator(synth.GeneratorConfig{Seed: int64(seed), Agents: 3 + rng.IntN(10),
		Rate: float64(1 + rng.IntN(20))})
	var out []feed.Message
	conn := int64(0)
	if conns {
		conn = 1
	}
	recv := time.Date(2025, time.January, 6, 9, 0, 0, 0, time.UTC) // the generator's start
	add := func(data []byte) {
		recv = recv.Add(time.Duration(rng.IntN(2000)) * time.Millisecond)
		out = append(out, feed.Message{Data: data, Origin: model.Origin{Source: "t", Conn: conn,
			Msg: int64(len(out) + 1)}, Received: recv})
	}
	for len(out) < n {
		switch r := rng.IntN(100); {
		case r < 4 && len(out) > 0:
			add(badLines[rng.IntN(len(badLines))])
		case r < 5 && conns:
			conn++
			for _, b := range g.Welcome() {
				add(b)
			}
			add(model.AppendEvent(nil, model.EvResyncEnd, "", g.Now().UnixMilli(), model.NoSeq, nil))
		default:
			data, _ := g.Next()
			add(data)
		}
	}
	return out[:n]
}

// writeFile writes the messages' data as a file's lines, with blank lines and CRLF endings here and
// there, and a BOM when bom; it returns the path.
func writeFile(t testing.TB, msgs []feed.Message, seed uint64, bom bool) string {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 11))
	var b bytes.Buffer
	if bom {
		b.WriteString("\xEF\xBB\xBF")
	}
	for _, m := range msgs {
		if rng.IntN(30) == 0 {
			b.WriteString("  \n")
		}
		b.Write(m.Data)
		if rng.IntN(10) == 0 {
			b.WriteByte('\r')
		}
		b.WriteByte('\n')
	}
	return writeTemp(t, b.Bytes())
}

// replayTo is a fresh replay of path at speed 0 stopped after message n: what a seek must give.
func replayTo(t testing.TB, path string, n int64, ro ...feed.ReplayOptions) *model.Store {
	t.Helper()
	st := model.NewStore(storeOpts()...)
	p := feed.NewPump(st, nil)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := feed.NewReplay(path, f, 0, append(ro, feed.ReplayOptions{})[0])
	err = r.Run(ctx, func(m feed.Message) {
		if p.Handled() < n {
			p.Handle(m)
		}
		if p.Handled() >= n {
			cancel()
		}
	})
	if err != nil && !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	if p.Handled() != n {
		t.Fatalf("the file has %d messages, not %d", p.Handled(), n)
	}
	return st
}

// pumpTo is a fresh pump fed the first n messages.
func pumpTo(msgs []feed.Message, n int64) *model.Store {
	st := model.NewStore(storeOpts()...)
	p := feed.NewPump(st, nil)
	for _, m := range msgs[:n] {
		p.Handle(m)
	}
	return st
}

// indexed opens path's history and waits for its index.
func indexed(t testing.TB, path string, opts travel.Options) *travel.File {
	t.Helper()
	opts.Store = storeOpts()
	h, err := travel.NewFile(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	if err := h.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	return h
}

// sameState fails unless got and want agree in everything a viewer sees (see diffState).
func sameState(t testing.TB, what string, got, want *model.Store, now time.Time) {
	t.Helper()
	if d := diffState(got, want, now); d != "" {
		t.Fatalf("%s: %s", what, d)
	}
}

// diffState says how got and want differ in what a viewer sees: rows, agents, counts, rejections,
// the alert log, the trend, and the floor's figures in both windows at now ("" when they do not).
func diffState(got, want *model.Store, now time.Time) string {
	g, w := got.Snapshot(), want.Snapshot()
	type part struct {
		name string
		a, b any
	}
	parts := []part{{"versions", g.Version, w.Version}, {"row counts", len(g.Rows), len(w.Rows)},
		{"agent counts", len(g.Agents), len(w.Agents)}, {"stats", g.Stats, w.Stats},
		{"rejections", g.Rejections, w.Rejections}, {"alerts", g.Alerts, w.Alerts}, {"trend", g.Trend, w.Trend}}
	for i := range min(len(g.Rows), len(w.Rows)) {
		parts = append(parts, part{"rows", *g.Rows[i], *w.Rows[i]})
	}
	for i := range min(len(g.Agents), len(w.Agents)) {
		parts = append(parts, part{"agents", *g.Agents[i], *w.Agents[i]})
	}
	for _, win := range []model.FloorWindow{model.Rolling, model.SinceStart} {
		parts = append(parts, part{"floor figures", g.Floor.Figures(now, win), w.Floor.Figures(now, win)})
	}
	for _, p := range parts {
		if !reflect.DeepEqual(p.a, p.b) {
			return fmt.Sprintf("%s differ:\n got  %+v\n want %+v", p.name, p.a, p.b)
		}
	}
	return ""
}

// stateEvent is agent a<i%3>'s state change at at, as a line.
func stateEvent(at time.Time, i int) string {
	states := []string{`["ready"]`, `["busy"]`, `["not_ready","Lunch"]`}
	return string(model.AppendEvent(nil, "ON_AGENT_STATE_CHANGE", fmt.Sprintf("a%d", i%3),
		at.UnixMilli(), model.NoSeq, []byte(states[i%len(states)])))
}

// writeLines writes lines to a new file, each ended by "\n", and returns its path.
func writeLines(t testing.TB, lines []string) string {
	t.Helper()
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(l + "\n")
	}
	return writeTemp(t, []byte(b.String()))
}

// writeTemp writes data to a new file in the test's temporary directory and returns its path.
func writeTemp(t testing.TB, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "events.jsonl")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
