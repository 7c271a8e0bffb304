package cli

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const typoWarning = "${srcadr} is not a field flowtail knows (it is read as text): did you mean ${srcaddr}?"

// TestFormatTypoWarned: a --format or header-line field one keystroke
// from a known field is still read, as text, and stderr says so once,
// naming the field meant; a field far from any known one (a field AWS
// added later) is read without a word.
func TestFormatTypoWarned(t *testing.T) {
	dir := t.TempDir()
	plain := filepath.Join(dir, "plain.log")
	if err := os.WriteFile(plain, []byte("2 10.0.0.1 10.0.0.2 new 100\n2 10.0.0.3 10.0.0.2 new 7\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	typo := "${version} ${srcadr} ${dstaddr} ${note} ${bytes}"
	good := "${version} ${srcaddr} ${dstaddr} ${note} ${bytes}"
	for _, cmd := range [][]string{{"cat"}, {"query", "stats sum(bytes) as b"}, {"explain", "--rules", demoRulesDir}} {
		name := cmd[0]
		out, errOut, code := runStdin(t, "", append(append([]string{}, cmd...), "--format", typo, plain)...)
		if code != exitOK {
			t.Fatalf("%s: exit %d: %s", name, code, errOut)
		}
		if want := "flowtail " + name + ": --format: " + typoWarning + "\n"; errOut != want {
			t.Errorf("%s: stderr\n%q\nwant\n%q", name, errOut, want)
		}
		if name == "query" && !strings.Contains(out, "107") {
			t.Errorf("query: the records were not all read:\n%s", out)
		}
		_, errOut, code = runStdin(t, "", append(append([]string{}, cmd...), "--format", good, plain)...)
		if code != exitOK || errOut != "" {
			t.Errorf("%s with no typo: exit %d, stderr %q", name, code, errOut)
		}
	}

	// Header lines: two files declaring the same format give one warning.
	a, b := filepath.Join(dir, "a.log"), filepath.Join(dir, "b.log")
	for _, p := range []string{a, b} {
		if err := os.WriteFile(p, []byte(typo+"\n2 10.0.0.1 10.0.0.2 x 100\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, cmd := range [][]string{{"cat"}, {"query", "stats count(*) as n"}} {
		name := cmd[0]
		_, errOut, code := runStdin(t, "", append(append([]string{}, cmd...), a, b)...)
		if code != exitOK {
			t.Fatalf("%s: exit %d: %s", name, code, errOut)
		}
		if want := "flowtail " + name + ": in the input: " + typoWarning + "\n"; errOut != want {
			t.Errorf("%s over header lines: stderr\n%q\nwant\n%q", name, errOut, want)
		}
		// Under --format the header lines change nothing: nothing to say.
		_, errOut, _ = runStdin(t, "", append(append([]string{}, cmd...), "--format", good, a, b)...)
		if errOut != "" {
			t.Errorf("%s over header lines under --format: stderr %q", name, errOut)
		}
	}
}

// TestFormatTypoWarnedOnAWS: the commands that send a --format to AWS say
// the same.
func TestFormatTypoWarnedOnAWS(t *testing.T) {
	typo := "${version} ${srcadr} ${dstaddr} ${bytes}"
	_, errOut, code := runStdin(t, "", "query", "--on", "insights", "-g", "grp", "--dry-run", "--format", typo, "filter bytes > 1")
	if code != exitOK || !strings.Contains(errOut, "flowtail query: --format: "+typoWarning+"\n") {
		t.Errorf("query --on insights: exit %d, stderr %q", code, errOut)
	}
	_, errOut, code = runStdin(t, "", "athena", "ddl", "--location", "s3://flows-bkt/AWSLogs/", "--account", "123456789012", "--region", "eu-west-1", "--format", typo)
	if code != exitOK || errOut != "flowtail athena ddl: --format: "+typoWarning+"\n" {
		t.Errorf("athena ddl: exit %d, stderr %q", code, errOut)
	}
}

// TestFormatTypoLoggedByTUI: the terminal UI has no place for notes on
// its input; the warning goes to the --log file, as a skipped rules file
// does.
func TestFormatTypoLoggedByTUI(t *testing.T) {
	dir := t.TempDir()
	logFile := filepath.Join(dir, "flowtail.log")
	capture := filepath.Join(dir, "c.log")
	if err := os.WriteFile(capture, []byte("2 10.0.0.1 10.0.0.2 100\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// Not on a terminal: the UI itself does not start.
	runStdin(t, "", "--log", logFile, "--format", "${version} ${srcadr} ${dstaddr} ${bytes}", capture)
	text, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(text), "did you mean ${srcaddr}?") {
		t.Errorf("log:\n%s", text)
	}
}

// TestQueryNamesFieldOfFormatFlag: a field --format names that flowtail
// does not know can be named in the query, as the README says.
func TestQueryNamesFieldOfFormatFlag(t *testing.T) {
	path := writeQueryCapture(t, t.TempDir(), "custom.log", []string{
		"2 10.0.0.1 10.0.0.2 blue 100",
		"2 10.0.0.3 10.0.0.2 green 20",
		"2 10.0.0.5 10.0.0.2 blue 3",
	})
	code, out, errOut := runQueryCmd(t, "", "-o", "csv", "--format", "${version} ${srcaddr} ${dstaddr} ${colour} ${bytes}", "stats sum(bytes) as b by colour | sort b desc", path)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if want := "colour,b\nblue,103\ngreen,20\n"; out != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
}

// TestQueryGroupsByDashedFieldOfFormatFlag: the same for a name with a
// dash, in the table a user sees.
func TestQueryGroupsByDashedFieldOfFormatFlag(t *testing.T) {
	path := writeQueryCapture(t, t.TempDir(), "custom.log", []string{"2 c-a 100", "2 c-b 200", "2 c-a 5"})
	code, out, errOut := runQueryCmd(t, "", "--format", "${version} ${my-custom} ${bytes}", "stats count(*) by my-custom", path)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if want := "my-custom  count(*)\nc-a               2\nc-b               1\n"; out != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
}

// TestPlainHeaderTypoIsStillAHeader: a header line in the plain spelling
// S3 writes, with a typo in one name, still sets the format (its records
// are read, not reported as malformed) and the typo is named.
func TestPlainHeaderTypoIsStillAHeader(t *testing.T) {
	path := writeQueryCapture(t, t.TempDir(), "plain.log", []string{
		"version srcadr dstaddr bytes",
		"2 10.0.0.1 10.0.0.2 100",
		"2 10.0.0.3 10.0.0.2 7",
	})
	code, out, errOut := runQueryCmd(t, "", "-o", "csv", "stats count(*) as n, sum(bytes) as b", path)
	if code != exitOK || out != "n,b\n2,107\n" {
		t.Fatalf("exit %d, output %q, stderr %q", code, out, errOut)
	}
	if want := "flowtail query: in the input: " + typoWarning + "\n"; errOut != want {
		t.Errorf("stderr\n%q\nwant\n%q", errOut, want)
	}
}

// TestFollowedHeaderTypoSaidWhileReading: `cat -f` names a header's typo
// while it follows the file, not only once interrupted.
func TestFollowedHeaderTypoSaidWhileReading(t *testing.T) {
	path := writeQueryCapture(t, t.TempDir(), "follow.log", []string{
		"${version} ${srcadr} ${dstaddr} ${bytes}",
		"2 10.0.0.1 10.0.0.2 100",
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errb := &lockedBuffer{}
	done := make(chan int)
	go func() {
		done <- run(ctx, []string{"cat", "-f", path}, stdio{strings.NewReader(""), io.Discard, errb})
	}()
	want := "flowtail cat: in the input: " + typoWarning + "\n"
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(errb.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("no warning while following; stderr %q", errb.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	<-done
	if n := strings.Count(errb.String(), "did you mean"); n != 1 {
		t.Errorf("%d warnings, want one:\n%s", n, errb.String())
	}
}
