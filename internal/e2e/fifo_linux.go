package e2e

import (
	"os"

	"golang.org/x/sys/unix"
)

// Unread is how many bytes written to the pipe f (a FIFO's write end) its reader has not read yet.
func Unread(f *os.File) (int, error) { return unix.IoctlGetInt(int(f.Fd()), unix.TIOCINQ) }
