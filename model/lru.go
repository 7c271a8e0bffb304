package model

// lru is a bounded map that forgets the least recently used key when full,
// so caches keyed by what the input names (origins, header lines) follow
// the input's working set, not its history. Not safe for concurrent use.
type lru[K comparable, V any] struct {
	max   int
	items map[K]*lruItem[K, V]
	head  lruItem[K, V] // sentinel: head.next is the most recent
}

type lruItem[K comparable, V any] struct {
	key        K
	val        V
	prev, next *lruItem[K, V]
}

func newLRU[K comparable, V any](max int) *lru[K, V] {
	l := &lru[K, V]{max: max, items: make(map[K]*lruItem[K, V])}
	l.head.prev, l.head.next = &l.head, &l.head
	return l
}

func (l *lru[K, V]) unlink(it *lruItem[K, V]) {
	it.prev.next, it.next.prev = it.next, it.prev
}

func (l *lru[K, V]) front(it *lruItem[K, V]) {
	it.prev, it.next = &l.head, l.head.next
	l.head.next.prev = it
	l.head.next = it
}

// get returns the value of k and marks it most recently used.
func (l *lru[K, V]) get(k K) (V, bool) {
	it, ok := l.items[k]
	if !ok {
		var zero V
		return zero, false
	}
	return l.touch(it), true
}

// touch marks an item most recently used and returns its value.
func (l *lru[K, V]) touch(it *lruItem[K, V]) V {
	if l.head.next != it {
		l.unlink(it)
		l.front(it)
	}
	return it.val
}

// put sets k to v; it returns the value forgotten to make room, if any.
func (l *lru[K, V]) put(k K, v V) (evicted V, ok bool) {
	if it, found := l.items[k]; found {
		it.val = v
		l.unlink(it)
		l.front(it)
		return evicted, false
	}
	if len(l.items) >= l.max {
		old := l.head.prev
		l.unlink(old)
		delete(l.items, old.key)
		evicted, ok = old.val, true
	}
	it := &lruItem[K, V]{key: k, val: v}
	l.items[k] = it
	l.front(it)
	return evicted, ok
}

func (l *lru[K, V]) len() int { return len(l.items) }

// remove forgets k.
func (l *lru[K, V]) remove(k K) {
	if it, ok := l.items[k]; ok {
		l.unlink(it)
		delete(l.items, k)
	}
}
