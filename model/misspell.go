package model

import (
	"fmt"
	"sync"
)

// Misspelling is a name a format gave that flowtail does not know but
// that is one or two keystrokes from a field it does: most likely a typo
// (${srcadr} for ${srcaddr}). The name is still read, as text, because
// AWS adds fields over time; the note is so that a filter on the field
// meant does not silently match nothing.
type Misspelling struct {
	Name  string // as the format spelt it
	Known string // the AWS name of the closest known field
}

// String is the warning, safe to print: the name comes from a file or a
// flag and is shown with unsafe characters masked and cut to a length.
func (m Misspelling) String() string {
	name := m.Name
	if len(name) > maxShownName {
		name = name[:maxShownName] + "…"
	}
	return fmt.Sprintf("${%s} is not a field flowtail knows (it is read as text): did you mean ${%s}?", MaskUnsafe(name), m.Known)
}

// maxShownName bounds a name in a warning.
const maxShownName = 64

// Misspellings lists the names of f flowtail does not know that are close
// to a field it knows, in the format's order.
func (f *Format) Misspellings() []Misspelling {
	if f == nil {
		return nil
	}
	var out []Misspelling
	for _, name := range f.unknown {
		if known, ok := ClosestField(name); ok {
			out = append(out, Misspelling{Name: name, Known: known})
		}
	}
	return out
}

// ClosestField returns the AWS name of the known field nearest to name,
// in any spelling, and whether it is near enough to take name for a typo
// of it: one edit (a letter missed, added, changed, or two swapped) for
// names of up to five letters, two for longer ones.
func ClosestField(name string) (string, bool) {
	key := foldName(name)
	if len(key) > 2*maxFoldedName {
		return "", false // far longer than any field name
	}
	limit := 1
	if len(key) > 5 {
		limit = 2
	}
	best, bestD := FieldNone, limit+1
	for folded, id := range fieldByFolded {
		if d := editDistance(key, folded, bestD); d < bestD || d == bestD && d <= limit && id < best {
			best, bestD = id, d
		}
	}
	if best == FieldNone || bestD > limit {
		return "", false
	}
	return best.Name(), true
}

// typoOfField reports whether tok is one or two keystrokes from a known
// field (see ClosestField).
func typoOfField(tok []byte) bool {
	_, ok := ClosestField(string(tok))
	return ok
}

// maxFoldedName is longer than the folded spelling of any known field.
const maxFoldedName = 40

// editDistance is the optimal string alignment distance of a and b
// (insertions, deletions, substitutions and swaps of neighbours), or any
// value above bound once it is certain to exceed it.
func editDistance(a, b string, bound int) int {
	if d := len(a) - len(b); d > bound || -d > bound {
		return bound + 1
	}
	// Three rows of the table: two back for swaps, one back, this one.
	var buf [3][2*maxFoldedName + 2]int
	prev2, prev, cur := buf[0][:len(b)+1], buf[1][:len(b)+1], buf[2][:len(b)+1]
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d = min(d, prev2[j-2]+1)
			}
			cur[j] = d
			rowMin = min(rowMin, d)
		}
		if rowMin > bound {
			return bound + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

// headerNotes holds the misspellings of header lines recently parsed
// (HeaderFormat, and KeyedFormat for the keys or columns that name a
// record's fields), for whoever reports them: a headless command prints
// those noted while it ran. The format table is the process's, and so is
// this; a note seen again moves to the end, so each reader's run sees the
// headers it read, and only the newest maxHeaderNotes are kept.
var headerNotes struct {
	mu   sync.Mutex
	seq  uint64
	list []headerNote
}

type headerNote struct {
	Misspelling
	seq uint64
}

const maxHeaderNotes = 64

// noteHeader records the misspellings of a header line's format.
func noteHeader(f *Format) {
	ms := f.Misspellings()
	if len(ms) == 0 {
		return
	}
	headerNotes.mu.Lock()
	defer headerNotes.mu.Unlock()
	for _, m := range ms {
		headerNotes.seq++
		for i, n := range headerNotes.list {
			if n.Misspelling == m {
				headerNotes.list = append(headerNotes.list[:i], headerNotes.list[i+1:]...)
				break
			}
		}
		if len(headerNotes.list) == maxHeaderNotes {
			headerNotes.list = append(headerNotes.list[:0], headerNotes.list[1:]...)
		}
		headerNotes.list = append(headerNotes.list, headerNote{m, headerNotes.seq})
	}
}

// HeaderMisspellingsMark is where the header notes stand now: pass it to
// HeaderMisspellings later to have those noted since.
func HeaderMisspellingsMark() uint64 {
	headerNotes.mu.Lock()
	defer headerNotes.mu.Unlock()
	return headerNotes.seq
}

// HeaderMisspellings lists the misspelt names of the header lines parsed
// since mark, each once, oldest first.
func HeaderMisspellings(mark uint64) []Misspelling {
	headerNotes.mu.Lock()
	defer headerNotes.mu.Unlock()
	var out []Misspelling
	for _, n := range headerNotes.list {
		if n.seq > mark {
			out = append(out, n.Misspelling)
		}
	}
	return out
}
