package hub

import (
	"errors"
	"io"
)

// Reading a bridge's message holds its bytes, and up to twice as much again while the buffer grows
// and the message is copied out at its size. A bridge's usual event is a few KB; each connection
// reads the first readFree bytes of a message freely, and a message that goes on past them goes on
// only within a budget of messages read at once (readBytes, at least one --max-message): two
// thousand bridges sending 16 MiB messages at once would otherwise make the hub hold 32 GB. The
// budget is reserved whole (--max-message) at once, so that a connection waiting for it holds none
// of it, and the message's time (--message-timeout) runs again from when the hub reads on.
const (
	readFree  = 64 << 10
	readBytes = 64 << 20
)

// errReadStopped is a read that waited for the budget until the hub closed the connection.
var errReadStopped = errors.New("closed by the hub while waiting to read a large message")

// budgetedRead is one message's reader: past readFree bytes it reserves the read budget (reserve)
// before it reads on; held is what it reserved, for the caller to release once the message is
// handled.
type budgetedRead struct {
	r       io.Reader
	read    int64
	held    int64
	reserve func() (int64, bool)
}

func (br *budgetedRead) Read(p []byte) (int, error) {
	if br.held == 0 {
		if br.read >= readFree {
			n, ok := br.reserve()
			if !ok {
				return 0, errReadStopped
			}
			br.held = n
		} else if free := readFree - br.read; int64(len(p)) > free {
			p = p[:free] // stop at readFree, to reserve before reading on
		}
	}
	n, err := br.r.Read(p)
	br.read += int64(n)
	return n, err
}

// readerFor returns the reader of b's next message, r, within the read budget.
func (h *Hub) readerFor(b *bridgeConn, r io.Reader, arriving func()) *budgetedRead {
	return &budgetedRead{r: r, reserve: func() (int64, bool) {
		n := min(int64(h.cfg.MaxMessage), h.reads.size)
		if !h.reads.acquire(b.closer.Done(), n) {
			return 0, false
		}
		arriving()
		return n, true
	}}
}

// doneReading releases what br reserved of the read budget.
func (h *Hub) doneReading(br *budgetedRead) {
	if br.held > 0 {
		h.reads.release(br.held)
		br.held = 0
	}
}
