package travel

// deque is a ring buffer of records, oldest first, that grows by doubling and never moves what it
// keeps when the oldest go: the live history appends one a message and drops from the front.
type deque struct {
	buf  []rec // len is a power of two, or 0
	head int
	n    int
}

func (d *deque) len() int { return d.n }

// at is the i-th kept record, 0 the oldest.
func (d *deque) at(i int) *rec { return &d.buf[(d.head+i)&(len(d.buf)-1)] }

func (d *deque) push(r rec) {
	if d.n == len(d.buf) {
		grown := make([]rec, max(2*len(d.buf), 1024))
		d.copyOut(grown, 0)
		d.buf, d.head = grown, 0
	}
	*d.at(d.n) = r
	d.n++
}

// drop forgets the k oldest records.
func (d *deque) drop(k int) {
	for i := range k {
		*d.at(i) = rec{}
	}
	d.head = (d.head + k) & (len(d.buf) - 1)
	d.n -= k
}

// copyOut copies the records from the from-th on into dst, as many as fit, and says how many.
func (d *deque) copyOut(dst []rec, from int) int {
	k := min(len(dst), d.n-from)
	if k <= 0 {
		return 0
	}
	start := (d.head + from) & (len(d.buf) - 1)
	done := copy(dst[:k], d.buf[start:])
	copy(dst[done:k], d.buf)
	return k
}
