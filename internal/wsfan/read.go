package wsfan

import (
	"bytes"
	"errors"
	"io"
)

// ErrTooLong is returned by ReadMessage for a message that went on past the most it reads.
var ErrTooLong = errors.New("message too long to discard")

// ReadMessage reads one message from r. One of at most limit bytes is returned whole. Of a larger
// one the first keep bytes are kept, in a slice of their own, and the rest is read and
// discarded, so that the connection can go on with the next message; past most bytes in all (when
// most > 0) it stops reading with ErrTooLong. It returns what it kept and how many bytes it read,
// also with an error.
func ReadMessage(r io.Reader, limit, keep, most int64) ([]byte, int64, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
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
