package feed

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// The recording format. A recording is a JSON Lines file that Replay plays back to the same store
// contents and the same rejections as the live session:
//
//   - A message that is a valid single-line JSON object, that the source found no problem with, and
//     that has no top-level "recv" of its own, is written as received with its receive time spliced
//     in as the object's first member: {"recv":MS, then the message after its '{'. The object stays
//     an event (unknown top-level members are ignored), so a recording of clean traffic is itself an
//     event file. Replay takes the member back off, so the message it emits is the one received.
//   - Anything else (not JSON, not an object, more than one line, binary, too large, invalid UTF-8,
//     a problem found by the source, or a "recv" of its own) is written as a wrapper line that
//     begins exactly with {"deskwatch.recorded":1 and holds: "recv" the receive time (Unix
//     milliseconds), "conn" and "msg" (the network origin, 0 when none), "line" (the original line
//     of a replayed file, when there was one), the message as "raw" (a JSON string) or as "raw_b64"
//     (standard base64: for a binary frame, invalid UTF-8, or a message over recordRawMax), "binary"
//     for a binary frame, "size" the message's full length when only its first bytes were kept (a
//     rejected message of which a WebSocket keeps OversizePrefix; a replay rejects such a line,
//     saying so), "problem" the source's reason for rejecting it, and "partial" for a file's
//     truncated last line.
//   - Closing the recording writes an end line, {"deskwatch.recorded":1,"recv":MS,"end":true}: not a
//     message, but the time the recording ended, where a replay's clock stops. A killed process
//     leaves none.
//
// Replay recognises a wrapper by that opening (whitespace allowed), so a live message that happens
// to start the same way is itself wrapped.
const (
	recordedKey = `"deskwatch.recorded"`
	// recvKey opens a plain event's spliced receive time.
	recvKey = `{"recv":`
	// recordRawMax is the largest message a wrapper holds as a JSON string; a larger one is base64,
	// whose growth (4/3) is known, where escaping could grow it six times.
	recordRawMax = 1 << 20
	// recordBufSize is the recorder's write buffer; flushEvery bounds how much a killed process loses.
	recordBufSize = 64 << 10
	flushEvery    = time.Second
)

// Recorder writes every message a Pump sees, valid or not, to a file in the recording format above.
// Use its Record method as a pump tap. Writes are buffered and flushed at least once a second and on
// Close, so a killed process loses at most the last second and leaves at most one truncated line,
// which a replay reports and passes over. It is safe for concurrent use.
type Recorder struct {
	path string

	mu      sync.Mutex
	f       *os.File
	w       *bufio.Writer
	timer   *time.Timer
	armed   bool
	closed  bool
	err     error
	closeEr error
	scratch []byte
}

// NewRecorder creates the recording at path, readable only by its owner since recordings hold
// customer data. A file already there is never written over: it may be an earlier recording, or
// the very file being replayed (which truncating would erase before it is read). A path that is no
// file (a pipe, /dev/stdout) is written to as it is.
func NewRecorder(path string) (*Recorder, error) {
	f, err := CreateNew(path, "a recording")
	if err != nil {
		return nil, err
	}
	r := &Recorder{path: path, f: f, w: bufio.NewWriterSize(f, recordBufSize)}
	r.timer = time.AfterFunc(time.Hour, r.tick)
	r.timer.Stop()
	return r, nil
}

// CreateNew creates the file at path for what (as "a recording"), readable only by its owner, since
// what deskwatch writes of a stream holds customer data. It never writes over a file that exists (an
// earlier recording, the very file being replayed, a day's simulated events) and refuses a
// directory, each with an error that says what to do. A path that is no file (a named pipe,
// /dev/stdout) is opened as it is.
func CreateNew(path, what string) (*os.File, error) {
	exists := fmt.Errorf("%s exists; %s never replaces a file: remove it, or name another", path, what)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if errors.Is(err, fs.ErrExist) {
		// Something is there: it is written to only if what was opened (not what a check saw
		// before, which a link swapped after would escape) is no regular file. Opening without
		// O_TRUNC changes nothing of a file refused.
		f, err = os.OpenFile(path, os.O_WRONLY, 0)
		if err == nil {
			if st, serr := f.Stat(); serr != nil || st.Mode().IsRegular() {
				f.Close()
				return nil, exists
			}
		}
	}
	switch {
	case err == nil:
		return f, nil
	case errors.Is(err, syscall.EISDIR):
		return nil, fmt.Errorf("%s is a directory; %s is written to a file: name one", path, what)
	}
	return nil, fmt.Errorf("create %s: %w", what, err)
}

// Record appends m to the recording. Its signature matches Emit, so that pump.Tap(rec.Record) works.
// After a write error, or after Close, it drops messages; Err reports the first error.
func (r *Recorder) Record(m Message) {
	plain := isPlainEvent(m)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed || r.err != nil {
		return
	}
	var err error
	if plain {
		err = r.writePlain(m)
	} else {
		r.scratch = appendWrapped(r.scratch[:0], m)
		_, err = r.w.Write(r.scratch)
		if cap(r.scratch) > 4*recordBufSize {
			r.scratch = nil // one huge message should not pin its buffer for the whole session
		}
	}
	if err != nil {
		r.err = fmt.Errorf("record %s: %w", r.path, err)
		return
	}
	if !r.armed {
		r.armed = true
		r.timer.Reset(flushEvery)
	}
}

// writePlain writes a valid event with its receive time spliced in; r.mu is held.
func (r *Recorder) writePlain(m Message) error {
	if !m.Received.IsZero() {
		r.scratch = strconv.AppendInt(append(r.scratch[:0], recvKey...), m.Received.UnixMilli(), 10)
		rest := m.Data[1:]
		if string(rest) != "}" {
			r.scratch = append(r.scratch, ',')
		}
		if _, err := r.w.Write(r.scratch); err != nil {
			return err
		}
		m.Data = rest
	}
	if _, err := r.w.Write(m.Data); err != nil {
		return err
	}
	return r.w.WriteByte('\n')
}

// tick flushes what was buffered in the last second.
func (r *Recorder) tick() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.armed = false
	if r.closed || r.err != nil {
		return
	}
	if err := r.w.Flush(); err != nil {
		r.err = fmt.Errorf("record %s: %w", r.path, err)
	}
}

// Close ends the recording now: see CloseAt.
func (r *Recorder) Close() error { return r.CloseAt(time.Now()) }

// CloseAt writes the end line with the time end, flushes and closes the recording. A replay's clock
// stops at end, so that interactions still open then have the durations they had when the recording
// ended (--print passes the instant its own table is computed at). It is safe to call more than
// once; later calls return the first call's result.
func (r *Recorder) CloseAt(end time.Time) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return r.closeEr
	}
	r.closed = true
	r.timer.Stop()
	var errs []error
	if r.err == nil {
		r.scratch = strconv.AppendInt(append(r.scratch[:0], `{`+recordedKey+`:1,"recv":`...), end.UnixMilli(), 10)
		_, err := r.w.Write(append(r.scratch, `,"end":true}`+"\n"...))
		if err == nil {
			err = r.w.Flush()
		}
		if err != nil {
			r.err = fmt.Errorf("record %s: %w", r.path, err)
		}
	}
	errs = append(errs, r.err)
	if err := r.f.Close(); err != nil {
		errs = append(errs, fmt.Errorf("close recording %s: %w", r.path, err))
	}
	r.closeEr = errors.Join(errs...)
	return r.closeEr
}

// Err returns the first write error, if any.
func (r *Recorder) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}
