package cli

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const rangesFixture = "testdata/ip-ranges.json"

// demoCounts counts the demo's records by a test on their JSON fields, from
// cat's output rather than the query engine.
func demoCounts(t *testing.T, keep func(rec map[string]any) bool) int {
	t.Helper()
	out, _, code := runCmd(t, "cat", "-o", "json", "--demo")
	if code != 0 {
		t.Fatalf("cat --demo: exit %d", code)
	}
	n := 0
	for _, r := range jsonLines(t, out) {
		if keep(r) {
			n++
		}
	}
	return n
}

func queryCount(t *testing.T, args ...string) string {
	t.Helper()
	out, errOut, code := runCmd(t, append([]string{"query", "-o", "csv"}, args...)...)
	if code != 0 {
		t.Fatalf("%q: exit %d, %s", args, code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	return lines[len(lines)-1]
}

// The owner fields answer from --ip-ranges FILE (longest prefix: S3 inside
// DYNAMODB inside AMAZON; IPv6 too) and from the interfaces of the loaded
// rules (the demo's NAT gateway).
func TestQueryOwnerFields(t *testing.T) {
	either := func(addr string) func(map[string]any) bool {
		return func(r map[string]any) bool { return r["srcaddr"] == addr || r["dstaddr"] == addr }
	}
	s3 := demoCounts(t, either("52.94.133.131"))
	ec2 := demoCounts(t, func(r map[string]any) bool {
		s, _ := r["srcaddr"].(string)
		d, _ := r["dstaddr"].(string)
		return strings.HasPrefix(s, "2001:db8:85a3:") || strings.HasPrefix(d, "2001:db8:85a3:")
	})
	nat := demoCounts(t, func(r map[string]any) bool { return r["srcaddr"] == "10.0.1.100" })
	if s3 == 0 || ec2 == 0 || nat == 0 {
		t.Fatalf("the demo lacks an owner to test: S3 %d, EC2 %d, NAT %d", s3, ec2, nat)
	}
	for q, want := range map[string]int{
		`filter owner = "S3" | stats count(*) as n`:                    s3,
		`filter owner = "EC2" | stats count(*) as n`:                   ec2,
		`filter srcOwner = "NAT gateway" | stats count(*) as n`:        nat,
		`filter owner in ["AMAZON", "DYNAMODB"] | stats count(*) as n`: 0,
	} {
		if got := queryCount(t, "--ip-ranges", rangesFixture, "--demo", q); got != strconv.Itoa(want) {
			t.Errorf("%s: %s, want %d", q, got, want)
		}
	}
	// Without the ranges the public owners are unknown; the interfaces
	// of the rules still name theirs.
	if got := queryCount(t, "--demo", `filter owner = "S3" | stats count(*) as n`); got != "0" {
		t.Errorf("no ranges: %s S3 records", got)
	}
	_, errOut, code := runCmd(t, "query", "--ip-ranges", "missing.json", "--demo", "stats count(*)")
	if code != exitUsage || !strings.Contains(errOut, "invalid value for flag --ip-ranges") || !strings.Contains(errOut, "missing.json") {
		t.Errorf("a missing --ip-ranges file: exit %d, %q", code, errOut)
	}
}

// ip-ranges --update downloads into the cache (here from 127.0.0.1); the
// commands then use the cached copy without being told.
func TestIPRangesUpdateAndCache(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	out, _, code := runCmd(t, "ip-ranges")
	if code != 0 || !strings.Contains(out, "no copy of ip-ranges.json") {
		t.Errorf("no copy: %q (exit %d)", out, code)
	}
	doc, err := os.ReadFile(rangesFixture)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write(doc) }))
	defer srv.Close()
	old := ipRangesURL
	ipRangesURL = srv.URL
	defer func() { ipRangesURL = old }()
	out, errOut, code := runCmd(t, "ip-ranges", "--update")
	if code != 0 || !strings.HasPrefix(out, "downloaded "+filepath.Join(os.Getenv("XDG_CACHE_HOME"), "flowtail", "ip-ranges.json")) ||
		!strings.Contains(out, "4 prefixes, syncToken 1764547200, created 2026-12-01-00-00-00") {
		t.Errorf("update: %q %q (exit %d)", out, errOut, code)
	}
	out, _, _ = runCmd(t, "ip-ranges")
	if !strings.HasPrefix(out, "read ") {
		t.Errorf("after update: %q", out)
	}
	if got := queryCount(t, "--demo", `filter owner = "S3" | stats count(*) as n`); got == "0" {
		t.Errorf("the cached copy was not used")
	}
}

// The demo's interfaces are named from its rules: the NAT gateway by its
// description, the others by kind and instance.
func TestInterfaceNamesFromRules(t *testing.T) {
	o := &options{demo: true}
	rp, err := o.rulesProvider(func(string) {})
	if err != nil {
		t.Fatal(err)
	}
	names := interfaceNames(rp)
	if names == nil {
		t.Fatal("no names with the demo's rules")
	}
	for id, i := range rp.staticSnapshot().Interfaces {
		got, ok := names(id)
		want := i.Description
		if want == "" {
			want = i.InstanceID + " · instance"
		}
		if !ok || (got != want && got != i.Name()+" · "+i.Kind()) {
			t.Errorf("%s: %q, want %q", id, got, want)
		}
		if i.Description == "Interface for NAT Gateway nat-0abc123def4567890" && got != i.Description {
			t.Errorf("NAT gateway named %q", got)
		}
	}
	if _, ok := names("eni-unknown"); ok {
		t.Error("an unknown interface has a name")
	}
	if interfaceNames(&rulesProvider{o: &options{}}) != nil {
		t.Error("names without rules")
	}
}

// Owner fields are answered locally only: --on refuses them before asking
// AWS anything.
func TestOwnerQueriesAreNotSentToAWS(t *testing.T) {
	_, errOut, code := runCmd(t, "query", "--on", "insights", "-g", "/aws/vpc/x", `filter owner = "S3" | stats count(*)`)
	if code != exitUsage || !strings.Contains(errOut, "owner, srcOwner and dstOwner are answered on this machine") {
		t.Errorf("exit %d, %q", code, errOut)
	}
}

// The terminal UI is told which copy of the ranges labels addresses.
func TestOwnersNote(t *testing.T) {
	o := &options{ipRanges: rangesFixture}
	if _, err := o.owners(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if o.ownersNote != "AWS ip-ranges created 2026-12-01-00-00-00, syncToken 1764547200" {
		t.Errorf("note %q", o.ownersNote)
	}
	o = &options{}
	if lookup, err := o.owners(context.Background(), nil); err != nil || lookup != nil || o.ownersNote != "" {
		t.Errorf("no ranges, no rules: %v %v %q", lookup != nil, err, o.ownersNote)
	}
}
