package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// hostile is a file name that would retitle the window, clear the screen
// and reverse the text after it if printed as it is.
const hostile = "x\x1b]0;pwned\x07\x1b[2J\u202egol.txt"

func assertSafe(t *testing.T, what, s string) {
	t.Helper()
	if strings.ContainsAny(s, "\x1b\x07\u202e") {
		t.Errorf("%s: printed an escape or bidi control: %q", what, s)
	}
}

// Every path, key and name a command prints goes through the one text
// policy: errors naming a missing --rules DIR or a missing capture, and
// warnings naming a skipped rules file, whatever the command.
func TestHostileNamesNeverReachTheTerminal(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, hostile)
	capture := writeCapture(t)
	rules := t.TempDir()
	if err := os.WriteFile(filepath.Join(rules, hostile+".json"), []byte(`{"Reservations": []}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"--rules", missing, capture}, // the terminal UI fails before it starts
		{"explain", "--rules", missing, capture},
		{"query", "--rules", missing, "stats count(*)", capture},
		{"explain", "--rules", rules, capture},
		{"query", "--rules", rules, "stats count(*)", capture},
		{"cat", missing},
		{"query", "stats count(*)", missing},
		{"explain", "--rules", rules, missing},
		{"cat", "--format", "${" + hostile, capture},
		{"query", "filter " + hostile, capture},
	} {
		out, errOut, code := runCmd(t, args...)
		if code == exitOK && !strings.Contains(strings.Join(args, " "), rules) {
			t.Errorf("%q: exit 0", args)
		}
		if !strings.Contains(errOut, "?]0;pwned??[2J?gol.txt") && !strings.Contains(errOut, "pwned") {
			t.Errorf("%q: the name is not reported: %q", args, errOut)
		}
		assertSafe(t, strings.Join(args, " ")+" stderr", errOut)
		assertSafe(t, strings.Join(args, " ")+" stdout", out)
	}
}
