package sshserve

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// hostKeyName is the host key's file name under the state directory.
const hostKeyName = "ssh_host_ed25519_key"

// DefaultHostKeyPath returns where the host key lives unless --host-key says otherwise:
// $XDG_STATE_HOME/deskwatch/ssh_host_ed25519_key, or ~/.local/state/deskwatch/... when
// XDG_STATE_HOME is unset. getenv is injected so tests never look at the real home directory.
func DefaultHostKeyPath(getenv func(string) string) (string, error) {
	if dir := getenv("XDG_STATE_HOME"); filepath.IsAbs(dir) {
		return filepath.Join(dir, "deskwatch", hostKeyName), nil
	}
	home := getenv("HOME")
	if home == "" {
		return "", errors.New("no HOME or XDG_STATE_HOME to keep the host key in: give --host-key FILE")
	}
	return filepath.Join(home, ".local", "state", "deskwatch", hostKeyName), nil
}

// loadHostKey reads the host key at path, or generates an ed25519 key there (mode 0600, in a
// directory created with mode 0700) when the file does not exist, so clients see the same host key
// on every start. created reports a new key.
func loadHostKey(path string) (signer gossh.Signer, created bool, err error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		data, err = createHostKey(path)
		created = true
	}
	if err != nil {
		return nil, false, fmt.Errorf("host key %s: %w", path, err)
	}
	if !created {
		// Like sshd, refuse a private key others can read: it would let them impersonate the server.
		st, err := os.Stat(path)
		if err != nil {
			return nil, false, fmt.Errorf("host key %s: %w", path, err)
		}
		if st.Mode().Perm()&0o077 != 0 {
			return nil, false, fmt.Errorf("host key %s is readable by others (mode %04o): chmod 600 it",
				path, st.Mode().Perm())
		}
	}
	signer, err = gossh.ParsePrivateKey(data)
	if err != nil {
		return nil, false, fmt.Errorf("host key %s: %w", path, err)
	}
	return signer, created, nil
}

// createHostKey writes a new ed25519 key in OpenSSH format. O_EXCL makes two servers starting at
// once agree on one key instead of overwriting each other's.
func createHostKey(path string) ([]byte, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create directory: %w", err)
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate: %w", err)
	}
	block, err := gossh.MarshalPrivateKey(priv, "deskwatch host key")
	if err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	data := pem.EncodeToMemory(block)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return nil, fmt.Errorf("write: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("write: %w", err)
	}
	return data, nil
}

// authorizedKeys is the set of public keys allowed to log in, read from an authorized_keys file.
// The file is stat'ed on every login attempt and re-read when it changed, so removing a key takes
// effect on the next connection without a restart; Reload forces a re-read (SIGUSR1).
type authorizedKeys struct {
	path string
	log  *slog.Logger

	mu      sync.Mutex
	info    fs.FileInfo           // the file as last read, to notice changes
	keys    map[string][]keyEntry // wire-format public key: its usable lines
	refused map[string]string     // wire-format public key: why its lines were refused
}

// newAuthorizedKeys reads path once; a missing or unreadable file at start is an error (at run
// time it only empties the set).
func newAuthorizedKeys(path string, log *slog.Logger) (*authorizedKeys, error) {
	a := &authorizedKeys{path: path, log: log}
	if err := a.Reload(); err != nil {
		return nil, err
	}
	if len(a.keys) == 0 {
		log.Warn("authorized keys file lists no usable key: nobody can log in", "file", path)
	}
	return a, nil
}

// Reload re-reads the file. On failure no key is allowed: a file being rewritten or removed must
// never leave a revoked key usable.
func (a *authorizedKeys) Reload() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.reloadLocked()
}

func (a *authorizedKeys) reloadLocked() error {
	a.keys, a.refused, a.info = nil, nil, nil
	info, err := os.Stat(a.path)
	if err != nil {
		return fmt.Errorf("authorized keys: %w", err)
	}
	data, err := os.ReadFile(a.path)
	if err != nil {
		return fmt.Errorf("authorized keys: %w", err)
	}
	a.info = info
	a.keys, a.refused = parseAuthorizedKeys(data, a.path, a.log)
	a.log.Info("authorized keys loaded", "file", a.path, "keys", len(a.keys))
	return nil
}

// Allowed reports whether key may log in from addr, re-reading the file first if it changed.
// When it may not, why says so for the log.
func (a *authorizedKeys) Allowed(key gossh.PublicKey, addr net.Addr) (ok bool, why string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	info, err := os.Stat(a.path)
	changed := err != nil || a.info == nil || !os.SameFile(info, a.info) ||
		!info.ModTime().Equal(a.info.ModTime()) || info.Size() != a.info.Size()
	if changed {
		if err := a.reloadLocked(); err != nil {
			a.log.Error("authorized keys unreadable: refusing every key", "err", err)
			return false, "the authorized keys file is unreadable"
		}
	}
	wire := string(key.Marshal())
	entries := a.keys[wire]
	if len(entries) == 0 {
		if why, ok := a.refused[wire]; ok {
			return false, why
		}
		return false, "not in " + a.path
	}
	// Like sshd, any one line that lets the key in is enough.
	now := time.Now()
	var whys []string
	for _, e := range entries {
		why := e.admits(addr, now)
		if why == "" {
			return true, ""
		}
		whys = append(whys, why)
	}
	return false, strings.Join(whys, "; ")
}

// parseAuthorizedKeys reads OpenSSH authorized_keys lines into the usable entries of each key.
// A line that does not parse is skipped with a warning. A line with options is kept when
// deskwatch can honour them (from=, expiry-time=) or they concern what it never offers
// (restrict, no-port-forwarding, ...); a line whose options it cannot honour (command=, no-pty,
// cert-authority, anything unknown) is refused with a warning and its reason kept for the log of
// a login attempt, since granting the key without its restriction would give more than meant.
func parseAuthorizedKeys(data []byte, path string, log *slog.Logger) (map[string][]keyEntry, map[string]string) {
	keys, refused := map[string][]keyEntry{}, map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		where := fmt.Sprintf("%s:%d", path, n)
		key, _, options, _, err := gossh.ParseAuthorizedKey(line)
		if err != nil {
			log.Warn("authorized keys: skipping a line that does not parse", "where", where, "err", err)
			continue
		}
		wire := string(key.Marshal())
		entry, err := parseKeyOptions(where, options)
		if err != nil {
			log.Warn("authorized keys: refusing a key whose options deskwatch cannot honour",
				"where", where, "key", gossh.FingerprintSHA256(key), "err", err)
			refused[wire] = where + ": " + err.Error()
			continue
		}
		keys[wire] = append(keys[wire], entry)
	}
	return keys, refused
}
