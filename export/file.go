package export

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// WriteFile writes a new file named name in dir with write (rows, or a view of figures, in a
// format) and returns its path. The file appears complete or not at all: write's output goes to a
// temporary file in dir (".NAME.*.tmp"), which is linked to its name only once everything was
// written and closed, and removed otherwise. It fails, and leaves what is there alone, if a file
// of that name exists.
func WriteFile(dir, name string, write func(io.Writer) error) (path string, err error) {
	if dir == "" {
		dir = "."
	}
	path = filepath.Join(dir, name)
	f, err := os.CreateTemp(dir, "."+name+".*.tmp")
	if err != nil {
		return path, err
	}
	tmp := f.Name()
	defer func() {
		if rerr := os.Remove(tmp); err == nil && rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
			err = rerr
		}
	}()
	bw := bufio.NewWriterSize(f, 64<<10)
	err = write(bw)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = f.Chmod(0o644)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return path, err
	}
	return path, publish(tmp, path)
}

// publish gives the finished temporary file its name, refusing to replace a file: a hard link
// where the file system has them (atomic and exclusive), else a rename after checking.
func publish(tmp, path string) error {
	err := os.Link(tmp, path)
	if err == nil || errors.Is(err, fs.ErrExist) {
		return err
	}
	if _, serr := os.Lstat(path); serr == nil {
		return fmt.Errorf("%s: %w", path, fs.ErrExist)
	}
	return os.Rename(tmp, path)
}
