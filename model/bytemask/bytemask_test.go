package bytemask

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"testing"
)

// naive is the mask written out byte by byte.
func naive(data []byte, c byte) []bool {
	out := make([]bool, len(data))
	for i, b := range data {
		out[i] = b == c
	}
	return out
}

// check compares every query of m over data with a byte-by-byte answer.
func check(t *testing.T, m Mask, data []byte, c byte) {
	t.Helper()
	want := naive(data, c)
	if len(m) != (len(data)+63)/64 {
		t.Fatalf("len %d: %d words", len(data), len(m))
	}
	for i := range len(m) * 64 {
		got := m[i>>6]>>(i&63)&1 == 1
		if i >= len(data) {
			if got {
				t.Fatalf("bit %d set past the end (len %d)", i, len(data))
			}
			continue
		}
		if got != want[i] {
			t.Fatalf("len %d: bit %d = %v, byte %q", len(data), i, got, data[i])
		}
	}
	for from := -1; from <= len(data)+1; from++ {
		next := -1
		for i := max(from, 0); i < len(data); i++ {
			if want[i] {
				next = i
				break
			}
		}
		if got := m.Next(from); got != next {
			t.Fatalf("len %d: Next(%d) = %d, want %d", len(data), from, got, next)
		}
		if end := m.NextOr(from, len(data)); next < 0 && end != len(data) || next >= 0 && end != next {
			t.Fatalf("len %d: NextOr(%d) = %d, want %d", len(data), from, end, next)
		}
		prev := -1
		for i := min(from, len(data)) - 1; i >= 0; i-- {
			if want[i] {
				prev = i
				break
			}
		}
		if got := m.Prev(from); got != prev {
			t.Fatalf("len %d: Prev(%d) = %d, want %d", len(data), from, got, prev)
		}
	}
	for from := 0; from <= len(data); from += 1 + from/7 {
		for to := from; to <= len(data)+1; to += 1 + to/5 {
			n := bytes.Count(data[from:min(to, len(data))], []byte{c})
			if got := m.Count(from, to); got != n {
				t.Fatalf("len %d: Count(%d, %d) = %d, want %d", len(data), from, to, got, n)
			}
		}
	}
}

func TestMaskMatchesByteByByte(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var m Mask
	for _, n := range []int{0, 1, 7, 8, 63, 64, 65, 127, 128, 129, 200, 511, 777, 4096} {
		for _, density := range []int{2, 10, 120, 100000} {
			buf := make([]byte, n+9)
			for i := range buf {
				buf[i] = byte('a' + rng.IntN(26))
				if rng.IntN(density) == 0 {
					buf[i] = '\n'
				}
				if rng.IntN(50) == 0 {
					buf[i] = byte(rng.IntN(256)) // high bytes and neighbours of '\n'
				}
			}
			for _, off := range []int{0, 1, 3, 9} { // unaligned starts
				data := buf[off:min(off+n, len(buf))]
				m = Of(m, data, '\n')
				check(t, m, data, '\n')
				m = Of(m, data, 0x80)
				check(t, m, data, 0x80)
				a, b := Of2(nil, m, data, 'e', '\n')
				check(t, a, data, 'e')
				check(t, b, data, '\n')
			}
		}
	}
}

// The portable build gives the same words as the one this machine uses.
func TestGenericBuildSame(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	data := make([]byte, 64*300)
	for i := range data {
		data[i] = byte(rng.IntN(256))
	}
	for _, c := range []byte{0, '\n', 'R', 0x7f, 0x80, 0xff} {
		a, b, a2, b2 := make([]uint64, 300), make([]uint64, 300), make([]uint64, 300), make([]uint64, 300)
		build(a, data, c)
		buildGeneric(b, data, c)
		build2(a2, b2, data, c, c^1)
		for i := range a {
			if a[i] != b[i] || a2[i] != b[i] {
				t.Fatalf("byte %#x, word %d: %#x, %#x and generic %#x", c, i, a[i], a2[i], b[i])
			}
		}
		buildGeneric(b, data, c^1)
		if !slices.Equal(b, b2) {
			t.Fatalf("byte %#x: the second mask of two differs", c^1)
		}
		check(t, Of(nil, data, c), data, c)
	}
}

func FuzzMask(f *testing.F) {
	f.Add([]byte("2 123 eni-1 REJECT OK\nversion x\n\n"), byte('\n'))
	f.Add(bytes.Repeat([]byte{0xff, '\n'}, 100), byte(0xff))
	f.Fuzz(func(t *testing.T, data []byte, c byte) {
		if len(data) > 1000 {
			data = data[:1000]
		}
		check(t, Of(nil, data, c), data, c)
		a, b := Of2(nil, nil, data, c, '\n')
		check(t, a, data, c)
		check(t, b, data, '\n')
	})
}

func BenchmarkOf(b *testing.B) {
	data := bytes.Repeat([]byte("2 123456789012 eni-0a1b2c3d4e5f60001 10.0.1.2 52.94.3.4 40000 443 6 10 840 1795000000 1795000060 ACCEPT OK\n"), 1<<20/110)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	m := Of(nil, data, '\n')
	for b.Loop() {
		m = Of(m, data, '\n')
	}
}
