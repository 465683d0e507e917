//go:build !linux

package e2e

import (
	"errors"
	"os"
)

// Unread is how many bytes written to the pipe f its reader has not read yet: known on Linux only.
func Unread(*os.File) (int, error) { return 0, errors.ErrUnsupported }
