package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseEveryKey(t *testing.T) {
	doc := `
profile = "prod"
region = "eu-west-1"
log_groups = ["/aws/vpc/a", "/aws/vpc/b"]
s3 = ["s3://bucket/AWSLogs/"]
format = "version srcaddr dstaddr action"
rules = "/tmp/rules"
buffer = 5000
time_zone = "Europe/Paris"
theme = "colorblind"
mouse = false
ip_ranges = "/tmp/ip-ranges.json"

[sources]
prod = "-g /aws/vpc/prod --since '2 h'"

[queries]
"ssh rejects" = 'filter action = "REJECT" and dstport = 22'

[keys]
quit = ["q", "ctrl+c"]

[styles]
reject = "#ff5f87"
`
	c, err := Parse("c.toml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if c.Profile != "prod" || c.Region != "eu-west-1" || len(c.LogGroups) != 2 || c.LogGroups[1] != "/aws/vpc/b" ||
		c.S3[0] != "s3://bucket/AWSLogs/" || c.Rules != "/tmp/rules" || c.Buffer != 5000 || c.Theme != "colorblind" ||
		c.Mouse == nil || *c.Mouse || c.IPRanges != "/tmp/ip-ranges.json" {
		t.Fatalf("decoded %+v", c.File)
	}
	if c.Format == nil || len(c.Format.Fields) != 4 {
		t.Fatalf("format = %+v", c.Format)
	}
	if c.Location == nil || c.Location.String() != "Europe/Paris" {
		t.Fatalf("location = %v", c.Location)
	}
	args, _ := SplitArgs(c.Sources["prod"])
	if strings.Join(args, "|") != "-g|/aws/vpc/prod|--since|2 h" {
		t.Fatalf("source args = %q", args)
	}
	if c.Queries["ssh rejects"] == "" || c.Keys["quit"][1] != "ctrl+c" || c.Styles["reject"] != "#ff5f87" {
		t.Fatalf("tables: %+v", c.File)
	}
}

func TestErrorsNameFileLineAndKey(t *testing.T) {
	cases := []struct{ doc, want string }{
		{"profile = \"p\"\nbuffr = 10\n", "config c.toml:2: buffr: unknown key"},
		{"[keys]\nquit = [\"q\"]\n[colours]\nx = 1\n", "config c.toml:3: colours"},
		{"buffer = \"lots\"\n", "config c.toml:1: buffer:"},
		{"buffer = -5\n", "config c.toml:1: buffer: must be a positive number"},
		{"\n\ntime_zone = \"Mars/Olympus\"\n", "config c.toml:3: time_zone:"},
		{"theme = \"neon\"\n", "config c.toml:1: theme: unknown theme \"neon\""},
		{"# x\nformat = \"version nonsense-but-fine ${\"\n", "config c.toml:2: format:"},
		{"s3 = [\"bucket/x\"]\n", "config c.toml:1: s3: \"bucket/x\" is not an s3://"},
		{"[queries]\nok = 'filter action = \"ACCEPT\"'\nbad = 'filter dstport = '\n", "config c.toml:3: queries.bad:"},
		{"[sources]\nprod = \"-g 'open\"\n", "config c.toml:2: sources.prod: unclosed ' quote"},
		{"[keys]\nquit = []\n", "config c.toml:2: keys.quit: names no keys"},
		{"profile = \n", "config c.toml:1"},
	}
	for _, c := range cases {
		_, err := Parse("c.toml", []byte(c.doc))
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%q:\n got  %v\n want %s…", c.doc, err, c.want)
		}
	}
}

func TestTemplateIsAValidEmptyConfig(t *testing.T) {
	c, err := Parse("template", []byte(Template))
	if err != nil {
		t.Fatal(err)
	}
	if c.Profile != "" || c.Buffer != 0 || len(c.Queries) != 0 {
		t.Fatalf("template sets values: %+v", c.File)
	}
	// Every key of File is documented in the template.
	for _, key := range []string{"profile", "region", "log_groups", "s3", "format", "rules", "buffer", "time_zone",
		"theme", "mouse", "ip_ranges", "[sources]", "[queries]", "[keys]", "[styles]"} {
		if !strings.Contains(Template, "# "+key) {
			t.Errorf("template does not document %s", key)
		}
	}
	// Uncommenting the examples gives a valid config.
	var b strings.Builder
	for _, line := range strings.Split(Template, "\n") {
		if strings.HasPrefix(line, "# ") && (strings.Contains(line, " = ") || strings.HasPrefix(line, "# [")) {
			line = strings.TrimPrefix(line, "# ")
		}
		b.WriteString(line + "\n")
	}
	if _, err := Parse("uncommented", []byte(b.String())); err != nil {
		t.Fatalf("the uncommented template: %v", err)
	}
}

func TestLocateAndLoad(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	t.Setenv(EnvPath, "")
	p, explicit, err := Locate("")
	if err != nil || explicit || p != filepath.Join(dir, "flowtail", "config.toml") {
		t.Fatalf("default: %q %v %v", p, explicit, err)
	}
	c, err := Load(p, explicit)
	if err != nil || c.Profile != "" {
		t.Fatalf("a missing default file is an empty config: %+v %v", c, err)
	}
	if err := Init(p); err != nil {
		t.Fatal(err)
	}
	if err := Init(p); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("second init: %v", err)
	}
	other := filepath.Join(dir, "other.toml")
	os.WriteFile(other, []byte("buffer = 10\n"), 0o644)
	t.Setenv(EnvPath, other)
	if p, explicit, _ = Locate(""); p != other || !explicit {
		t.Fatalf("env: %q %v", p, explicit)
	}
	if p, _, _ = Locate("/x/flag.toml"); p != "/x/flag.toml" {
		t.Fatalf("flag beats env: %q", p)
	}
	if _, err := Load(filepath.Join(dir, "missing.toml"), true); err == nil {
		t.Fatal("a named file that is missing is an error")
	}
	if c, err := Load(other, true); err != nil || c.Buffer != 10 {
		t.Fatalf("load: %+v %v", c, err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(Template))
	f.Add([]byte("buffer = 10\n[sources]\na = \"-g x\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("f.toml", data)
		if err == nil && c == nil {
			t.Fatal("nil config without error")
		}
	})
}

func FuzzSplitArgs(f *testing.F) {
	f.Add(`-g "/aws/vpc/a b" --since 2h`)
	f.Fuzz(func(t *testing.T, s string) {
		args, err := SplitArgs(s)
		if err != nil {
			return
		}
		for _, a := range args {
			if a == "" && !strings.ContainsAny(s, `'"`) {
				t.Fatalf("empty word from %q", s)
			}
		}
	})
}
