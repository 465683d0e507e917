package wsfan

import (
	"bytes"
	"errors"
	"io"
	"sync"
)

// ErrTooLong is returned by ReadMessage for a message that went on past the most it reads.
var ErrTooLong = errors.New("message too long to discard")

// ReadMessage reads one message from r. One of at most limit bytes is returned whole. Of a larger
// one the first keep bytes are kept, in a slice of their own, and the rest is read and
// discarded, so that the connection can go on with the next message; past most bytes in all (when
// most > 0) it stops reading with ErrTooLong. It returns what it kept and how many bytes it read,
// also with an error.
func ReadMessage(r io.Reader, limit, keep, most int64) ([]byte, int64, error) {
	data, err := readAll(io.LimitReader(r, limit+1))
	n := int64(len(data))
	if err != nil || n <= limit {
		return data, n, err
	}
	if keep > n {
		more, err := io.ReadAll(io.LimitReader(r, keep-n))
		data = append(data, more...)
		n += int64(len(more))
		if err != nil {
			return cut(data, keep), n, err
		}
	}
	data = cut(data, keep)
	var rest int64
	if most > 0 {
		rest, err = io.Copy(io.Discard, io.LimitReader(r, most-n+1))
	} else {
		rest, err = io.Copy(io.Discard, r)
	}
	n += rest
	if err == nil && most > 0 && n > most {
		err = ErrTooLong
	}
	return data, n, err
}

func cut(data []byte, keep int64) []byte {
	if int64(len(data)) > keep {
		return bytes.Clone(data[:keep])
	}
	return data
}

// Messages are read into a scratch buffer and copied out at their size: io.ReadAll's growing
// buffer allocates twice and half again as much for a message of a kilobyte, the size of a
// bridge's typical event, thousands of which a hub reads a second. A scratch buffer that grew
// past scratchKept for a large message is left to the collector.
const (
	scratchSize = 4 << 10
	scratchKept = 64 << 10
)

var scratch = sync.Pool{New: func() any { return bytes.NewBuffer(make([]byte, 0, scratchSize)) }}

// readAll is io.ReadAll, its result in a slice of its own, as long as what was read.
func readAll(r io.Reader) ([]byte, error) {
	buf := scratch.Get().(*bytes.Buffer)
	buf.Reset()
	_, err := buf.ReadFrom(r)
	data := append(make([]byte, 0, buf.Len()), buf.Bytes()...)
	if buf.Cap() <= scratchKept {
		scratch.Put(buf)
	}
	return data, err
}
