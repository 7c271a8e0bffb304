package query

import "slices"

// sortLimit returns the first k items in the order cmp gives, ties kept in
// input order: the same as a stable sort then a cut, without sorting every
// item when k is small (sort n desc | limit 20 over 100,000 groups).
func sortLimit[T any](items []T, k int, cmp func(a, b T) int) []T {
	if k >= len(items)/4 {
		slices.SortStableFunc(items, cmp)
		return items[:min(k, len(items))]
	}
	// A max-heap (by cmp, then input position) of the k best so far.
	less := func(i, j int) bool { // i ranks after j
		if c := cmp(items[i], items[j]); c != 0 {
			return c > 0
		}
		return i > j
	}
	h := make([]int, 0, k)
	down := func(i int) {
		for {
			l := 2*i + 1
			if l >= len(h) {
				return
			}
			m := l
			if r := l + 1; r < len(h) && less(h[r], h[l]) {
				m = r
			}
			if !less(h[m], h[i]) {
				return
			}
			h[i], h[m] = h[m], h[i]
			i = m
		}
	}
	for i := range items {
		if len(h) < k {
			h = append(h, i)
			for j := len(h) - 1; j > 0; {
				p := (j - 1) / 2
				if !less(h[j], h[p]) {
					break
				}
				h[j], h[p] = h[p], h[j]
				j = p
			}
			continue
		}
		if less(h[0], i) {
			h[0] = i
			down(0)
		}
	}
	slices.Sort(h)
	out := make([]T, len(h))
	for n, i := range h {
		out[n] = items[i]
	}
	slices.SortStableFunc(out, cmp)
	return out
}
