//go:build unix

package cmd

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
)

// lockDir takes the data directory for this hub alone (a lock file the system releases when the
// process ends, however it ends); the returned function releases it.
func lockDir(dir string) (func(), error) {
	f, err := os.OpenFile(filepath.Join(dir, "hub.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, errors.New("in use by another hub (each hub needs a --data of its own)")
		}
		return nil, err
	}
	return func() { f.Close() }, nil
}
