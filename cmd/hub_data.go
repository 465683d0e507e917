package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/pflag"

	"github.com/deskwatch/deskwatch/hub"
	"github.com/deskwatch/deskwatch/internal/jetlog"
	"github.com/deskwatch/deskwatch/sshserve"
)

// hubData is the hub's durable log flags: where it keeps its data and how much history.
type hubData struct {
	dir      string
	history  time.Duration
	size     string
	bytes    int64 // size, parsed by check
	inMemory bool
	cluster  hubCluster // --cluster, --routes, --nats… (hub_cluster.go)
}

func (d *hubData) register(f *pflag.FlagSet) {
	f.StringVar(&d.dir, "data", "", "directory of the hub's event log and checkpoints (default $XDG_STATE_HOME/deskwatch/hub)")
	f.DurationVar(&d.history, "history", jetlog.DefaultHistory, "how long events are kept for restarts and /stream?since= (the oldest dropped first)")
	f.StringVar(&d.size, "history-size", "1GiB", "most bytes of events kept (bytes, or with KiB, MiB, GiB, or K, M, G for the same); the oldest dropped first")
	f.BoolVar(&d.inMemory, "in-memory", false, "keep the floor in memory only, as before: no log, nothing survives a restart, no history")
	d.cluster.register(f)
}

// check validates the flags and settles the data directory (created 0700).
func (d *hubData) check(getenv func(string) string) error {
	if err := d.cluster.check(d.inMemory); err != nil || d.inMemory {
		return err
	}
	if d.history <= 0 {
		return fmt.Errorf("--history %s: want a positive duration, such as 24h", d.history)
	}
	if d.history < time.Second {
		return fmt.Errorf("--history %s: want at least 1s, such as 24h", d.history)
	}
	n, err := parseBytes(d.size)
	if err != nil || n <= 0 {
		return fmt.Errorf("--history-size %q: want a positive size, such as 1GiB or 512MiB", d.size)
	}
	d.bytes = n
	if d.dir == "" {
		// The hub's data lives beside serve's host key, in deskwatch's state directory.
		key, err := sshserve.DefaultHostKeyPath(getenv)
		if err != nil {
			return errors.New("no HOME or XDG_STATE_HOME to keep the hub's data in: give --data DIR (or --in-memory)")
		}
		d.dir = filepath.Join(filepath.Dir(key), "hub")
	}
	if err := usableDir(d.dir); err != nil {
		return fmt.Errorf("--data %s: %w", d.dir, err)
	}
	return nil
}

// alone says the hub is the only one on its log: not clustered (--cluster) nor on an external NATS
// that other hubs may share (--nats). Only then are the desktops its floor held connected before a
// restart its own to say disconnected (hub.Config.Alone).
func (d *hubData) alone() bool { return d.cluster.name == "" && d.cluster.nats == "" }

// usableDir creates dir (0700) when it does not exist and checks the hub can write in it.
func usableDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("cannot create it: %w", err)
	}
	f, err := os.CreateTemp(dir, ".write-test-")
	if err != nil {
		return fmt.Errorf("cannot write in it: %w", err)
	}
	f.Close()
	return os.Remove(f.Name())
}

// logConfig is the log the flags ask for.
func (d *hubData) logConfig(log io.Writer) (jetlog.Config, error) {
	cfg := jetlog.Config{Dir: d.dir, History: d.history, HistoryBytes: d.bytes, Log: log}
	return cfg, d.cluster.configure(&cfg)
}

// openHubLog opens the hub's log (nil with --in-memory) and says where it is; the returned
// function closes it.
func openHubLog(ctx context.Context, d *hubData, stdout io.Writer) (*jetlog.Log, func(), error) {
	if d.inMemory {
		fmt.Fprintln(stdout, "hub data: in memory only (--in-memory): nothing survives a restart, no history")
		return nil, func() {}, nil
	}
	unlock, err := lockDir(d.dir)
	if err != nil {
		return nil, nil, fmt.Errorf("--data %s: %w", d.dir, err)
	}
	cfg, err := d.logConfig(stdout)
	if err != nil {
		unlock()
		return nil, nil, err
	}
	l, err := jetlog.Open(ctx, cfg)
	if err != nil {
		unlock()
		return nil, nil, fmt.Errorf("--data %s: %w", d.dir, err)
	}
	fmt.Fprintf(stdout, "hub data: %s (history %s, at most %s)\n", d.dir, d.history, d.size)
	go l.WatchCluster(ctx, time.Second) // logs the cluster's changes (leader, peers) until ctx ends
	return l, func() { _ = l.Close(); unlock() }, nil
}

// startHubLog restores the hub's floor from its log and says what it restored (nothing without a
// log: --in-memory said so).
func startHubLog(ctx context.Context, h *hub.Hub, logged bool, stdout io.Writer) error {
	r, err := h.Start(ctx)
	if ctx.Err() != nil {
		return nil // stopped while restoring
	}
	if err != nil {
		return err
	}
	if logged {
		fmt.Fprintf(stdout, "hub restored: %s\n", r)
	}
	return nil
}
