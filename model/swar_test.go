package model

import (
	"math/rand/v2"
	"testing"
)

// sameWords checks the word-at-a-time readers of numbers and addresses
// against the byte-at-a-time ones on text: the same verdict and, when
// they read, the same value and end.
func sameWords(t *testing.T, text []byte) {
	t.Helper()
	if len(text) >= 19 {
		a, end, ok := scanIPv4Word(text, 0)
		b, bend, bok := scanIPv4Bytes(text, 0)
		if ok != bok || ok && (a != b || end != bend) {
			t.Fatalf("address %q: words read (%#x, %d, %v), bytes (%#x, %d, %v)", text, a, end, ok, b, bend, bok)
		}
	}
	if len(text) >= 17 {
		v, next, ok, more := spaceNumberWords(text, 0)
		w, wnext, wok := spaceNumberBytes(text, 0)
		if !more && (ok != wok || ok && (v != w || next != wnext)) {
			t.Fatalf("number %q: words read (%d, %d, %v), bytes (%d, %d, %v)", text, v, next, ok, w, wnext, wok)
		}
		if more && wok && wnext-1 < 16 {
			t.Fatalf("number %q: words leave a %d-digit number to bytes", text, wnext-1)
		}
	}
}

// TestWordReadersMatchBytes reads numbers of every length, with leading
// zeros, past eight and sixteen digits, and followed by every kind of
// byte, and addresses with numbers of one to four digits.
func TestWordReadersMatchBytes(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	alphabet := []byte("0123456789.  \t-:/aZ\x00\x7f\x80\xff")
	for range 200_000 {
		text := make([]byte, 17+r.IntN(6))
		for k := range text {
			if r.IntN(4) == 0 {
				text[k] = alphabet[r.IntN(len(alphabet))]
			} else {
				text[k] = byte('0' + r.IntN(10))
			}
		}
		sameWords(t, text)
		// An address of one to three digits a number, then more text.
		a := []byte{}
		for k := range 4 {
			if k > 0 {
				a = append(a, '.')
			}
			for range 1 + r.IntN(4) {
				a = append(a, byte('0'+r.IntN(10)))
			}
		}
		if r.IntN(4) == 0 {
			a = append(a, alphabet[r.IntN(len(alphabet))])
		}
		a = append(a, " 1795000000 REJECT"[r.IntN(2):]...)
		sameWords(t, a)
	}
}

// FuzzWordReaders is TestWordReadersMatchBytes for any text.
func FuzzWordReaders(f *testing.F) {
	f.Add([]byte("255.255.255.255 1 2 3 4 5"))
	f.Add([]byte("1795000000 1795000060 ACCEPT OK"))
	f.Add([]byte("01.2.3.4 1234567890 123"))
	f.Fuzz(sameWords)
}
