package query

import (
	"bytes"
	"math/rand/v2"
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// anchored joins n parts made by part, each sometimes anchored at the
// line's start or end.
func anchored(rng *rand.Rand, n int, part func(i int) string) string {
	var p strings.Builder
	if rng.IntN(3) == 0 {
		p.WriteString("^")
	}
	for i := range n {
		p.WriteString(part(i))
	}
	if rng.IntN(3) == 0 {
		p.WriteString("$")
	}
	return p.String()
}

// litSeqAgainstRegexp makes n patterns and, for each that takes the
// literal-sequence shortcut, compares the shortcut with regexp on lines
// lines; it returns how many took the shortcut.
func litSeqAgainstRegexp(t *testing.T, n, lines int, pattern func() string, line func(pattern string) string) int {
	t.Helper()
	shortcuts := 0
	for range n {
		pat := pattern()
		sre, err := syntax.Parse(pat, syntax.Perl)
		if err != nil {
			t.Fatal(err)
		}
		seq := seqOf(sre.Simplify())
		if seq == nil {
			continue
		}
		shortcuts++
		re := regexp.MustCompile(pat)
		for range lines {
			l := line(pat)
			if got, want := seq.match([]byte(l)), re.MatchString(l); got != want {
				t.Fatalf("/%s/ on %q: shortcut says %v, regexp %v", pat, l, got, want)
			}
		}
	}
	return shortcuts
}

// TestLitSeqMatchesAsTheRegexDoes: the literal-sequence shortcut answers
// as regexp does, over random patterns made of literals, small classes,
// alternations, `.*` and anchors, on random lines of a small alphabet
// (so that near misses, overlaps and repeats are common).
func TestLitSeqMatchesAsTheRegexDoes(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 14))
	word := func() string {
		var b strings.Builder
		for range 1 + rng.IntN(3) {
			b.WriteByte("abAB -"[rng.IntN(6)])
		}
		return b.String()
	}
	part := func() string {
		switch rng.IntN(5) {
		case 0:
			return "[ab]"
		case 1:
			return "(?i)" + word()
		case 2:
			return "(" + word() + "|" + word() + ")"
		}
		return regexp.QuoteMeta(word())
	}
	shortcuts := litSeqAgainstRegexp(t, 3000, 40, func() string {
		return anchored(rng, 1+rng.IntN(4), func(i int) string {
			if i > 0 && rng.IntN(2) == 0 {
				return ".*" + part()
			}
			return part()
		})
	}, func(string) string {
		var line strings.Builder
		for range rng.IntN(14) {
			line.WriteByte("abAB -"[rng.IntN(6)])
		}
		return line.String()
	})
	if shortcuts < 1000 {
		t.Fatalf("only %d patterns took the shortcut", shortcuts)
	}
}

// setsText writes sets as [a b] [c].
func setsText(sets [][][]byte) string {
	var out []string
	for _, set := range sets {
		var alts []string
		for _, a := range set {
			alts = append(alts, string(a))
		}
		out = append(out, "["+strings.Join(alts, " ")+"]")
	}
	return strings.Join(out, " ")
}

// TestRequiredSetsKeepLongLiteralsWhole: a long literal followed by a
// class is required whole, searched once, rather than crossed with the
// class into one string per member; a short one still is.
func TestRequiredSetsKeepLongLiteralsWhole(t *testing.T) {
	for _, tc := range []struct {
		pattern string
		want    string
	}{
		{`eni-0a1b2c3d[0-9a-f].*REJECT`, `[eni-0a1b2c3d] [REJECT]`},
		{`a[bc]d`, `[abd acd]`},
		{`10\.0\.1\.[0-9]+ .*ACCEPT`, `[10.0.1.] [ACCEPT]`},
	} {
		re, err := syntax.Parse(tc.pattern, syntax.Perl)
		if err != nil {
			t.Fatal(err)
		}
		if g := setsText(requiredSets(re.Simplify())); g != tc.want {
			t.Errorf("%s: required %s, want %s", tc.pattern, g, tc.want)
		}
	}
}

// oddLineByRule is oddLine written as its rules say, one search each.
func oddLineByRule(line string) bool {
	isDigit := func(c byte) bool { return c >= '0' && c <= '9' }
	if strings.ContainsAny(line, "\t:\r") || strings.Contains(line, "  ") {
		return true
	}
	if len(line) > 1 && line[0] == '0' && isDigit(line[1]) {
		return true
	}
	for i := 0; i+2 < len(line); i++ {
		if (line[i] == ' ' || line[i] == '.') && line[i+1] == '0' && isDigit(line[i+2]) {
			return true
		}
	}
	for _, tok := range strings.Split(line, " ") {
		if len(tok) >= msDigits && strings.Trim(tok, "0123456789") == "" {
			return true
		}
	}
	for _, w := range []string{"accept", "reject", "ok", "nodata", "skipdata"} {
		if strings.Contains(line, " "+w) {
			return true
		}
	}
	return false
}

// FuzzOddLine: oddLine agrees with its rules on any line.
func FuzzOddLine(f *testing.F) {
	for _, l := range []string{
		"2 123456789012 eni-0a 10.0.1.50 10.0.2.100 40001 22 6 10 840 1700000000 1700000060 REJECT OK",
		"2 123456789012 eni-0a 10.0.1.50 10.0.2.100 40001 22 6 10 840 1700000000123 1700000060 REJECT OK",
		"2 123456789012 eni-0a 10.0.1.50 10.0.2.100 40001 022 6 10 840 1700000000 1700000060 reject ok",
		"02 1 eni-1\t2001:db8::1  x.05 1234567890123",
	} {
		f.Add(l)
	}
	f.Fuzz(func(t *testing.T, line string) {
		if got, want := oddLine([]byte(line)), oddLineByRule(line); got != want {
			t.Fatalf("oddLine(%q) = %v, want %v", line, got, want)
		}
	})
}

// TestLitSeqFoldMatchesAsTheRegexDoes: case-blind words too long to spell
// out (more than maxAlts spellings) take the shortcut, matched in either
// case, and answer as regexp does, also on lines holding the non-ASCII
// letters that k and s fold to.
func TestLitSeqFoldMatchesAsTheRegexDoes(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 21))
	const letters = "abcABks-"
	word := func(n int) string {
		var b strings.Builder
		for range n {
			b.WriteByte(letters[rng.IntN(len(letters))])
		}
		return b.String()
	}
	shortcuts := litSeqAgainstRegexp(t, 3000, 60, func() string {
		return anchored(rng, 1+rng.IntN(3), func(i int) string {
			p := regexp.QuoteMeta(word(1 + rng.IntN(3)))
			if rng.IntN(2) == 0 {
				p = "(?i)" + word(5+rng.IntN(3))
			}
			if i > 0 {
				return ".*" + p
			}
			return p
		})
	}, func(pattern string) string {
		var line strings.Builder
		for range rng.IntN(16) {
			if rng.IntN(12) == 0 {
				line.WriteString([]string{"\u212a", "\u017f"}[rng.IntN(2)])
				continue
			}
			line.WriteByte((letters + " ")[rng.IntN(len(letters)+1)])
		}
		// Half the lines carry the pattern's first word, so matches are common.
		if rng.IntN(2) == 0 {
			line.WriteString(strings.ToUpper(strings.TrimPrefix(strings.Split(strings.TrimPrefix(pattern, "^"), ".*")[0], "(?i)")))
		}
		return line.String()
	})
	if shortcuts < 500 {
		t.Fatalf("only %d patterns took the shortcut", shortcuts)
	}
}

// FuzzIndexFold: indexFold finds what a look at every position finds.
func FuzzIndexFold(f *testing.F) {
	f.Add("2 123 eni-0a REJECT OK", "reject")
	f.Add("xRejEct rejecT", "ject")
	f.Add("a-b-A-B", "-b")
	f.Fuzz(func(t *testing.T, text, pat string) {
		p := []byte(strings.ToLower(pat))
		for _, c := range p {
			if c >= utf8.RuneSelf {
				return
			}
		}
		want := -1
		for i := 0; i+len(p) <= len(text); i++ {
			if hasPrefixFold([]byte(text[i:]), p) {
				want = i
				break
			}
		}
		if got := indexFold([]byte(text), p); got != want {
			t.Fatalf("indexFold(%q, %q) = %d, want %d", text, p, got, want)
		}
	})
}

// TestPieceSets: the pieces between blanks a line's text must hold.
func TestPieceSets(t *testing.T) {
	for _, tc := range []struct {
		sets [][]string
		want string
	}{
		{[][]string{{"eni-0a 10.0.1.50 10.0.2.100"}}, `[10.0.2.100] [10.0.1.50] [eni-0a]`},
		{[][]string{{" 22 6 "}}, ``},
		{[][]string{{"REJECT OK"}, {"abc"}}, `[REJECT] [abc]`},
		{[][]string{{"ab cdef", "ghij k"}}, `[cdef ghij]`},
		{[][]string{{"   ", "abcd"}}, ``}, // a blank alternative needs nothing
		{[][]string{{"x y", "abcd"}}, ``},
	} {
		var sets [][][]byte
		for _, set := range tc.sets {
			var alts [][]byte
			for _, a := range set {
				alts = append(alts, []byte(a))
			}
			sets = append(sets, alts)
		}
		if g := setsText(pieceSets(sets)); g != tc.want {
			t.Errorf("%q: pieces %s, want %s", tc.sets, g, tc.want)
		}
	}
}

// TestCaseClosure: only every case spelling of one ASCII string is taken
// for a case-blind search.
func TestCaseClosure(t *testing.T) {
	spell := func(word string) [][]byte {
		out := [][]byte{nil}
		for _, c := range []byte(word) {
			var next [][]byte
			for _, o := range out {
				next = append(next, append(slices.Clip(o), c))
				if u := bytes.ToUpper([]byte{c})[0]; u != c {
					next = append(next, append(slices.Clip(o), u))
				}
			}
			out = next
		}
		return out
	}
	for _, tc := range []struct {
		alts [][]byte
		want string
	}{
		{spell("reje"), "reje"},
		{spell("a-b1"), "a-b1"},
		{spell("reje")[1:], ""},                         // one spelling short
		{append(spell("reje")[1:], []byte("REJF")), ""}, // one of another word
		{spell("ab"), "ab"},
		{[][]byte{[]byte("x1"), []byte("X1"), []byte("x2"), []byte("X2")}, ""},
	} {
		got, ok := caseClosure(tc.alts)
		if !ok {
			got = nil
		}
		if string(got) != tc.want {
			t.Errorf("%q: %q, want %q", tc.alts, got, tc.want)
		}
	}
}
