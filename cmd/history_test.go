package cmd

import (
	"fmt"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/internal/e2e"
	"github.com/deskwatch/deskwatch/model"
)

func TestParseBytes(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]int64{"0": 0, "1048576": 1 << 20, "256MiB": 256 << 20, "256M": 256 << 20,
		"1GiB": 1 << 30, "64 KiB": 64 << 10, "12B": 12} {
		if got, err := parseBytes(in); err != nil || got != want {
			t.Errorf("parseBytes(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "MiB", "-1", "1.5GiB", "12 apples", "99999999999GiB"} {
		if _, err := parseBytes(in); err == nil {
			t.Errorf("parseBytes(%q): want an error", in)
		}
	}
}

// The pipeline keeps the history its source allows: an event file's index, the messages of
// anything read once (the demo, standard input, a named pipe), and none in batch mode or with
// --history 0.
func TestPipelineHistoryKinds(t *testing.T) {
	t.Parallel()
	file, fifo := e2e.WriteFile(t, "ev.jsonl", "{}\n"), e2e.Fifo(t, "pipe")
	for _, c := range []struct {
		arg, want string
		print     bool
		keep      time.Duration
	}{
		{file, "*travel.File", false, time.Hour}, {"", "*travel.Live", false, time.Hour},
		{"-", "*travel.Live", false, time.Hour}, {fifo, "*travel.Live", false, time.Hour},
		{file, "<nil>", true, time.Hour}, {file, "<nil>", false, 0}, {"", "<nil>", false, 0},
	} {
		o := &options{speed: "max", retention: model.DefaultRetention, maxMessage: model.DefaultMaxMessage,
			demoSeed: 1, demoAgents: 1, demoRate: 1, print: c.print,
			history: historyFlags{keep: c.keep, size: defaultHistorySize}}
		if err := o.history.check(); err != nil {
			t.Fatal(err)
		}
		var p *pipeline
		var err error
		if c.arg == fifo { // opening a pipe waits for a writer: give it one
			w := make(chan struct{})
			go func() {
				defer close(w)
				if f, err := os.OpenFile(fifo, os.O_WRONLY, 0); err == nil {
					f.Close()
				}
			}()
			p, err = newPipeline(o, c.arg, strings.NewReader(""), slog.New(slog.DiscardHandler))
			<-w
		} else {
			p, err = newPipeline(o, c.arg, strings.NewReader(""), slog.New(slog.DiscardHandler))
		}
		if err != nil {
			t.Fatalf("%q: %v", c.arg, err)
		}
		if got := fmt.Sprintf("%T", p.history); got != c.want {
			t.Errorf("source %q, print %v, --history %v: history %s, want %s", c.arg, c.print, c.keep, got, c.want)
		}
		p.Close()
	}
}
