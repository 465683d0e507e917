package export

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// WriteFile writes a new file named name in dir with write (rows, or a view of figures, in a
// format) and returns its path. The file appears complete or not at all: write's output goes to a
// temporary file in dir (".NAME.*.tmp"), which is linked to its name only once everything was
// written and closed, and removed otherwise. A file of that name is never replaced: the new one is
// named NAME-2.EXT, NAME-3.EXT, … (two exports in one second), and it fails, saying so, when
// maxNamesTried names are taken.
func WriteFile(dir, name string, write func(io.Writer) error) (path string, err error) {
	if dir == "" {
		dir = "."
	}
	path = filepath.Join(dir, name)
	f, err := os.CreateTemp(dir, "."+name+".*.tmp")
	if pe := (*fs.PathError)(nil); errors.As(err, &pe) { // it named the temporary file, not the folder
		where := dir
		if abs, aerr := filepath.Abs(dir); aerr == nil {
			where = abs // "." says nothing of where the monitor runs
		}
		return path, fmt.Errorf("cannot write a file in %s: %w", where, pe.Err)
	} else if err != nil {
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
	ext := filepath.Ext(path)
	for i := 1; i <= maxNamesTried; i++ {
		p := path
		if i > 1 {
			p = fmt.Sprintf("%s-%d%s", strings.TrimSuffix(path, ext), i, ext)
		}
		if err := publish(tmp, p); !errors.Is(err, fs.ErrExist) {
			return p, err
		}
	}
	return path, fmt.Errorf("%s and %d more names like it are taken by files already there", filepath.Base(path), maxNamesTried-1)
}

// maxNamesTried is how many names WriteFile tries before it gives up.
const maxNamesTried = 100

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
