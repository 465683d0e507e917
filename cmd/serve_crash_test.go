package cmd

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/spf13/pflag"
	gossh "golang.org/x/crypto/ssh"

	"github.com/deskwatch/deskwatch/internal/e2e"
)

// A panic in the server's feed goroutine (here: its source's reader) does not stop the server: it
// is logged with its stack, and a viewer still logs in and sees the source stopped on an internal
// error.
func TestServeSurvivesFeedPanic(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	signer, _ := e2e.NewKey(t)
	keys := filepath.Join(dir, "authorized_keys")
	if err := os.WriteFile(keys, gossh.MarshalAuthorizedKey(signer.PublicKey()), 0o600); err != nil {
		t.Fatal(err)
	}
	o := &options{speed: "max", retention: 100, maxMessage: 1 << 20}
	if err := o.loadSettings(pflag.NewFlagSet("t", pflag.ContinueOnError), func(k string) string { return map[string]string{"XDG_CONFIG_HOME": dir}[k] }); err != nil {
		t.Fatal(err)
	}
	so := &serveOptions{listen: "127.0.0.1:0", hostKey: filepath.Join(dir, "hk"), authorizedKeys: keys,
		maxPending: minPending, maxSessions: 4}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var logs syncBuf
	done := make(chan error, 1)
	go func() { done <- runServe(ctx, o, so, "-", explodingReader{}, &logs, io.Discard) }()
	addr := waitLogMatch(t, &logs, `msg=listening addr=(127\.0\.0\.1:\d+)`)
	waitLogMatch(t, &logs, `internal error \(a bug\).*where="the feed".*feed exploded.*goroutine `)
	client, err := gossh.Dial("tcp", addr, &gossh.ClientConfig{User: "sup", Auth: []gossh.AuthMethod{gossh.PublicKeys(signer)},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second})
	if err != nil {
		t.Fatalf("the server stopped serving after the feed's panic: %v", err)
	}
	defer client.Close()
	sess, err := client.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	var screen syncBuf
	sess.Stdout = &screen
	pr, pw := io.Pipe()
	defer pw.Close()
	sess.Stdin = pr
	if err := sess.RequestPty("xterm", 30, 140, nil); err != nil {
		t.Fatal(err)
	}
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	waitScreen(t, &screen, "stopped")
	cancel()
	if err := e2e.Recv(t, done, 20*time.Second, "stop of serve"); err != nil {
		t.Errorf("serve: %v", err)
	}
}

func waitLogMatch(t *testing.T, logs *syncBuf, pattern string) string {
	t.Helper()
	re := regexp.MustCompile(pattern)
	var m []string
	logged := func() bool { m = re.FindStringSubmatch(logs.String()); return m != nil }
	if !e2e.Until(20*time.Second, 20*time.Millisecond, logged) {
		t.Fatalf("log lacks %s:\n%s", pattern, logs.String())
	}
	return m[len(m)-1]
}
