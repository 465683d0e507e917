package cmd_test

import (
	"os"
	"path/filepath"
	"testing"
)

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
