package cmd

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/deskwatch/deskwatch/feed"
	"github.com/deskwatch/deskwatch/internal/synth"
	"github.com/deskwatch/deskwatch/internal/synth/demo"
)

// wsFlags are the WebSocket subscription's options.
type wsFlags struct {
	headers   []string
	tokenFile string
	tokenEnv  string
	caFile    string
	insecure  bool
	origin    string
	// messageTimeout bounds the time one message may take to arrive (--message-timeout).
	messageTimeout time.Duration
}

func (w *wsFlags) register(f *pflag.FlagSet) {
	f.StringArrayVar(&w.headers, "header", nil, "extra WebSocket request header 'Name: value' (repeatable)")
	f.StringVar(&w.tokenFile, "token-file", "", "read a bearer token from this file (sent as Authorization: Bearer)")
	f.StringVar(&w.tokenEnv, "token-env", "", "read a bearer token from this environment variable")
	f.StringVar(&w.caFile, "ca-file", "", "trust this PEM CA bundle for wss:// (private CA)")
	f.BoolVar(&w.insecure, "insecure", false, "do not verify the wss:// server certificate (never the default)")
	f.StringVar(&w.origin, "origin", "", "Origin header for the WebSocket handshake")
	f.DurationVar(&w.messageTimeout, "message-timeout", feed.DefaultMessageTimeout,
		"longest a WebSocket message may take to arrive; a slower one is rejected and the connection reopened")
}

// isURL reports whether a source argument names a WebSocket stream.
func isURL(arg string) bool {
	return strings.HasPrefix(arg, "ws://") || strings.HasPrefix(arg, "wss://")
}

// openSource builds the source named by arg: "" the demo, "-" standard input, a ws:// or wss://
// URL, or a file path.
func openSource(o *options, arg string, stdin io.Reader) (feed.Source, error) {
	if o.maxMessage <= 0 {
		return nil, fmt.Errorf("--max-message %d: want the largest accepted event, above 0 bytes", o.maxMessage)
	}
	if o.retention < 1 {
		return nil, fmt.Errorf("--retention %d: keep at least 1 ended interaction", o.retention)
	}
	if strings.HasPrefix(arg, "http://") || strings.HasPrefix(arg, "https://") {
		return nil, fmt.Errorf("%s: a live stream is a WebSocket URL (ws:// or wss://), not http(s)://", arg)
	}
	switch {
	case arg == "":
		seed := o.demoSeed
		if seed == 0 {
			seed = clockSeed(time.Now())
		}
		return demo.New(synth.GeneratorConfig{Seed: seed, Agents: o.demoAgents, Rate: o.demoRate}), nil
	case isURL(arg):
		return openWebSocket(o, arg)
	}
	speed, err := parseSpeed(o.speed)
	if err != nil {
		return nil, err
	}
	if o.print {
		speed = 0 // batch mode never waits
	}
	ropts := feed.ReplayOptions{Speed: speed, MaxMessage: o.maxMessage}
	if arg == "-" {
		return feed.NewReplay("-", stdin, 0, ropts), nil
	}
	f, err := os.Open(arg)
	if pe := (*fs.PathError)(nil); errors.As(err, &pe) { // "open event file: open x: …" said open twice
		return nil, fmt.Errorf("event file %s: %w", arg, pe.Err)
	} else if err != nil {
		return nil, fmt.Errorf("open event file: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open event file: %w", err)
	}
	if st.IsDir() {
		f.Close()
		return nil, fmt.Errorf("open event file: %s is a directory", arg)
	}
	return &closingReplay{Replay: feed.NewReplay(arg, f, st.Size(), ropts), f: f}, nil
}

// closingReplay closes the replayed file with the pipeline.
type closingReplay struct {
	*feed.Replay
	f *os.File
}

func (c *closingReplay) Close() error { return c.f.Close() }

// clockSeed picks a demo seed from the clock: at most six digits, so the status line shows it
// compactly and it is easy to give back to --demo-seed to see the same stream again.
func clockSeed(now time.Time) int64 { return 1 + now.UnixNano()/int64(time.Microsecond)%999_999 }
