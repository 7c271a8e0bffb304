package model

import (
	"strings"
	"testing"
)

func TestClosestField(t *testing.T) {
	for _, c := range []struct {
		name, want string
		ok         bool
	}{
		{"srcadr", "srcaddr", true},
		{"dstprot", "dstport", true}, // two letters swapped
		{"versoin", "version", true}, // swapped
		{"byte", "bytes", true},      // one missing
		{"pkt-srcadr", "pkt-srcaddr", true},
		{"tcpFlagz", "tcp-flags", true}, // another spelling, one changed
		{"ned", "end", true},
		{"log-stauts", "log-status", true},
		{"ecs-cluster-nam", "ecs-cluster-name", true},
		{"note", "", false},
		{"my-new-field", "", false},
		{"pkts", "", false}, // three edits from packets
		{"xy", "", false},
		{strings.Repeat("a", 500), "", false},
	} {
		got, ok := ClosestField(c.name)
		if got != c.want || ok != c.ok {
			t.Errorf("ClosestField(%q) = %q, %v; want %q, %v", c.name, got, ok, c.want, c.ok)
		}
	}
}

// TestEditDistance checks the bounded distance against the plain
// recurrence written out in full.
func TestEditDistance(t *testing.T) {
	words := []string{"", "a", "ab", "ba", "abc", "acb", "srcaddr", "srcadr", "dstaddr", "version", "versoin", "bytes", "packets", "pktsrcaddr"}
	for _, a := range words {
		for _, b := range words {
			want := osa(a, b)
			for bound := 0; bound < 6; bound++ {
				got := editDistance(a, b, bound)
				if want <= bound && got != want || want > bound && got <= bound {
					t.Errorf("editDistance(%q, %q, %d) = %d, want %d", a, b, bound, got, want)
				}
			}
		}
	}
}

// osa is the optimal string alignment distance by its full table.
func osa(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}

func TestFormatMisspellings(t *testing.T) {
	f := MustParseFormat("${version} ${srcadr} ${dstaddr} ${note} ${bytess}")
	got := f.Misspellings()
	want := []Misspelling{{"srcadr", "srcaddr"}, {"bytess", "bytes"}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("misspellings %v, want %v", got, want)
	}
	if s := got[0].String(); s != "${srcadr} is not a field flowtail knows (it is read as text): did you mean ${srcaddr}?" {
		t.Errorf("warning %q", s)
	}
	// A header line read notes its misspellings, once, for runs after a mark.
	mark := HeaderMisspellingsMark()
	HeaderFormat([]byte("${version} ${srcadr} ${dstaddr}"))
	HeaderFormat([]byte("${version} ${srcadr} ${dstaddr}"))
	if got := HeaderMisspellings(mark); len(got) != 1 || got[0] != (Misspelling{"srcadr", "srcaddr"}) {
		t.Errorf("noted %v, want srcadr once", got)
	}
	if got := HeaderMisspellings(HeaderMisspellingsMark()); len(got) != 0 {
		t.Errorf("noted %v after the last mark", got)
	}
}

// FuzzMisspellingText: the warning is one printable line whatever the
// name, and a name a known field spells is never taken for a typo.
func FuzzMisspellingText(f *testing.F) {
	for _, s := range []string{"srcadr", "x\x1b[31m", "日本", "a\u202eb", strings.Repeat("z", 100), "srcaddr", "dstPort"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		known, ok := ClosestField(name)
		if id, exact := LookupField(name); exact && (!ok || known != id.Name()) {
			t.Fatalf("%q is a known field but ClosestField gives %q, %v", name, known, ok)
		}
		s := Misspelling{Name: name, Known: "srcaddr"}.String()
		if strings.ContainsAny(s, "\n\r\x1b\x00") || MaskUnsafe(s) != s {
			t.Fatalf("warning for %q is not safe: %q", name, s)
		}
		if len(s) > 300 {
			t.Fatalf("warning for %q is %d bytes long", name, len(s))
		}
	})
}

// TestFoldedNamesFitEditDistance: editDistance's table is sized by
// maxFoldedName.
func TestFoldedNamesFitEditDistance(t *testing.T) {
	for folded := range fieldByFolded {
		if len(folded) > maxFoldedName {
			t.Errorf("%q is longer than maxFoldedName (%d)", folded, maxFoldedName)
		}
	}
}
