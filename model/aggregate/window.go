package aggregate

// maxWindow is the maximum of a value over a sliding window of records that
// leave in the order they arrived (a monotonic deque): amortised O(1) per
// push and pop, and exact, where a running max could never go back down.
type maxWindow struct {
	// buf is a ring of candidates, values decreasing from the front; its
	// size is a power of two, so positions wrap with a mask.
	buf            []stamp
	head, n        int
	added, evicted uint64 // records pushed and popped so far
}

type stamp struct {
	idx uint64 // arrival index of the record
	v   uint32
}

// push adds the next record; a record without the value (ok false) still
// takes its place in arrival order.
func (w *maxWindow) push(v uint32, ok bool) {
	idx := w.added
	w.added++
	if !ok {
		return
	}
	mask := len(w.buf) - 1
	for w.n > 0 && w.buf[(w.head+w.n-1)&mask].v <= v {
		w.n--
	}
	if w.n == len(w.buf) {
		nb := make([]stamp, max(4, 2*len(w.buf)))
		for i := 0; i < w.n; i++ {
			nb[i] = w.buf[(w.head+i)&mask]
		}
		w.buf, w.head = nb, 0
		mask = len(nb) - 1
	}
	w.buf[(w.head+w.n)&mask] = stamp{idx, v}
	w.n++
}

// pop removes the oldest record.
func (w *maxWindow) pop() {
	if w.n > 0 && w.buf[w.head].idx == w.evicted {
		w.head = (w.head + 1) & (len(w.buf) - 1)
		w.n--
	}
	w.evicted++
}

// max is the largest value among the records in the window.
func (w *maxWindow) max() (uint32, bool) {
	if w.n == 0 {
		return 0, false
	}
	return w.buf[w.head].v, true
}
