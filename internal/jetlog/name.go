package jetlog

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// serverNameFile, in the data directory, keeps the embedded server's name: JetStream knows a
// server in a cluster by its name, so a restarted hub must come back under the same one.
const serverNameFile = "server-name"

// serverName is cfg.ServerName, else the name kept in cfg.Dir, else a new one (kept there).
func serverName(cfg Config) (string, error) {
	if cfg.ServerName != "" {
		return checkServerName(cfg.ServerName, "the server name")
	}
	path := filepath.Join(cfg.Dir, serverNameFile)
	b, err := os.ReadFile(path)
	if err == nil {
		return checkServerName(strings.TrimSpace(string(b)), path)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("jetlog: %w", err)
	}
	name := newServerName()
	if err := os.MkdirAll(cfg.Dir, 0o700); err != nil {
		return "", fmt.Errorf("jetlog: %w", err)
	}
	if err := os.WriteFile(path, []byte(name+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("jetlog: %w", err)
	}
	return name, nil
}

// newServerName is "hub-HOST-RANDOM", HOST cut to letters, digits and '-'.
func newServerName() string {
	host, _ := os.Hostname()
	host = strings.Map(func(r rune) rune {
		if r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, host)
	if len(host) > 32 {
		host = host[:32]
	}
	if host == "" {
		return "hub-" + randomHex(4)
	}
	return "hub-" + host + "-" + randomHex(4)
}

// randomHex is n random bytes in hex.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func checkServerName(name, where string) (string, error) {
	if name == "" || strings.ContainsAny(name, " \t\r\n") {
		return "", fmt.Errorf("jetlog: %s: %q is not a server name (empty or with spaces)", where, name)
	}
	return name, nil
}
