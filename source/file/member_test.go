package file

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// A multi-member gzip capture cut anywhere inside a later member says so
// with the byte offset, as a cut first member does; the lines of the
// complete members are all read.
func TestGzipCutInLaterMember(t *testing.T) {
	var first, second []string
	for i := range 300 {
		first = append(first, fmt.Sprintf("2 123456789010 eni-a%016d 10.0.0.1 10.1.0.1 %d 443 6 1 40 1418530010 1418530070 ACCEPT OK", i, 1024+i))
		second = append(second, fmt.Sprintf("2 123456789010 eni-b%016d 10.0.0.2 10.1.0.1 %d 443 6 1 40 1418530010 1418530070 ACCEPT OK", i, 2048+i))
	}
	one := gz(t, strings.Join(first, "\n")+"\n")
	data := gz(t, strings.Join(first, "\n")+"\n", strings.Join(second, "\n")+"\n")
	dir := t.TempDir()
	step := func(cut int) int { // every byte of the header and the start, then a sample
		if cut < len(one)+24 || cut > len(data)-12 {
			return cut + 1
		}
		return cut + 13
	}
	for cut := len(one) + 1; cut < len(data); cut = step(cut) {
		path := filepath.Join(dir, fmt.Sprintf("cut%d.log.gz", cut))
		write(t, path, data[:cut])
		got, err := collect(t, New([]string{path}, Options{}))
		if !errors.Is(err, ErrTruncated) {
			t.Fatalf("cut at byte %d of %d (second member at %d): error %v, %d lines", cut, len(data), len(one), err, len(got))
		}
		if want := fmt.Sprintf("at byte %d", cut); !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), path) {
			t.Fatalf("cut at %d: message %q lacks %q", cut, err, want)
		}
		if len(got) < len(first) || texts(got)[len(first)-1] != first[len(first)-1] {
			t.Fatalf("cut at %d: %d lines, the first member's %d not all read", cut, len(got), len(first))
		}
	}
}
