package cli

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"syscall"
	"testing"
)

// brokenPipe is a reader that went away (| head): every write fails.
type brokenPipe struct{}

func (brokenPipe) Write([]byte) (int, error) { return 0, syscall.EPIPE }

// failingDisk is an output that cannot be written for another reason.
type failingDisk struct{}

func (failingDisk) Write([]byte) (int, error) { return 0, errors.New("no space left on device") }

// Every headless command ends the same way: a reader that went away is
// success, any other write failure is exit 1 with the cause on stderr.
func TestEveryCommandEndsTheSameWay(t *testing.T) {
	capture := writeCapture(t)
	for _, args := range [][]string{
		{"cat", capture},
		{"query", "stats count(*) as n", capture},
		{"query", "fields srcaddr", capture},
		{"explain", "--rules", demoRulesDir, capture},
	} {
		var errb bytes.Buffer
		if code := run(context.Background(), args, stdio{strings.NewReader(""), brokenPipe{}, &errb}); code != exitOK || strings.Contains(errb.String(), "write") {
			t.Errorf("%q into a closed pipe: exit %d, stderr %q; want 0 and no write error", args, code, errb.String())
		}
		errb.Reset()
		code := run(context.Background(), args, stdio{strings.NewReader(""), failingDisk{}, &errb})
		want := "flowtail " + args[0] + ": write: no space left on device"
		if code != exitRuntime || !strings.Contains(errb.String(), want) {
			t.Errorf("%q onto a full disk: exit %d, stderr %q; want 1 and %q", args, code, errb.String(), want)
		}
	}
}

// The commands are listed, each with its help, and completion scripts and
// the manual page are generated from them.
func TestCompletionManVersionHelp(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"completion", "bash"}, []string{"__start_flowtail", "complete"}},
		{[]string{"completion", "zsh"}, []string{"#compdef flowtail"}},
		{[]string{"completion", "fish"}, []string{"complete -c flowtail"}},
		{[]string{"completion", "powershell"}, []string{"Register-ArgumentCompleter", "flowtail"}},
		{[]string{"man"}, []string{".TH FLOWTAIL 1", "cat", "query", "explain", "--log-group"}},
		{[]string{"version"}, []string{"flowtail dev"}},
		{[]string{"--version"}, []string{"flowtail dev"}},
		{[]string{"--help"}, []string{"cat", "query", "explain", "completion", "man", "--buffer", "--record"}},
		{[]string{"help", "query"}, []string{"flowtail query", "--output", "--rules"}},
		{[]string{"explain", "-h"}, []string{"flowtail explain", "--rules"}},
	} {
		out, errOut, code := runCmd(t, tc.args...)
		if code != exitOK {
			t.Errorf("%q: exit %d, stderr %q", tc.args, code, errOut)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(out, w) {
				t.Errorf("%q: output lacks %q:\n%.400s", tc.args, w, out)
			}
		}
	}
}
