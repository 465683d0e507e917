package cmd_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/deskwatch/deskwatch/internal/e2e"
)

// TestPrintOfAPipeSaysWhatSIGTERMLeftUnread: --print of a named pipe stopped by SIGTERM while a
// line is still arriving prints the table of what it applied (exit 0, as for any SIGTERM) and says
// on stderr how many bytes it received and did not apply, and after which line.
func TestPrintOfAPipeSaysWhatSIGTERMLeftUnread(t *testing.T) {
	t.Parallel()
	fifo := filepath.Join(t.TempDir(), "events")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("no named pipes here: %v", err)
	}
	var errOut e2e.Buffer
	p := e2e.StartProcess(t, e2e.ProcessOptions{Env: []string{"NO_COLOR=1", "GOMAXPROCS=2"}, Stderr: &errOut},
		"--print", fifo)
	w, err := os.OpenFile(fifo, os.O_WRONLY, 0) // waits for the binary to open it
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	partial := `{"type":"ON_LOGOUT","agentId":"a.jones","ts":17000`
	if _, err := w.WriteString(`{"type":"ON_LOGIN","agentId":"a.jones","ts":1700000000000,"params":[{"isLoggedIn":true}]}` +
		"\n" + partial); err != nil {
		t.Fatal(err)
	}
	if !e2e.Until(10*time.Second, 10*time.Millisecond, func() bool { // the binary has read it all
		n, err := unix.IoctlGetInt(int(w.Fd()), unix.TIOCINQ)
		return err == nil && n == 0
	}) {
		t.Fatal("the binary did not read the pipe")
	}
	time.Sleep(100 * time.Millisecond) // from its read returning to its count of the bytes
	p.Signal(syscall.SIGTERM)
	if err := p.Wait(10 * time.Second); err != nil {
		t.Fatalf("after SIGTERM: %v\n%s", err, errOut.String())
	}
	want := fmt.Sprintf("%s: stopped: %d bytes received after line 1 were not applied\n", fifo, len(partial))
	if errOut.String() != want || !strings.Contains(p.Out.String(), "AGENT") {
		t.Errorf("stderr %q, want %q; stdout:\n%s", errOut.String(), want, p.Out.String())
	}
}
