package wsfan

import (
	"encoding/binary"
	"sync"
	"time"
)

// A server's frames to a client are not masked (RFC 6455, 5.1), so a message framed once is the
// same bytes on every connection that is not compressed (no deskwatch server offers
// compression): Frame makes them, and a Subscriber's writer gathers the frames of the messages
// waiting for it into one write (WriteFrame, flushed by Drain when its queue is empty), rather than
// a system call for each message. Under load, a monitor that fell a few messages behind catches up
// in one write.

// batchBytes is the most a subscriber gathers before it writes; a frame this large or larger is
// written alone.
const batchBytes = 64 << 10

// Frame returns data as one final text frame from a server.
func Frame(data []byte) []byte {
	var head [10]byte
	head[0] = 0x81 // FIN, text
	n := 2
	switch l := len(data); {
	case l < 126:
		head[1] = byte(l)
	case l <= 0xffff:
		head[1] = 126
		binary.BigEndian.PutUint16(head[2:], uint16(l))
		n = 4
	default:
		head[1] = 127
		binary.BigEndian.PutUint64(head[2:], uint64(l))
		n = 10
	}
	f := make([]byte, n+len(data))
	copy(f, head[:n])
	copy(f[n:], data)
	return f
}

// batches holds the buffers subscribers gather frames in between two writes, so an idle
// subscriber holds none.
var batches = sync.Pool{New: func() any { b := make([]byte, 0, batchBytes); return &b }}

// WriteFrame sends a frame made by Frame: it joins the frames gathered for the next write (written
// when Drain finds the queue empty, at batchBytes, or at Flush), unless the subscription has
// stopped. Call it from the subscriber's writer only.
func (s *Subscriber[M]) WriteFrame(frame []byte) error {
	if len(s.batch)+len(frame) > batchBytes {
		if err := s.Flush(); err != nil {
			return err
		}
		if len(frame) >= batchBytes {
			return s.writeRaw(frame)
		}
	}
	if s.batch == nil {
		s.batch = (*batches.Get().(*[]byte))[:0]
	}
	s.batch = append(s.batch, frame...)
	return nil
}

// Flush writes the frames gathered by WriteFrame.
func (s *Subscriber[M]) Flush() error {
	if s.batch == nil {
		return nil
	}
	err := s.writeRaw(s.batch)
	b := s.batch[:0]
	s.batch = nil
	batches.Put(&b)
	return err
}

// writeRaw writes b to the connection within WriteWait, unless the subscription has stopped. It is
// one Write, whole frames: the net package (and crypto/tls) never interleaves another goroutine's
// write with it, so gorilla's close frame or a ping lands between two frames, never inside one.
// (gorilla's SetWriteDeadline is for its own writes: the deadline goes on the net.Conn.)
func (s *Subscriber[M]) writeRaw(b []byte) error {
	if !s.beginWrite() {
		return errStopped
	}
	defer s.endWrite()
	raw := s.conn.NetConn()
	if err := raw.SetWriteDeadline(time.Now().Add(s.cfg.WriteWait)); err != nil {
		return err
	}
	_, err := raw.Write(b)
	return err
}
