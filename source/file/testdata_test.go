package file

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The AWS documentation's example captures in the shared testdata are read
// line for line, header lines included, each file whole and in the order
// given.
func TestSharedCaptures(t *testing.T) {
	paths, err := filepath.Glob("../../testdata/captures/aws-docs-*.log")
	if err != nil || len(paths) < 3 {
		t.Fatalf("shared captures: %v, %d files", err, len(paths))
	}
	var want []string
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")...)
	}
	got, err := collect(t, New(paths, Options{}))
	if err != nil {
		t.Fatal(err)
	}
	equal(t, texts(got), want)
}
