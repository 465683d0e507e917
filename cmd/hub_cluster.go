package cmd

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/pflag"

	"github.com/deskwatch/deskwatch/internal/jetlog"
)

// hubCluster is the flags that put the hub's log in a cluster of hubs, or on an external NATS.
type hubCluster struct {
	name, listen, secretFile, nats string
	routes                         []string
}

func (c *hubCluster) register(f *pflag.FlagSet) {
	f.StringVar(&c.name, "cluster", "", "join the hubs of cluster NAME (the same on every hub): the stream is replicated on three of them")
	f.StringVar(&c.listen, "cluster-listen", "", "the address (HOST:PORT) where the other hubs' routes connect (with --cluster)")
	f.StringSliceVar(&c.routes, "routes", nil, "the other hubs' --cluster-listen addresses, nats-route://HOST:PORT or HOST:PORT, comma-separated")
	f.StringVar(&c.secretFile, "cluster-secret", "", "file holding the secret routes authenticate with (the same on every hub, 16 bytes or more, mode 600)")
	f.StringVar(&c.nats, "nats", "", "use this external NATS cluster (nats://[USER:PASSWORD@]HOST:PORT, comma-separated) instead of the embedded server")
}

// check refuses flags that do not go together.
func (c *hubCluster) check(inMemory bool) error {
	clustered := c.name != "" || c.listen != "" || len(c.routes) > 0 || c.secretFile != ""
	switch {
	case c.nats != "" && clustered:
		return errors.New("--nats uses an external NATS cluster: it does not go with --cluster, --cluster-listen, --routes or --cluster-secret")
	case inMemory && (clustered || c.nats != ""):
		return errors.New("--in-memory keeps no log: it does not go with --cluster or --nats")
	case c.name == "" && clustered:
		return errors.New("--cluster-listen, --routes and --cluster-secret need --cluster NAME")
	case c.name != "" && c.listen == "":
		return errors.New("--cluster needs --cluster-listen HOST:PORT, where the other hubs' routes connect")
	case c.name != "" && c.secretFile == "":
		return errors.New("--cluster needs --cluster-secret FILE (the same file on every hub): routes without it are refused")
	}
	if c.listen != "" {
		if err := jetlog.CheckAddr("--cluster-listen", c.listen); err != nil {
			return err
		}
	}
	for _, r := range c.routes {
		if _, err := jetlog.RouteURL(r); err != nil {
			return err
		}
	}
	return nil
}

// configure sets the log's cluster or external NATS from the flags, reading the secret file.
func (c *hubCluster) configure(cfg *jetlog.Config) error {
	cfg.NATS = c.nats
	if c.name == "" {
		return nil
	}
	secret, err := readSecret(c.secretFile)
	if err != nil {
		return err
	}
	cfg.Cluster = jetlog.Cluster{Name: c.name, Listen: c.listen, Routes: c.routes, Secret: secret}
	return nil
}

// readSecret reads the cluster secret: the file's content, trimmed, private to its owner.
func readSecret(path string) (string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("--cluster-secret: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return "", fmt.Errorf("--cluster-secret %s: others may read it (mode %04o): chmod 600 %s", path, fi.Mode().Perm(), path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("--cluster-secret: %w", err)
	}
	secret := strings.TrimSpace(string(b))
	switch {
	case secret == "":
		return "", fmt.Errorf("--cluster-secret %s: the file is empty", path)
	case len(secret) < jetlog.MinSecret:
		return "", fmt.Errorf("--cluster-secret %s: the secret is %d bytes, want at least %d (e.g. openssl rand -hex 32 > %s)",
			path, len(secret), jetlog.MinSecret, path)
	}
	return secret, nil
}
