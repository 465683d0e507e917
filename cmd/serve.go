package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	tea "charm.land/bubbletea/v2"
	charmlog "charm.land/log/v2"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/deskwatch/deskwatch/sshserve"
	"github.com/deskwatch/deskwatch/themes"
	"github.com/deskwatch/deskwatch/ui"
)

// minPending is the smallest --max-pending: below it one full redraw of a large terminal could
// get a client that reads perfectly well dropped.
const minPending = 64 << 10

// serveOptions holds the SSH server's own flags; the source's flags are the monitor's options.
type serveOptions struct {
	listen         string
	hostKey        string
	authorizedKeys string
	allowAnyKey    bool
	maxSessions    int
	maxConns       int
	idleTimeout    time.Duration
	maxPending     int
	writeTimeout   time.Duration
	frameInterval  time.Duration
	logFile        string
}

func newServeCmd(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	o := &options{}
	so := &serveOptions{}
	c := &cobra.Command{
		Use:   "serve [SOURCE]",
		Short: "Serve the monitor over SSH to many supervisors at once",
		Long: prose(`serve holds one feed (SOURCE as for deskwatch itself: a ws:// URL, a file, - or the demo)
and lets any number of supervisors open the monitor with their own ssh client. Each session has
its own size, colours, theme, cursor, filter and sort; all share one store.

Only public keys listed in --authorized-keys may log in (the file is re-read when it changes and on
SIGUSR1); passwords are refused. Sessions are read-only: viewers cannot pause or speed up a replay or
write files on the server. The server listens on loopback unless --listen says otherwise, and logs
one line per connect and disconnect to stdout (or --log). SIGTERM, SIGINT or SIGHUP (its terminal
closed) tells every session the server is stopping, closes them, and exits 0.

A viewer picks a theme, a filter or the wallboard after --:  ssh -t -p 2222 host -- --theme light --filter chat
NO_COLOR is honoured when the client sends it (ssh -o SendEnv=NO_COLOR).`),
		Example: `  deskwatch serve --authorized-keys ~/.ssh/authorized_keys ws://bridge:8080/stream
  deskwatch serve --listen :2222 --authorized-keys supervisors.keys events.jsonl
  deskwatch serve --allow-any-key          # the demo, for anyone on this machine
  ssh -p 2222 localhost                    # then, as a supervisor`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			src, err := o.prepare(cmd, args)
			if err != nil {
				return err
			}
			return runServe(cmd.Context(), o, so, src, stdin, stdout, stderr)
		},
	}
	f := c.Flags()
	f.StringVar(&so.listen, "listen", sshserve.DefaultAddr, "address to listen on (loopback by default; :2222 for every interface)")
	f.StringVar(&so.hostKey, "host-key", "", "host private key, created on first start (default $XDG_STATE_HOME/deskwatch/"+
		"ssh_host_ed25519_key)")
	f.StringVar(&so.authorizedKeys, "authorized-keys", "", "file of the public keys that may log in, in OpenSSH's "+
		"authorized_keys format (from= and expiry-time= honoured; command= and no-pty refused)")
	f.BoolVar(&so.allowAnyKey, "allow-any-key", false, "let any public key in (a local demo only)")
	f.IntVar(&so.maxSessions, "max-sessions", sshserve.DefaultMaxSessions, "most sessions at once")
	f.IntVar(&so.maxConns, "max-connections", sshserve.DefaultMaxConnections, fmt.Sprintf("most logged-in "+
		"connections at once (those not logged in yet are capped apart: %d, %d per source)",
		sshserve.MaxPreAuth, sshserve.MaxPreAuthPerSource))
	f.DurationVar(&so.idleTimeout, "idle-timeout", time.Hour, "close a session after this long without a key press or resize (0: never)")
	f.IntVar(&so.maxPending, "max-pending", sshserve.DefaultMaxPending, "drop a client when this many bytes of its output wait "+
		"unread (the most the server holds for one client)")
	f.DurationVar(&so.writeTimeout, "write-timeout", sshserve.DefaultWriteTimeout, "drop a client that accepts none of its "+
		"pending output for this long")
	f.DurationVar(&so.frameInterval, "frame-interval", sshserve.DefaultFrameInterval, "least time between two frames "+
		"of a session (longer by itself when the server is busy or the client slow)")
	f.StringVar(&so.logFile, "log", "", "write the connection log to this file instead of stdout")
	registerServeSourceFlags(f, o)
	return c
}

// registerServeSourceFlags registers the monitor's flags that make sense for a server: how to
// read the source (registerSourceFlags) and each session's defaults.
func registerServeSourceFlags(f *pflag.FlagSet, o *options) {
	registerSourceFlags(f, o)
	f.StringVar(&o.theme, "theme", "", "default colour theme of sessions: dark, light, high-contrast, mono or a user theme")
	f.StringVar(&o.filter, "filter", "", "default filter of sessions")
	f.BoolVar(&o.wallboard, "wallboard", false, "sessions start on the wallboard (a session may ask with -- --wallboard)")
}

// runServe builds one pipeline and serves it until a signal or ctx ends the run.
func runServe(ctx context.Context, o *options, so *serveOptions, arg string, stdin io.Reader,
	stdout, stderr io.Writer) error {
	if so.maxPending < minPending {
		return fmt.Errorf("the smallest --max-pending is %d bytes, so that a full screen fits; %d is too small",
			minPending, so.maxPending)
	}
	// First, so that a SIGTERM at any point of the start still ends in a goodbye and status 0. A
	// closed terminal (SIGHUP) stops the server too: it must not keep listening with nobody to stop it.
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	log, logOut, closeLog, err := openServeLog(so.logFile, stdout)
	if err != nil {
		return err
	}
	defer closeLog()
	// wish's Bubble Tea middleware reports a session's program errors through charm's default
	// logger (stderr); send those to the server's log too.
	charmlog.SetOutput(logOut)
	if _, err := o.settings.theme(o.theme, func(string) string { return "" }); err != nil {
		return err
	}
	// Every session starts with this filter unless it gives its own: refuse to serve an invalid one
	// rather than have each session start unfiltered.
	if _, err := parseFilterFlag(o.filter); err != nil {
		return err
	}
	stopProfile, err := o.profile.start(log)
	if err != nil {
		return err
	}
	defer stopProfile()
	hostKey := so.hostKey
	if hostKey == "" {
		if hostKey, err = sshserve.DefaultHostKeyPath(os.Getenv); err != nil {
			return err
		}
	}
	p, err := newPipeline(o, arg, stdin, log)
	if err != nil {
		return err
	}
	defer p.Close()
	srv, err := sshserve.New(sshserve.Config{
		Addr: so.listen, HostKeyPath: hostKey, AuthorizedKeys: so.authorizedKeys, AllowAnyKey: so.allowAnyKey,
		MaxSessions: so.maxSessions, MaxConnections: so.maxConns, IdleTimeout: so.idleTimeout, MaxPending: so.maxPending, WriteTimeout: so.writeTimeout,
		FrameInterval: so.frameInterval, Subscribe: p.notifier.Subscribe, ChangeMsg: ui.ChangedMsg,
		NewModel: func(v sshserve.Viewer, changes <-chan struct{}) (tea.Model, error) {
			return newViewerModel(p, o, v, changes)
		},
		CheckArgs: func(v sshserve.Viewer) error {
			_, err := parseViewerArgs(o, v)
			return err
		},
		Log: log,
	})
	if err != nil {
		return err
	}
	if so.allowAnyKey {
		fmt.Fprintf(stderr, "warning: --allow-any-key lets anyone who can reach %s watch the desk; use it for a local demo only\n",
			so.listen)
		log.Warn("any public key is accepted (--allow-any-key)")
	}
	go reloadKeysOnSignal(ctx, srv, log)
	p.start(ctx)
	if err := srv.ListenAndServe(ctx); err != nil {
		return err
	}
	log.Info("stopped")
	return nil
}

// viewerHelp answers a viewer's --help (or -h) after -- on the ssh command line.
const viewerHelp = `deskwatch over SSH: the floor, live. After -- on the ssh command line:
  --theme NAME    dark, light, high-contrast, mono, or a theme the server has (NO_COLOR picks mono)
  --filter TEXT   show only the interactions matching TEXT (the filter language: ? in the monitor)
  --wallboard     open on the wallboard
For example: ssh -t HOST -- --theme light --filter 'state:hold'
In the monitor, ? lists the keys and q quits.`

// newViewerModel builds one SSH session's monitor. The viewer may choose --theme, --filter and
// --wallboard in the ssh command; NO_COLOR from the client picks mono unless the viewer chose a
// theme. Whatever in the command is wrong is a usage error (the session's status 2).
func newViewerModel(p *pipeline, o *options, v sshserve.Viewer, changes <-chan struct{}) (tea.Model, error) {
	va, err := parseViewerArgs(o, v)
	if err != nil {
		return nil, err
	}
	c := newCommon(p, va.theme, o, true)
	c.Filter, c.Wallboard = va.filter, va.wall
	c.Width, c.Height = v.Width, v.Height
	return ui.New(c, changes), nil
}

// viewerArgs is what a viewer's ssh command chose.
type viewerArgs struct {
	theme  themes.Theme
	filter string
	wall   bool
}

// parseViewerArgs reads a viewer's ssh command without building anything (the server asks it of a
// session without a terminal too): its help is an sshserve.Usage, anything wrong a BadUsage.
func parseViewerArgs(o *options, v sshserve.Viewer) (viewerArgs, error) {
	va, err := readViewerArgs(o, v)
	var help sshserve.Usage
	if err != nil && !errors.As(err, &help) {
		err = sshserve.BadUsage{Err: err}
	}
	return va, err
}

func readViewerArgs(o *options, v sshserve.Viewer) (viewerArgs, error) {
	fs := pflag.NewFlagSet("deskwatch", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	theme := fs.String("theme", "", "")
	filter := fs.String("filter", o.filter, "")
	wall := fs.Bool("wallboard", o.wallboard, "")
	const usage = "this server takes --theme NAME, --filter TEXT and --wallboard, as in: ssh -t HOST -- --theme light"
	if err := fs.Parse(v.Args); errors.Is(err, pflag.ErrHelp) {
		return viewerArgs{}, sshserve.Usage(viewerHelp)
	} else if err != nil {
		return viewerArgs{}, fmt.Errorf("%w (%s)", err, usage)
	}
	if fs.NArg() > 0 {
		return viewerArgs{}, fmt.Errorf("unexpected argument %q (%s)", fs.Arg(0), usage)
	}
	name := *theme
	if !fs.Changed("theme") {
		// The viewer's NO_COLOR wins over the server's default theme.
		name = o.theme
		if v.Getenv("NO_COLOR") != "" {
			name = themes.Mono.Name
		}
	}
	t, err := o.settings.theme(name, v.Getenv)
	if err != nil {
		return viewerArgs{}, err
	}
	// A viewer's invalid filter ends the session with the reason, as a bad --theme does.
	if _, err := parseFilterFlag(*filter); err != nil {
		return viewerArgs{}, err
	}
	return viewerArgs{theme: t, filter: *filter, wall: *wall}, nil
}

// reloadKeysOnSignal re-reads the authorized keys on SIGUSR1 (SIGHUP, which sshd uses, means the
// terminal closed and stops the server).
func reloadKeysOnSignal(ctx context.Context, srv *sshserve.Server, log *slog.Logger) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGUSR1)
	defer signal.Stop(hup)
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			if err := srv.ReloadKeys(); err != nil {
				log.Error("reloading authorized keys: every key is refused until the file can be read", "err", err)
			}
		}
	}
}

// openServeLog logs to the file when given, else to stdout: the server owns no terminal.
func openServeLog(path string, stdout io.Writer) (*slog.Logger, io.Writer, func(), error) {
	if path == "" {
		return slog.New(slog.NewTextHandler(stdout, nil)), stdout, func() {}, nil
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("--log: %w", err)
	}
	return slog.New(slog.NewTextHandler(f, nil)), f, func() { f.Close() }, nil
}
