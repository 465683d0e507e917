package cmd_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deskwatch/deskwatch/internal/e2e"
)

// The help a newcomer reads lists every command (man included) and spells acronyms as they are.
func TestHelpListsManAndSpellsTLS(t *testing.T) {
	t.Parallel()
	out, _, code := e2e.Run(t, nil, "--help")
	if code != 0 || !strings.Contains(out, "man ") || !strings.Contains(out, "Print the manual page") {
		t.Errorf("deskwatch --help (exit %d) does not list man:\n%s", code, out)
	}
	page, _, code := e2e.Run(t, nil, "man")
	if code != 0 || !strings.HasPrefix(page, ".TH DESKWATCH 1") || !strings.Contains(page, "serve") {
		t.Errorf("deskwatch man (exit %d) is not a manual page naming the commands:\n%.300s", code, page)
	}
	hub, _, _ := e2e.Run(t, nil, "hub", "--help")
	if strings.Contains(hub, "Tls") || !strings.Contains(hub, "TLS certificate") {
		t.Errorf("hub --help spells TLS wrong:\n%s", hub)
	}
}

// Flags that mean nothing where they are given stop the run with why, rather than being ignored.
func TestFlagsOutOfPlaceAreRefused(t *testing.T) {
	t.Parallel()
	file := fixture("clean.jsonl")
	wantRefused(t, []refusal{
		{[]string{"--format", "json", file}, []string{"--format goes with --print"}},
		{[]string{"--events", "5", file}, []string{"--events goes with --print"}},
		{[]string{"--print", "--for", "3s", file}, []string{"--for is for a live source (a ws:// URL or the demo); " + file + " is read to its end"}},
		{[]string{"hub", "--listen", "127.0.0.1:0", "--origin", "crm.example.com"}, []string{`--origin "crm.example.com" is not an origin a browser sends`}},
	})
}

// TestHubClusterFlagsRefused: cluster flags that do not go together, a bad address and a secret
// file that is empty, short or readable by others are refused, each saying which flag and why.
func TestHubClusterFlagsRefused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	secret := func(name, content string, mode os.FileMode) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
		return path
	}
	good := secret("good", "a cluster secret of more than 16 bytes\n", 0o600)
	cluster := []string{"--data", filepath.Join(dir, "data"), "--cluster", "floor", "--cluster-listen", "127.0.0.1:1"}
	hub := func(args ...string) []string { return append([]string{"hub", "--listen", "127.0.0.1:0"}, args...) }
	var cases []refusal
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--cluster-listen", "127.0.0.1:7001"}, "--cluster-listen, --routes and --cluster-secret need --cluster NAME"},
		{[]string{"--routes", "127.0.0.1:7001"}, "need --cluster NAME"},
		{[]string{"--cluster", "floor", "--cluster-secret", good}, "--cluster needs --cluster-listen HOST:PORT"},
		{[]string{"--cluster", "floor", "--cluster-listen", "127.0.0.1:7001"}, "--cluster needs --cluster-secret FILE"},
		{[]string{"--nats", "nats://127.0.0.1:4222", "--cluster", "floor"}, "--nats uses an external NATS cluster: it does not go with"},
		{[]string{"--nats", "nats://127.0.0.1:4222", "--in-memory"}, "--in-memory keeps no log"},
		{[]string{"--cluster", "floor", "--cluster-listen", "localhost", "--cluster-secret", good}, `--cluster-listen "localhost": want HOST:PORT`},
		{[]string{"--cluster", "floor", "--cluster-listen", "127.0.0.1:7001", "--cluster-secret", good, "--routes",
			"http://127.0.0.1:7002"}, `--routes "http://127.0.0.1:7002": want nats-route://HOST:PORT or HOST:PORT`},
		{append(cluster, "--cluster-secret", secret("open", "a cluster secret of more than 16 bytes", 0o644)),
			"others may read it (mode 0644): chmod 600"},
		{append(cluster, "--cluster-secret", secret("empty", "\n \n", 0o600)), "the file is empty"},
		{append(cluster, "--cluster-secret", secret("short", "0123456789\n", 0o600)), "the secret is 10 bytes, want at least 16"},
		{[]string{"--data", filepath.Join(dir, "data2"), "--nats", "nats://u:pw@127.0.0.1:4222,http://x"},
			`--nats "http://x": want nats://`},
	} {
		cases = append(cases, refusal{hub(c.args...), []string{c.want}})
	}
	wantRefused(t, cases)
}

// refusal is a command line the binary must refuse: exit 2, with each of want on stderr.
type refusal struct {
	args []string
	want []string
}

// wantRefused runs each refusal's command line and checks that it is refused so.
func wantRefused(t *testing.T, cases []refusal) {
	t.Helper()
	for _, c := range cases {
		_, errOut, code := e2e.Run(t, nil, c.args...)
		if code != 2 {
			t.Errorf("deskwatch %v: exit %d, want 2; stderr %q", c.args, code, errOut)
		}
		for _, w := range c.want {
			if !strings.Contains(errOut, w) {
				t.Errorf("deskwatch %v: stderr %q; want %q", c.args, errOut, w)
			}
		}
	}
}
