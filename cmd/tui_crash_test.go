package cmd

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/creack/pty"
	"github.com/spf13/pflag"
	"golang.org/x/sys/unix"

	"github.com/deskwatch/deskwatch/internal/e2e"
	"github.com/deskwatch/deskwatch/model"
	"github.com/deskwatch/deskwatch/themes"
)

// panicky wraps the monitor's model and panics on cue: in View once the table is up, in Update on
// the key x, in a command on the key c.
type panicky struct {
	tea.Model
	views *int
	view  bool
}

func (m panicky) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if cmd, ok := e2e.Explode(msg); ok {
		return m, cmd
	}
	next, cmd := m.Model.Update(msg)
	m.Model = next
	return m, cmd
}

func (m panicky) View() tea.View {
	*m.views++
	if m.view && *m.views > 3 {
		panic("view exploded")
	}
	return m.Model.View()
}

// explodingReader is an event source whose reading panics: a bug in the feed's goroutine.
type explodingReader struct{}

func (explodingReader) Read([]byte) (int, error) { panic("feed exploded") }

// A panic in the monitor's View, Update, a command or the feed's goroutine ends the run with a
// one-line error (exit status 2 through Main), puts the stack in the log and leaves the terminal
// as it found it (canonical mode, echo on).
func TestTUIPanicRestoresTerminal(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, where, value string
		events             io.Reader
		view               bool
		key                string
	}{
		{name: "view", where: "View", value: "view exploded", view: true},
		{name: "update", where: "Update", value: "update exploded", key: "x"},
		{name: "command", where: "a command", value: "command exploded", key: "c"},
		{name: "feed", where: "the feed", value: "feed exploded", events: explodingReader{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			events := tc.events
			if events == nil {
				events = strings.NewReader(`{"type":"ON_LOGOUT","agentId":"a1","params":[]}` + "\n")
			}
			err, logs, before, after := runCrashingTUI(t, tc.view, tc.key, events)
			if err == nil || !strings.Contains(err.Error(), "internal error in "+tc.where+": "+tc.value) ||
				strings.Contains(err.Error(), "\n") {
				t.Fatalf("error %v; want one line naming %q and %q", err, tc.where, tc.value)
			}
			if !strings.Contains(logs, "internal error (a bug)") || !strings.Contains(logs, "goroutine ") ||
				!strings.Contains(logs, "where=\""+tc.where+"\"") && !strings.Contains(logs, "where="+tc.where) {
				t.Errorf("log lacks the panic and its stack:\n%s", logs)
			}
			const modes = unix.ICANON | unix.ECHO | unix.ISIG
			if after.Lflag&modes != before.Lflag&modes || after.Iflag != before.Iflag || after.Oflag != before.Oflag {
				t.Errorf("terminal left changed: lflag %#x, want %#x", after.Lflag, before.Lflag)
			}
		})
	}
}

// runCrashingTUI runs the monitor on a pseudo-terminal with the panicky model and returns its
// error, its log and the terminal's modes before and after.
func runCrashingTUI(t *testing.T, view bool, key string, events io.Reader) (error, string, *unix.Termios,
	*unix.Termios) {
	t.Helper()
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	defer ptmx.Close()
	defer tty.Close()
	_ = pty.Setsize(ptmx, &pty.Winsize{Rows: 24, Cols: 100})
	before, err := unix.IoctlGetTermios(int(tty.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	var screen syncBuf
	go func() { _, _ = io.Copy(&screen, ptmx) }()
	o := &options{speed: "max", retention: model.DefaultRetention, maxMessage: model.DefaultMaxMessage,
		logFile: "test.log"}
	dir := t.TempDir()
	if err := o.loadSettings(pflag.NewFlagSet("t", pflag.ContinueOnError), func(k string) string {
		return map[string]string{"XDG_CONFIG_HOME": dir, "HOME": dir}[k]
	}); err != nil {
		t.Fatal(err)
	}
	views := 0
	o.wrapModel = func(m tea.Model) tea.Model { return panicky{Model: m, views: &views, view: view} }
	var logs syncBuf
	log := slog.New(slog.NewTextHandler(&logs, nil))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- runTUIWith(ctx, o, "-", events, tty, tty, themes.Mono, log) }()
	if key != "" {
		waitScreen(t, &screen, "a1")
		_, _ = ptmx.Write([]byte(key))
	}
	select {
	case err = <-done:
	case <-ctx.Done():
		t.Fatalf("the monitor did not end after the panic; screen:\n%s", screen.String())
	}
	after, gerr := unix.IoctlGetTermios(int(tty.Fd()), unix.TCGETS)
	if gerr != nil {
		t.Fatal(gerr)
	}
	return err, logs.String(), before, after
}

func waitScreen(t *testing.T, b *syncBuf, want string) {
	t.Helper()
	if !e2e.Until(20*time.Second, 20*time.Millisecond, func() bool { return strings.Contains(b.String(), want) }) {
		t.Fatalf("screen never showed %q:\n%q", want, b.String())
	}
}

type syncBuf = e2e.Buffer
