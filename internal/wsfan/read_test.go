package wsfan

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestReadMessage(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name              string
		msg               string
		limit, keep, most int64
		want              string
		n                 int64
		err               error
	}{
		{"whole", "hello", 5, 2, 0, "hello", 5, nil},
		{"empty", "", 5, 2, 0, "", 0, nil},
		{"oversized keeps its head", "hello world", 5, 3, 0, "hel", 11, nil},
		{"oversized keeps more than the limit", "hello world", 5, 8, 0, "hello wo", 11, nil},
		{"discarded up to most", "hello world", 5, 3, 11, "hel", 11, nil},
		{"past most", "hello world!", 5, 3, 11, "hel", 12, ErrTooLong},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data, n, err := ReadMessage(strings.NewReader(tc.msg), tc.limit, tc.keep, tc.most)
			if string(data) != tc.want || n != tc.n || !errors.Is(err, tc.err) {
				t.Errorf("ReadMessage = %q, %d, %v; want %q, %d, %v", data, n, err, tc.want, tc.n, tc.err)
			}
		})
	}
}

// failing returns its text, then fails.
type failing struct{ r io.Reader }

var errBroken = errors.New("broken")

func (f failing) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err == io.EOF {
		return n, errBroken
	}
	return n, err
}

func TestReadMessageFailingMidwayKeepsWhatItRead(t *testing.T) {
	t.Parallel()
	data, n, err := ReadMessage(failing{strings.NewReader("hello world")}, 5, 3, 0)
	if !errors.Is(err, errBroken) || string(data) != "hel" || n != 11 {
		t.Errorf("oversized: %q, %d, %v", data, n, err)
	}
	data, n, err = ReadMessage(failing{strings.NewReader("hey")}, 5, 3, 0)
	if !errors.Is(err, errBroken) || string(data) != "hey" || n != 3 {
		t.Errorf("small: %q, %d, %v", data, n, err)
	}
}

// FuzzReadMessage checks what ReadMessage keeps and counts against the message it read.
func FuzzReadMessage(f *testing.F) {
	f.Add([]byte("hello"), uint8(5), uint8(2), uint8(0))
	f.Add([]byte("hello world"), uint8(5), uint8(3), uint8(11))
	f.Add([]byte("hello world!"), uint8(5), uint8(8), uint8(11))
	f.Fuzz(func(t *testing.T, msg []byte, limit, keep, most uint8) {
		data, n, err := ReadMessage(bytes.NewReader(msg), int64(limit), int64(keep), int64(most))
		size := int64(len(msg))
		switch {
		case size <= int64(limit):
			if err != nil || n != size || !bytes.Equal(data, msg) {
				t.Fatalf("a message within the limit: %q, %d, %v", data, n, err)
			}
		case most > 0 && size > int64(max(most, limit)):
			if !errors.Is(err, ErrTooLong) {
				t.Fatalf("%d bytes past most %d: err %v", size, most, err)
			}
		default:
			if err != nil || n != size {
				t.Fatalf("an oversized message: %d, %v; want %d", n, err, size)
			}
			if !bytes.Equal(data, msg[:min(int64(keep), size)]) {
				t.Fatalf("kept %q of %q (keep %d)", data, msg, keep)
			}
		}
	})
}
