package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flowtail/flowtail/internal/config"
	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/ui"
)

// Every test of this package runs without the user's own config file or
// cache.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "flowtail-cli-test")
	if err != nil {
		panic(err)
	}
	os.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "config"))
	os.Setenv("XDG_CACHE_HOME", filepath.Join(dir, "cache"))
	os.Unsetenv(config.EnvPath)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func writeConfig(t *testing.T, doc string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(p, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// tuiOptions parses args as the terminal UI's command line and applies the
// config file, as runTUI does before it starts anything.
func tuiOptions(t *testing.T, args ...string) (*options, error) {
	t.Helper()
	o := &options{}
	c := newTUICmdFor(o, stdio{}, "")
	bindConfig(c)
	fs := c.Flags()
	fs.AddFlagSet(c.PersistentFlags())
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	o.paths = fs.Args()
	return o, o.applyConfig()
}

const fullConfig = `profile = "file-profile"
region = "eu-west-3"
log_groups = ["/aws/vpc/from-file"]
s3 = ["s3://flow-bucket/AWSLogs/"]
format = "version srcaddr dstaddr action"
rules = "/rules/from/file"
buffer = 4242
time_zone = "Asia/Tokyo"
mouse = false
ip_ranges = "/ranges/from/file.json"
`

// Flags beat the file, the file beats the built-in defaults, and the
// file's sources are read only when the command line names none.
func TestConfigPrecedence(t *testing.T) {
	cfg := writeConfig(t, fullConfig)

	o, err := tuiOptions(t, "--config", cfg)
	if err != nil {
		t.Fatal(err)
	}
	if o.profile != "file-profile" || o.region != "eu-west-3" || o.rules != "/rules/from/file" || o.buffer != 4242 ||
		!o.noMouse || o.ipRanges != "/ranges/from/file.json" || o.format != "version srcaddr dstaddr action" {
		t.Errorf("file values not applied: %+v", o)
	}
	if o.override == nil || len(o.override.Fields) != 4 || o.override.Fields[3] != model.FieldAction {
		t.Errorf("file format not parsed: %+v", o.override)
	}
	if len(o.logGroups) != 1 || o.logGroups[0] != "/aws/vpc/from-file" || len(o.paths) != 1 || o.paths[0] != "s3://flow-bucket/AWSLogs/" {
		t.Errorf("no source given: log groups %q, paths %q; want the file's", o.logGroups, o.paths)
	}
	if z := o.zone(); z == nil || z.String() != "Asia/Tokyo" {
		t.Errorf("zone = %v", z)
	}

	o, err = tuiOptions(t, "--config", cfg, "--profile", "cli", "--region", "us-east-1", "--rules", "/cli/rules",
		"--buffer", "7", "--no-mouse=false", "--ip-ranges", "/cli.json", "--format", "version srcaddr", "capture.log")
	if err != nil {
		t.Fatal(err)
	}
	if o.profile != "cli" || o.region != "us-east-1" || o.rules != "/cli/rules" || o.buffer != 7 || o.noMouse ||
		o.ipRanges != "/cli.json" || o.format != "version srcaddr" || o.override != nil {
		t.Errorf("flags did not beat the file: %+v", o)
	}
	if len(o.logGroups) != 0 || len(o.paths) != 1 {
		t.Errorf("a source on the command line: log groups %q, paths %q; want only the capture", o.logGroups, o.paths)
	}

	// No file: the built-in defaults.
	o, err = tuiOptions(t, "--demo")
	if err != nil {
		t.Fatal(err)
	}
	if o.buffer != model.DefaultCapacity || o.noMouse || o.profile != "" || o.zone() != nil || o.ipRanges != "" {
		t.Errorf("built-in defaults: %+v", o)
	}
}

// The file is found through --config, then FLOWTAIL_CONFIG, then
// XDG_CONFIG_HOME.
func TestConfigPath(t *testing.T) {
	xdg := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", xdg)
	out, _, code := runCmd(t, "config", "path")
	if want := filepath.Join(xdg, "flowtail", "config.toml") + "\n"; code != 0 || out != want {
		t.Errorf("default: %q (exit %d), want %q", out, code, want)
	}
	t.Setenv(config.EnvPath, "/from/env.toml")
	if out, _, _ := runCmd(t, "config", "path"); out != "/from/env.toml\n" {
		t.Errorf("env: %q", out)
	}
	if out, _, _ := runCmd(t, "config", "path", "--config", "/from/flag.toml"); out != "/from/flag.toml\n" {
		t.Errorf("flag: %q", out)
	}
}

// init writes the commented template once; check reads it back as valid
// and reports the first problem of a broken file with its line and key.
func TestConfigInitAndCheck(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	out, _, code := runCmd(t, "config", "check")
	if code != 0 || !strings.Contains(out, "no config file; built-in defaults in use") {
		t.Errorf("check without a file: %q (exit %d)", out, code)
	}
	out, _, code = runCmd(t, "config", "init")
	if code != 0 || !strings.HasPrefix(out, "wrote ") {
		t.Fatalf("init: %q (exit %d)", out, code)
	}
	_, errOut, code := runCmd(t, "config", "init")
	if code != 1 || !strings.Contains(errOut, "already exists") {
		t.Errorf("second init: %q (exit %d), want a refusal", errOut, code)
	}
	out, _, code = runCmd(t, "config", "check")
	if code != 0 || !strings.Contains(out, ": ok (0 named sources") {
		t.Errorf("check of the template: %q (exit %d)", out, code)
	}

	for _, c := range []struct{ doc, want string }{
		{"buffer = 10\nthme = \"dark\"\n", ":2: thme: unknown key"},
		{"[sources]\nok = \"--demo\"\nprod = \"-g /aws/vpc/prod --sincee 2h\"\n", ":3: sources.prod: unknown flag: --sincee"},
		{"[queries]\nbad = 'stats count(* by srcaddr'\n", ":2: queries.bad:"},
		{"[keys]\nquit = [\"x\"]\nexport = [\"x\"]\n", `:3: keys.export: "x" is also the key of quit`},
		{"[keys]\nqiut = [\"x\"]\n", `:2: keys.qiut: no such action`},
		{"theme = \"dark\"\n[styles]\nreject = \"pink\"\n", `:3: styles.reject: "pink" is not a colour`},
	} {
		p := writeConfig(t, c.doc)
		_, errOut, code := runCmd(t, "config", "check", "--config", p)
		if want := "flowtail config check: config " + p + c.want; code != 1 || !strings.HasPrefix(errOut, want) {
			t.Errorf("%q:\n got  %q (exit %d)\n want %q…", c.doc, errOut, code, want)
		}
	}
}

// A broken file stops every command with a usage error naming the file,
// line and key; nothing is read with half a config.
func TestBrokenConfigStopsCommands(t *testing.T) {
	p := writeConfig(t, "region = \"eu-west-1\"\nbuffer = -1\n")
	for _, args := range [][]string{
		{"cat", "--demo"},
		{"query", "stats count(*)", "--demo"},
		{"explain", "--demo"},
		{"--demo"},
	} {
		_, errOut, code := runCmd(t, append(args, "--config", p)...)
		if want := "config " + p + ":2: buffer: must be a positive number"; code != exitUsage || !strings.Contains(errOut, want) {
			t.Errorf("%q: exit %d, stderr %q; want 2 and %q", args, code, errOut, want)
		}
	}
	// The terminal UI checks its keys and styles before it starts.
	p = writeConfig(t, "[keys]\nfollow = [\"j\"]\n")
	if _, errOut, code := runCmd(t, "--demo", "--config", p); code != exitUsage || !strings.Contains(errOut, p+`:2: keys.follow: "j" is also the key of down`) {
		t.Errorf("a key collision: exit %d, %q", code, errOut)
	}
	_, errOut, code := runCmd(t, "cat", "--config", filepath.Join(t.TempDir(), "missing.toml"), "--demo")
	if code != exitUsage || !strings.Contains(errOut, "missing.toml: no such file") {
		t.Errorf("a named file that does not exist: exit %d, %q", code, errOut)
	}
}

// The file's format is used by headless commands unless --format is given.
func TestConfigFormatInHeadlessCommands(t *testing.T) {
	capture := filepath.Join(t.TempDir(), "c.log")
	// Records written in an order only the file's format reads.
	os.WriteFile(capture, []byte("10.0.0.1 REJECT 22\n10.0.0.2 ACCEPT 443\n10.0.0.1 REJECT 3389\n"), 0o644)
	p := writeConfig(t, "format = \"srcaddr action dstport\"\n")
	out, errOut, code := runCmd(t, "query", "-o", "csv", "--config", p, `filter action = "REJECT" | stats count(*) as n by srcaddr`, capture)
	if code != 0 || out != "srcaddr,n\n10.0.0.1,2\n" {
		t.Errorf("file format: %q %q (exit %d)", out, errOut, code)
	}
	out, errOut, code = runCmd(t, "query", "-o", "csv", "--config", p, "--format", "dstaddr action dstport", `filter action = "REJECT" | stats count(*) as n by dstaddr`, capture)
	if code != 0 || out != "dstaddr,n\n10.0.0.1,2\n" {
		t.Errorf("--format beats the file: %q %q (exit %d)", out, errOut, code)
	}
}

// @name arguments expand to the file's [sources] entry in their place.
func TestNamedSources(t *testing.T) {
	capture := writeCapture(t)
	p := writeConfig(t, "[sources]\ncap = \"--replay max '"+capture+"'\"\n")
	direct, _, _ := runCmd(t, "cat", "-o", "json", capture)
	named, errOut, code := runCmd(t, "cat", "-o", "json", "--config", p, "@cap")
	if code != 0 || named != direct || named == "" {
		t.Errorf("@cap: exit %d, %q, stdout differs from the capture read directly", code, errOut)
	}
	_, errOut, code = runCmd(t, "cat", "--config", p, "@prod")
	if code != exitUsage || !strings.Contains(errOut, "no source named @prod in "+p+" (named sources: @cap)") {
		t.Errorf("@prod: exit %d, %q", code, errOut)
	}
	// A word after -- is a file name, not a named source.
	_, errOut, _ = runCmd(t, "cat", "--config", p, "--", "@cap")
	if !strings.Contains(errOut, "@cap") || strings.Contains(errOut, "no source named") {
		t.Errorf("after --: %q", errOut)
	}
}

// The template written by config init names every action and style the
// terminal UI knows.
func TestTemplateNamesEveryActionAndStyle(t *testing.T) {
	for _, n := range append(ui.ActionNames(), ui.StyleNames()...) {
		if !strings.Contains(config.Template, " "+n+",") && !strings.Contains(config.Template, " "+n+".") && !strings.Contains(config.Template, " "+n+"\n") {
			t.Errorf("the template does not name %q", n)
		}
	}
}
