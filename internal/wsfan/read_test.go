package wsfan

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"
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

// TestReadAllIsIOReadAll: readAll returns what io.ReadAll does, in a slice as long as the message
// and of its own (a later read does not change an earlier result), through readers that return
// a byte at a time, half of what is asked, or fail midway.
func TestReadAllIsIOReadAll(t *testing.T) {
	t.Parallel()
	var kept [][]byte
	for _, size := range []int{0, 1, 860, scratchSize - 1, scratchSize, scratchSize + 1, scratchKept + 1, 200_000} {
		msg := bytes.Repeat([]byte{byte(size)}, size)
		for name, wrap := range map[string]func(io.Reader) io.Reader{
			"whole": func(r io.Reader) io.Reader { return r }, "one byte": iotest.OneByteReader,
			"half": iotest.HalfReader, "failing": func(r io.Reader) io.Reader {
				return io.MultiReader(r, iotest.ErrReader(errors.New("cut")))
			},
		} {
			want, wantErr := io.ReadAll(wrap(bytes.NewReader(msg)))
			got, err := readAll(wrap(bytes.NewReader(msg)))
			if !bytes.Equal(got, want) || fmt.Sprint(err) != fmt.Sprint(wantErr) {
				t.Fatalf("%d bytes, %s: %d bytes and %v, want %d and %v", size, name, len(got), err, len(want), wantErr)
			}
			if len(got) != cap(got) {
				t.Errorf("%d bytes, %s: cap %d", size, name, cap(got))
			}
			kept = append(kept, got)
		}
	}
	for _, k := range kept {
		for _, c := range k {
			if c != byte(len(k)) {
				t.Fatalf("a result of %d bytes was changed by a later read", len(k))
			}
		}
	}
}
