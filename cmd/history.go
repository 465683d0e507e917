package cmd

import (
	"fmt"
	"os"
	"time"

	"github.com/spf13/pflag"

	"github.com/deskwatch/deskwatch/model"
	"github.com/deskwatch/deskwatch/travel"
)

// The seek history's defaults (issue 15): an hour of the stream, within 256 MiB.
const (
	defaultHistory     = time.Hour
	defaultHistorySize = "256MiB"
)

// historyFlags bound what the monitor and serve keep of their feed to seek back in (--history,
// --history-size).
type historyFlags struct {
	keep  time.Duration
	size  string
	bytes int64 // size, parsed by check
}

func (h *historyFlags) register(f *pflag.FlagSet) {
	f.DurationVar(&h.keep, "history", defaultHistory,
		"how far back in event time a live view can be rewound (0: no history, no seeking)")
	f.StringVar(&h.size, "history-size", defaultHistorySize,
		"most memory the seek history may hold (bytes, or with KiB, MiB, GiB, or K, M, G for the same); the oldest is forgotten first")
}

// check reads --history-size and says what is wrong with either flag.
func (h *historyFlags) check() error {
	if h.keep < 0 {
		return fmt.Errorf("--history %s: want a duration of 0 (off) or more", h.keep)
	}
	n, err := parseBytes(h.size)
	if err != nil {
		return fmt.Errorf("--history-size %q: %w", h.size, err)
	}
	h.bytes = n
	return nil
}

// off reports whether the history is turned off (--history 0 or --history-size 0).
func (h *historyFlags) off() bool { return h.keep == 0 || h.bytes == 0 }

// keepHistory gives the monitor's and serve's pipeline its seek history (none in batch mode or
// with --history 0): of an event file, the file itself, indexed in the background (a seek reads
// it again from the nearest checkpoint); of a live source (a WebSocket, the demo, standard input),
// every message the pump handles, within --history of event time and --history-size (so is a named
// pipe's, which cannot be read twice). Three
// quarters of --history-size go to the messages kept, a quarter to the store's checkpoints.
func (p *pipeline) keepHistory(o *options, arg string, storeOpts []model.Option) error {
	if o.print || o.history.off() {
		return nil
	}
	opts := travel.Options{Store: storeOpts, MaxAge: o.history.keep, MaxBytes: max(o.history.bytes/4*3, 1),
		MaxCheckpointBytes: max(o.history.bytes/4, 1), MaxMessage: o.maxMessage}
	if !regularFile(arg) { // a live source, standard input, or a pipe the replay alone may read
		p.history = travel.NewLive(p.pump, opts)
		return nil
	}
	h, err := travel.NewFile(arg, opts)
	if err != nil {
		return err
	}
	p.history = h
	p.closers = append(p.closers, h)
	return nil
}

// regularFile reports whether the source argument names a regular file, which a history or --at
// may read apart from the replay (not the demo, a URL, standard input or a named pipe).
func regularFile(arg string) bool {
	if arg == "" || arg == "-" || isURL(arg) {
		return false
	}
	st, err := os.Stat(arg)
	return err == nil && st.Mode().IsRegular()
}
