package cli

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// defaultFields is the default format's field order, written out here so
// the test does not ask the code under test.
const defaultFields = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status"

// `cat -o json` over the AWS documentation's example captures gives, for
// every record, each field AWS wrote under its name: numbers as numbers,
// "-" left out. The expectation zips each file's header (or the default
// field list) with the line's tokens.
func TestCatSharedCaptures(t *testing.T) {
	paths, err := filepath.Glob("../../testdata/captures/aws-docs-*.log")
	if err != nil || len(paths) < 3 {
		t.Fatalf("shared captures: %v, %d files", err, len(paths))
	}
	var want []map[string]any
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		names := strings.Fields(defaultFields)
		for i, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
			toks := strings.Fields(line)
			if i == 0 && toks[0] == "version" {
				names = toks
				continue
			}
			rec := map[string]any{}
			for j, tok := range toks {
				if tok == "-" {
					continue
				}
				if n, err := strconv.ParseFloat(tok, 64); err == nil && !strings.HasSuffix(names[j], "-id") {
					rec[names[j]] = n
				} else {
					rec[names[j]] = tok
				}
			}
			want = append(want, rec)
		}
	}
	out, errOut, code := runCmd(t, append([]string{"cat", "-o", "json"}, paths...)...)
	if code != exitOK || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	got := jsonLines(t, out)
	if len(got) != len(want) {
		t.Fatalf("%d records, want %d", len(got), len(want))
	}
	for i := range want {
		for k, v := range want[i] {
			if got[i][k] != v {
				t.Errorf("record %d: %s = %v (%T), want %v (%T)", i+1, k, got[i][k], got[i][k], v, v)
			}
		}
		for k := range got[i] {
			if _, ok := want[i][k]; !ok {
				t.Errorf("record %d: unexpected field %s = %v", i+1, k, got[i][k])
			}
		}
	}
}
