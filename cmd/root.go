// Package cmd is deskwatch's command line: the monitor itself (deskwatch [SOURCE]) and its
// subcommands. main.go only calls Main.
package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	tea "charm.land/bubbletea/v2"
	"charm.land/fang/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/deskwatch/deskwatch/feed"
	"github.com/deskwatch/deskwatch/model"
)

// Exit codes: 0 all well, 1 --print saw rejected events, 2 an error stopped the run.
const (
	exitOK       = 0
	exitRejected = 1
	exitError    = 2
)

// errRejected makes --print exit 1 after its output when any event was rejected.
var errRejected = errors.New("some events were rejected")

// options holds the monitor's flags.
type options struct {
	speed      string
	print      bool
	format     string
	theme      string
	retention  int
	maxMessage int
	// maxMemory is --max-memory as given; maxHeld the bytes it says (settings.go).
	maxMemory  string
	maxHeld    int64
	logFile    string
	record     string
	filter     string
	nameFilter string // --filter as given on the command line ("" when the configuration's filter stands in)
	demoSeed   int64
	demoAgents int
	demoRate   float64
	configFile string
	bell       bool
	wallboard  bool
	settings   settings
	collect    collectOptions
	ws         wsFlags
	profile    profileFlags
	history    historyFlags
	// since asks a hub's stream for its history (--since: since= on the URL, cmd/since.go).
	since string
	// onConn, when set, hears of a WebSocket source's connections (--print reports them).
	onConn func(feed.ConnEvent)
	// wrapModel, set by tests only, wraps the monitor's model (to make it panic on cue).
	wrapModel func(tea.Model) tea.Model
}

// Main runs the command line with os.Args and returns the process exit code.
func Main(ctx context.Context, version string) int {
	root := newRoot(os.Stdin, os.Stdout, os.Stderr)
	if wantsHelp(os.Args[1:]) {
		wrapHelp(root, helpWidth()) // descriptions wrapped beside the key column (cmd/helpwrap.go)
	}
	// SIGTERM stops every command as Ctrl-C does: the recorder flushes, --print prints its table.
	// (The monitor also takes SIGHUP so; deskwatch serve keeps SIGHUP for reloading its keys.)
	opts := []fang.Option{fang.WithNotifySignal(os.Interrupt, syscall.SIGTERM), fang.WithErrorHandler(handleError),
		fang.WithoutManpage()} // deskwatch man is ours, listed in --help
	opts = append(opts, fang.WithVersion(versionString(version)))
	if err := fang.Execute(ctx, root, opts...); err != nil {
		if errors.Is(err, errRejected) {
			return exitRejected
		}
		return exitError
	}
	return exitOK
}

func newRoot(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	o := &options{}
	c := &cobra.Command{
		Use:   "deskwatch [SOURCE]",
		Short: "A live terminal monitor for Bright Pattern Agent Desktop interactions",
		Long: prose(`deskwatch shows the interactions of contact-center agents live: calls, chats and emails,
their parties, mute and recording state, with detail, timeline and alerts.

SOURCE is an event file (JSON Lines) to replay, - for standard input, or a ws:// or wss:// URL
to subscribe to. Without SOURCE it shows a built-in demo stream.`),
		Example: `  deskwatch                         # the embedded demo
  deskwatch events.jsonl --speed 10  # replay a saved file ten times faster
  deskwatch --print events.jsonl     # print the final table and exit
  deskwatch ws://localhost:8080/stream --record today.jsonl`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := mistypedCommand(cmd, args); err != nil {
				return err
			}
			src, err := o.prepare(cmd, args)
			if err != nil {
				return err
			}
			// A closed terminal (SIGHUP) ends the monitor as cleanly as q: the recording is flushed.
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGHUP)
			defer stop()
			return run(ctx, o, src, stdin, stdout, stderr)
		},
	}
	c.SuggestionsMinimumDistance = 2 // "hubb", "sevre": mistypedCommand
	c.SetIn(stdin)
	c.SetOut(stdout)
	c.SetErr(stderr)
	f := c.Flags()
	registerSourceFlags(f, o)
	f.BoolVar(&o.print, "print", false, "batch mode: apply the whole source, print the final table, exit")
	f.StringVar(&o.format, "format", "table", "output of --print: table, json or csv")
	f.StringVar(&o.theme, "theme", "", "colour theme: dark, light, high-contrast, mono or a user theme (NO_COLOR picks mono)")
	f.StringVar(&o.logFile, "log", os.Getenv("DESKWATCH_LOG"), "write a debug log to this file (or $DESKWATCH_LOG)")
	f.StringVar(&o.filter, "filter", "", "only show interactions matching this filter")
	f.BoolVar(&o.bell, "bell", false, "ring the terminal bell when a new alert opens")
	f.BoolVar(&o.wallboard, "wallboard", false, "start on the wallboard: the floor's figures in big digits (W, :wall)")
	f.StringVar(&o.since, "since", "", "of a hub's stream: start with its history since then (15m, or an RFC 3339 time), then live")
	o.collect.register(f)
	// Each subcommand lives in its own file; add its constructor here.
	c.AddCommand(subcommands(stdin, stdout, stderr)...)
	// "deskwatch sever --allow-any-key" said only "unknown flag": the word before it, read as an
	// event file, was the mistake.
	c.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		if cmd == c {
			if mis := mistypedCommand(cmd, cmd.Flags().Args()); mis != nil {
				return fmt.Errorf("%w (%w)", err, mis)
			}
		}
		return err
	})
	return c
}

// The source flags' defaults.
const (
	defaultSpeed      = "1"
	defaultDemoSeed   = 0
	defaultDemoAgents = 6
	defaultDemoRate   = 8.0
)

// defaultMaxMemory is --max-memory's default, model.DefaultMaxHeld as the flag writes it.
var defaultMaxMemory = fmt.Sprintf("%dGiB", model.DefaultMaxHeld>>30)

// registerSourceFlags registers the flags that say how to read the source and build the store,
// which the monitor and serve share: speed, retention, message limit, recording, the demo, the
// configuration file, the WebSocket client, profiling and the seek history.
func registerSourceFlags(f *pflag.FlagSet, o *options) {
	f.StringVar(&o.speed, "speed", defaultSpeed, "replay speed factor, 0.1 to 1000, or max for no waiting")
	f.IntVar(&o.retention, "retention", model.DefaultRetention, "how many ended interactions to keep")
	f.Var(newSizeFlag(&o.maxMessage, model.DefaultMaxMessage), "max-message",
		"largest accepted event (bytes, or with KiB, MiB, GiB, or K, M, G)")
	f.StringVar(&o.maxMemory, "max-memory", defaultMaxMemory, "most memory the interactions and agents kept may hold, "+
		"as deskwatch estimates it (bytes, or with KiB, MiB, GiB, or K, M, G; 0: no bound): ended interactions are forgotten "+
		"first; from three quarters of it on each agent adds interactions only within its share; at it events that would add "+
		"more are rejected until some end")
	f.StringVar(&o.record, "record", "", "record every message received, valid or not, to this file")
	f.Int64Var(&o.demoSeed, "demo-seed", defaultDemoSeed, "seed of the demo stream (0 picks a six-digit one from the clock)")
	f.IntVar(&o.demoAgents, "demo-agents", defaultDemoAgents, "number of agents in the demo stream")
	f.Float64Var(&o.demoRate, "demo-rate", defaultDemoRate, "events per second of the demo stream")
	f.StringVar(&o.configFile, "config", "", "read this configuration file instead of $XDG_CONFIG_HOME/deskwatch/config.yaml")
	o.ws.register(f)
	o.profile.register(f)
	o.history.register(f)
}

// parseSpeed reads --speed: a factor from 0.1 to 1000, or "max" (returned as 0).
func parseSpeed(s string) (float64, error) {
	if strings.EqualFold(s, "max") {
		return 0, nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v < 0.1 || v > 1000 {
		return 0, fmt.Errorf("--speed %q: want a number from 0.1 to 1000, or max", s)
	}
	return v, nil
}

// handleError prints an error as written: on a terminal with fang's styling (but not its
// capitalised first word, which turns "--ca-file" into "--Ca-File"), elsewhere as one plain line
// for scripts. errRejected prints nothing: its lines are already on stderr.
func handleError(w io.Writer, styles fang.Styles, err error) {
	if errors.Is(err, errRejected) {
		return
	}
	// An error may quote a peer (a server's answer, a file's line): no control reaches the terminal
	// from here, line by line.
	lines := strings.Split(err.Error(), "\n")
	for i, l := range lines {
		lines[i] = model.Sanitize(l)
	}
	text := strings.Join(lines, "\n")
	if !isTerminal(w) {
		fmt.Fprintln(w, text)
		return
	}
	styles.ErrorText = styles.ErrorText.UnsetTransform()
	fmt.Fprintln(w, styles.ErrorHeader.String())
	fmt.Fprintln(w, styles.ErrorText.Render(text))
	fmt.Fprintln(w)
	if usageError(err) {
		fmt.Fprintln(w, lipgloss.JoinHorizontal(lipgloss.Left,
			styles.ErrorText.UnsetWidth().Render("Try"),
			styles.Program.Flag.Render(" --help "),
			styles.ErrorText.UnsetWidth().UnsetMargins().Render("for usage.")))
		fmt.Fprintln(w)
	}
}

// isTerminal reports whether w (fang wraps stderr in a colorprofile.Writer) is a terminal.
func isTerminal(w io.Writer) bool {
	if cw, ok := w.(*colorprofile.Writer); ok {
		w = cw.Forward
	}
	f, ok := w.(interface{ Fd() uintptr })
	return ok && term.IsTerminal(f.Fd())
}

// usageError reports the errors of cobra's own flag and argument parsing, which fang follows with
// a pointer to --help.
func usageError(err error) bool {
	s := err.Error()
	for _, prefix := range []string{"flag needs an argument:", "unknown flag:", "unknown shorthand flag:",
		"unknown command", "invalid argument", "accepts ", "requires at least"} {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}

// groupOnly makes a command that only groups others (bridge, config) show its help when called
// alone, and refuse a word that names none of them: cobra showed the help and exited 0 for
// "deskwatch config bogus".
func groupOnly(c *cobra.Command) *cobra.Command {
	c.Args = func(cmd *cobra.Command, args []string) error {
		if len(args) == 0 {
			return nil
		}
		msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
		if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
			msg += fmt.Sprintf("; did you mean %q?", s[0])
		}
		return errors.New(msg)
	}
	c.RunE = func(cmd *cobra.Command, _ []string) error { return cmd.Help() }
	c.SuggestionsMinimumDistance = 2
	return c
}

// mistypedCommand refuses a SOURCE that is no file but looks like a command mistyped ("serv",
// "simulat"), or "version", naming what was meant: it would be opened as an event file, and fail
// with a message about a file the user never meant.
func mistypedCommand(cmd *cobra.Command, args []string) error {
	// The first word only: "confg init" is a command mistyped, followed by its own word.
	if len(args) == 0 || args[0] == "-" || isURL(args[0]) {
		return nil
	}
	if _, err := os.Stat(args[0]); !errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if args[0] == "version" {
		return errors.New(`version: no such event file; the version is "deskwatch --version"`)
	}
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		return fmt.Errorf("%s: no such event file, nor command; did you mean %q (deskwatch %s --help)?", args[0], s[0], s[0])
	}
	if !strings.ContainsAny(args[0], "./") { // a word, not a path: it may have meant a command
		return fmt.Errorf("%s: no such event file, nor command (deskwatch --help lists the commands)", args[0])
	}
	return nil
}

// subcommands lists the subcommands, one constructor per file.
func subcommands(stdin io.Reader, stdout, stderr io.Writer) []*cobra.Command {
	return []*cobra.Command{
		newSimulateCmd(stdout, stderr),
		newServeCmd(stdin, stdout, stderr),
		newHubCmd(stdout, stderr),
		newBridgeCmd(stdout),
		newConfigCmd(stdout, stderr),
		newManCmd(stdout),
	}
}
