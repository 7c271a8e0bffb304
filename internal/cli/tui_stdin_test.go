package cli

import (
	"os"
	"strings"
	"testing"
)

// A pipe on stdin is read as lines come (a slow producer's records show at
// once); a regular file redirected to stdin is loaded on every core.
func TestStdinStreamOrFile(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	f, err := os.CreateTemp(t.TempDir(), "capture")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, c := range []struct {
		name string
		in   any
		want bool
	}{{"pipe", r, true}, {"regular file", f, false}, {"reader", strings.NewReader(""), true}} {
		var got bool
		switch in := c.in.(type) {
		case *os.File:
			got = isStream(in)
		case *strings.Reader:
			got = isStream(in)
		}
		if got != c.want {
			t.Errorf("%s: isStream %v, want %v", c.name, got, c.want)
		}
	}
}
