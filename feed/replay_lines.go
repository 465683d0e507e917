package feed

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
)

// line is one line of input.
type line struct {
	// text is the line without its ending or a leading BOM; a line longer than the reader keeps is
	// cut to a prefix. It is valid until the next read.
	text []byte
	// size is the bytes consumed including the line ending; length is the line's full length
	// without the ending (it may exceed len(text)).
	size, length int64
	// partial marks a last line with no '\n'.
	partial bool
	// offset is where the line starts in the file (ReplayOptions.Offset plus the bytes read before).
	offset int64
}

// lineReader reads lines of any length from a bufio.Reader without bufio.Scanner's fixed limit: a
// line longer than the buffer is gathered up to keep(first fragment) bytes and the rest is skipped.
type lineReader struct {
	br   *bufio.Reader
	keep func(first []byte) int
	buf  []byte
	n    int64 // lines read, plus the first line's number less one
	// first is the number of the first line (a BOM is looked for there only when it is 1); off is
	// the file offset of the next line.
	first, off int64
}

// newLineReader reads r's input, keeping of a long line what r allows for it.
func (r *Replay) newLineReader() *lineReader {
	return &lineReader{br: bufio.NewReaderSize(r.in, replayBufSize), n: r.firstLine - 1, first: r.firstLine,
		off: r.offset, keep: func(first []byte) int {
			// Room for "\r\n", so that a line exactly at the limit is whole, and for the snippet of a
			// line over it.
			return max(r.allowed(first), snippetSize) + 2
		}}
}

// readEnd ends Run at err from reading line n, the input read up to pos: nil at the end of the
// input, else the read error naming the file and line.
func (r *Replay) readEnd(err error, n, pos int64) error {
	if err == io.EOF {
		r.finish(pos, StateDone, "")
		return nil
	}
	err = fmt.Errorf("replay %s: read line %d: %w", r.name, n, err)
	r.finish(pos, StateFailed, err.Error())
	return err
}

func (lr *lineReader) next() (line, error) {
	frag, err := lr.br.ReadSlice('\n')
	ln := line{size: int64(len(frag)), text: frag, offset: lr.off}
	var tail [2]byte // the line's last two bytes, to find its ending even when the text is cut
	switch len(frag) {
	case 0:
	case 1:
		tail[1] = frag[0]
	default:
		tail = [2]byte{frag[len(frag)-2], frag[len(frag)-1]}
	}
	if err == bufio.ErrBufferFull {
		ln.text, tail, err = lr.long(frag, &ln.size)
	}
	switch {
	case err == io.EOF && ln.size == 0:
		return ln, io.EOF
	case err == io.EOF:
		ln.partial = true
	case err != nil:
		return ln, err
	}
	lr.n++
	lr.off += ln.size
	ln.length = ln.size
	switch {
	case ln.partial && tail[1] == '\r':
		ln.length--
	case !ln.partial && tail[0] == '\r' && ln.size >= 2:
		ln.length -= 2
	case !ln.partial:
		ln.length--
	}
	if lr.first == 1 && lr.n == 1 && bytes.HasPrefix(ln.text, []byte(utf8BOM)) {
		ln.text, ln.length = ln.text[len(utf8BOM):], ln.length-int64(len(utf8BOM))
	}
	ln.text = ln.text[:min(int64(len(ln.text)), max(ln.length, 0))]
	return ln, nil
}

// long gathers a line longer than the buffer, keeping at most keep(first) bytes; it returns what it
// kept, the line's last two bytes, and the error that ended the line (nil after a '\n').
func (lr *lineReader) long(first []byte, size *int64) ([]byte, [2]byte, error) {
	keep := lr.keep(first)
	lr.buf = append(lr.buf[:0], first[:min(len(first), keep)]...)
	tail := [2]byte{first[len(first)-2], first[len(first)-1]}
	for {
		frag, err := lr.br.ReadSlice('\n')
		*size += int64(len(frag))
		if room := keep - len(lr.buf); room > 0 {
			lr.buf = append(lr.buf, frag[:min(room, len(frag))]...)
		}
		switch len(frag) {
		case 0:
		case 1:
			tail = [2]byte{tail[1], frag[0]}
		default:
			tail = [2]byte{frag[len(frag)-2], frag[len(frag)-1]}
		}
		if err != bufio.ErrBufferFull {
			if cap(lr.buf) > 8*replayBufSize {
				defer func() { lr.buf = nil }() // do not hold a huge buffer for the rest of the file
			}
			return lr.buf, tail, err
		}
	}
}
