package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flowtail/flowtail/internal/awstest"
	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/model/export"
	"github.com/flowtail/flowtail/model/rules"
	"github.com/flowtail/flowtail/source/demo"
	"github.com/flowtail/flowtail/source/rulesdir"
)

const demoRulesDir = "../../source/demo/rules"

// explainCapture is the AWS ping example, the ephemeral-port mistake, an
// SSH scanner the bastion's group rejects (logged ACCEPT: inconsistent) and
// an RDP probe the NACL denies on the demo topology, plus lines the engine
// cannot or need not decide.
const explainCapture = `version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status tcp-flags
2 123456789012 eni-0aaa1111111111111 203.0.113.12 10.0.1.10 0 0 1 4 336 1432917027 1432917142 ACCEPT OK 0
2 123456789012 eni-0aaa1111111111111 10.0.1.10 203.0.113.12 0 0 1 4 336 1432917094 1432917142 REJECT OK 0
2 123456789012 eni-0ccc3333333333333 10.0.3.30 10.0.2.20 5432 20001 6 5 400 1432917094 1432917142 REJECT OK 18
2 123456789012 eni-0eee5555555555555 45.155.205.3 10.0.1.50 50123 22 6 1 60 1432917094 1432917142 ACCEPT OK 2
2 123456789012 eni-0aaa1111111111111 92.63.197.40 10.0.1.10 50124 3389 6 1 52 1432917094 1432917142 REJECT OK 2
2 123456789012 eni-0fff6666666666666 - - - - - - - 1432917094 1432917142 - NODATA -
2 123456789012 eni-0zzz9999999999999 1.2.3.4 10.9.9.9 5 6 6 1 40 1432917094 1432917142 ACCEPT OK 2
this line is not a record
`

func writeCapture(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "capture.log")
	if err := os.WriteFile(p, []byte(explainCapture), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// runCmd runs flowtail with args and empty stdin.
func runCmd(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	return runStdin(t, "", args...)
}

// runStdin runs flowtail with args, reading stdin, and returns what it
// printed and its exit status.
func runStdin(t *testing.T, stdin string, args ...string) (out, errOut string, code int) {
	t.Helper()
	var o, e bytes.Buffer
	code = run(context.Background(), args, stdio{strings.NewReader(stdin), &o, &e})
	return o.String(), e.String(), code
}

func jsonLines(t *testing.T, s string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(s), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("not JSON: %q: %v", line, err)
		}
		out = append(out, m)
	}
	return out
}

func TestExplainJSON(t *testing.T) {
	out, stderr, code := runCmd(t, "explain", "--rules", demoRulesDir, "-o", "json", writeCapture(t))
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "skipped 1 malformed line(s) (7 records explained)") {
		t.Errorf("stderr = %q", stderr)
	}
	lines := jsonLines(t, out)
	if len(lines) != 7 {
		t.Fatalf("%d lines", len(lines))
	}
	// The record's own fields, as cat prints them.
	if l := lines[0]; l["srcaddr"] != "203.0.113.12" || l["protocol"] != 1.0 || l["action"] != "ACCEPT" || l["tcp-flags"] != 0.0 {
		t.Errorf("record fields: %v", l)
	}
	type want struct {
		direction, expected, decidedBy string
		consistent                     any
		naclRule                       any
		naclAction                     string
		sgAllowed                      any
		sgResponse                     bool
		reason                         string
	}
	cases := []want{
		{"ingress", "ACCEPT", "none", true, 140.0, "allow", true, false, "inbound rule 140 allows it"},
		{"egress", "REJECT", "nacl", true, 32767.0, "deny", true, false, "outbound has no rule for ICMP to 203.0.113.12"},
		{"egress", "REJECT", "nacl", true, 32767.0, "deny", true, true, "return traffic to the peer's ephemeral port is denied by rule *"},
		{"ingress", "REJECT", "sg", false, 120.0, "allow", false, false,
			"Logged ACCEPT but the loaded rules deny it: no inbound rule of security groups sg-0bast555555555555 (bastion) allows TCP 22 from 45.155.205.3"},
		{"ingress", "REJECT", "nacl", true, 125.0, "deny", false, false, "inbound rule 125 denies TCP 3389 from 92.63.197.40 before it reaches an allow (its rule 130 would allow it)"},
	}
	for i, w := range cases {
		l := lines[i]
		nacl, _ := l["nacl"].(map[string]any)
		sg, _ := l["sg"].(map[string]any)
		if l["direction"] != w.direction || l["expected"] != w.expected || l["decided_by"] != w.decidedBy || l["consistent"] != w.consistent ||
			nacl["rule"] != w.naclRule || nacl["action"] != w.naclAction || sg["allowed"] != w.sgAllowed || sg["response"] != w.sgResponse ||
			!strings.Contains(l["reason"].(string), w.reason) {
			t.Errorf("line %d = %v, want %+v", i+1, l, w)
		}
	}
	if g := lines[3]["sg"].(map[string]any)["groups"].([]any); len(g) != 1 || g[0] != "sg-0bast555555555555" {
		t.Errorf("groups considered: %v", g)
	}
	if l := lines[2]; l["sg"].(map[string]any)["evidence"] != "tcp-flags SYN-ACK (18)" || l["sg"].(map[string]any)["group"] != "sg-0db33333333333333" {
		t.Errorf("reply evidence: %v", l["sg"])
	}
	// NODATA and an unknown interface: nothing guessed.
	for _, l := range lines[5:] {
		if l["expected"] != nil || l["consistent"] != nil || l["decided_by"] != nil {
			t.Errorf("undecided line claims a verdict: %v", l)
		}
	}
	if r := lines[6]["reason"].(string); !strings.Contains(r, "interface eni-0zzz9999999999999 not loaded") {
		t.Errorf("unknown interface reason: %q", r)
	}
}

func TestExplainText(t *testing.T) {
	out, _, code := runCmd(t, "explain", writeCapture(t), "--rules", demoRulesDir)
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{
		"2 123456789012 eni-0aaa1111111111111 10.0.1.10 203.0.113.12 0 0 1 4 336 1432917094 1432917142 REJECT OK 0\n" +
			"  => egress · expected REJECT · logged REJECT (consistent) · decided by NACL · NACL acl-0f1e2d3c4b5a69788 rule * denies · SG sg-0web1111111111111 allows\n" +
			"  Network ACL acl-0f1e2d3c4b5a69788 (public-nacl) outbound has no rule for ICMP to 203.0.113.12",
		"  => ingress · expected REJECT · logged ACCEPT (INCONSISTENT) · decided by SG · NACL acl-0f1e2d3c4b5a69788 rule 120 allows · SG sg-0bast555555555555 denies\n" +
			"  Logged ACCEPT but the loaded rules deny it: no inbound rule of security groups sg-0bast555555555555 (bastion) allows TCP 22 from 45.155.205.3",
		"  => ingress · expected REJECT · logged REJECT (consistent) · decided by NACL · NACL acl-0f1e2d3c4b5a69788 rule 125 denies · SG sg-0web1111111111111 denies\n" +
			"  Network ACL acl-0f1e2d3c4b5a69788 (public-nacl) inbound rule 125 denies TCP 3389 from 92.63.197.40 before it reaches an allow (its rule 130 would allow it)",
		"  => - · could not decide\n  No traffic to evaluate: the record carries no addresses (NODATA).",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks:\n%s\n--- got:\n%s", want, out)
		}
	}
}

func TestExplainRulesWarningsAndErrors(t *testing.T) {
	dir := t.TempDir()
	res, err := rulesdir.Load(demoRulesDir)
	if err != nil || len(res.Loaded) == 0 {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(demoRulesDir, "describe-security-groups.json"))
	os.WriteFile(filepath.Join(dir, "sg.json"), b, 0o644)
	os.WriteFile(filepath.Join(dir, "instances.json"), []byte(`{"Reservations": []}`), 0o644)
	out, stderr, code := runCmd(t, "explain", "--rules", dir, writeCapture(t))
	if code != exitOK || !strings.Contains(stderr, "warning: rules: "+filepath.Join(dir, "instances.json")+": top-level keys Reservations") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	if !strings.Contains(out, "interface eni-0aaa1111111111111 not loaded") {
		t.Errorf("missing interfaces not said:\n%s", out)
	}
	_, stderr, code = runCmd(t, "explain", "--rules", filepath.Join(dir, "nope"), writeCapture(t))
	if code != exitRuntime || !strings.Contains(stderr, "nope") {
		t.Errorf("missing dir: exit %d, %q", code, stderr)
	}
	_, stderr, code = runCmd(t, "explain", "-o", "csv", "--rules", dir, writeCapture(t))
	if code != exitUsage || !strings.Contains(stderr, `invalid value "csv" for flag -o`) {
		t.Errorf("bad -o: exit %d, %q", code, stderr)
	}
}

// TestExplainLiveMatchesRulesDir runs the command against the fake EC2
// endpoint serving the demo rules through the standard credential chain
// and AWS_ENDPOINT_URL: the output is the same as with --rules DIR.
func TestExplainLiveMatchesRulesDir(t *testing.T) {
	res, err := rulesdir.Load(demoRulesDir)
	if err != nil {
		t.Fatal(err)
	}
	srv := awstest.New(t)
	fake := awstest.NewEC2(res.Snapshot)
	srv.Mount(fake)
	awsEnv(t, srv.URL())
	capture := writeCapture(t)
	offline, _, code := runCmd(t, "explain", "-o", "json", "--rules", demoRulesDir, capture)
	if code != exitOK {
		t.Fatal(code)
	}
	live, stderr, code := runCmd(t, "explain", "-o", "json", capture)
	if code != exitOK || live != offline {
		t.Fatalf("exit %d %s\nlive:\n%s\noffline:\n%s", code, stderr, live, offline)
	}
	if fake.Calls("DescribeNetworkInterfaces") == 0 {
		t.Error("no EC2 lookups")
	}

	fake.Deny("DescribeNetworkAcls")
	live, stderr, code = runCmd(t, "explain", "-o", "json", capture)
	if code != exitOK || !strings.Contains(stderr, "access denied to ec2:DescribeNetworkAcls: allow ec2:DescribeNetworkAcls") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	lines := jsonLines(t, live)
	if r := lines[0]["reason"].(string); !strings.Contains(r, "network ACL of subnet subnet-0a11b22c33d44e551 not loaded") {
		t.Errorf("reason without ACLs: %q", r)
	}
}

// BenchmarkExplain measures the whole per-record path of the command:
// decode, evaluate against the demo rules, encode the JSON line.
func BenchmarkExplain(b *testing.B) {
	lines := bytes.Split(bytes.TrimSpace(demo.Capture()), []byte("\n"))
	batch := model.Batch{Events: make([]model.Event, len(lines))}
	for i, l := range lines {
		batch.Events[i] = model.Event{Line: l, Origin: "demo"}
	}
	snap := demo.Rules()
	rs := func(context.Context, string) (*rules.Snapshot, error) { return snap, nil }
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		x := newExplainer(export.JSON, nil, rs, io.Discard, 1)
		if err := x.add(context.Background(), 0, batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(lines)), "ns/record")
}

func TestExplainWithoutRulesNeedsAWS(t *testing.T) {
	awsEnv(t, "http://127.0.0.1:1")
	t.Setenv("AWS_REGION", "")
	_, stderr, code := runCmd(t, "explain", writeCapture(t))
	if code != exitRuntime || !strings.Contains(stderr, "no region") || !strings.Contains(stderr, "--rules DIR") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

func TestRulesProviderRefreshRereadsDir(t *testing.T) {
	dir := t.TempDir()
	copyFile := func(name string) {
		b, err := os.ReadFile(filepath.Join(demoRulesDir, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	copyFile("describe-security-groups.json")
	o := &options{rules: dir}
	p, err := o.rulesProvider(func(string) {})
	if err != nil {
		t.Fatal(err)
	}
	s, _ := p.Lookup(context.Background(), "eni-0aaa1111111111111")
	if len(s.Interfaces) != 0 || len(s.Groups) != 4 {
		t.Fatalf("first load: %d interfaces %d groups", len(s.Interfaces), len(s.Groups))
	}
	copyFile("describe-network-interfaces.json")
	s, err = p.Refresh(context.Background(), "eni-0aaa1111111111111")
	if err != nil || len(s.Interfaces) != 6 {
		t.Errorf("after refresh: %d interfaces, %v", len(s.Interfaces), err)
	}
}

// TestExplainSummaryAndOnly: --summary counts the capture's verdicts by
// deciding rule; --only keeps the rejected or inconsistent records. The
// capture has seven records, each decided by a rule of its own.
func TestExplainSummaryAndOnly(t *testing.T) {
	capture := writeCapture(t)
	out, _, code := runCmd(t, "explain", "--rules", demoRulesDir, "--summary", capture)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != exitOK || len(lines) != 7 {
		t.Fatalf("exit %d, %d rows:\n%s", code, len(lines), out)
	}
	for _, want := range []string{
		"acl-0d3c4b5a69788990a (db-nacl) outbound rule * deny: 1 flow from 1 source to port 20001 (1 reply)",
		"sg-0bast555555555555: no inbound rule for TCP 22: 1 flow from 1 source to port 22 (1 inconsistent with the log)",
		"acl-0f1e2d3c4b5a69788 (public-nacl) inbound rule 125 deny: 1 flow from 1 source to port 3389",
		"could not decide: interface eni-0zzz9999999999999 not loaded: 1 flow from 1 source to port 6",
	} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}

	out, _, _ = runCmd(t, "explain", "--rules", demoRulesDir, "--only", "reject", capture)
	if n := strings.Count(out, "\n  => "); n != 4 || strings.Contains(out, "NODATA") || strings.Contains(out, "1432917027") {
		t.Errorf("--only reject: %d records, want the 4 logged or expected REJECT:\n%s", n, out)
	}
	out, _, _ = runCmd(t, "explain", "--rules", demoRulesDir, "--only", "inconsistent", capture)
	if n := strings.Count(out, "\n  => "); n != 1 || !strings.Contains(out, "45.155.205.3") {
		t.Errorf("--only inconsistent: %d records, want the bastion's SSH scan:\n%s", n, out)
	}
	out, _, _ = runCmd(t, "explain", "--rules", demoRulesDir, "--summary", "--only", "reject", "-o", "json", capture)
	rows := jsonLines(t, out)
	if len(rows) != 4 || rows[0]["flows"] != float64(1) || rows[0]["decided_by"] == nil {
		t.Errorf("--summary -o json: %v", rows)
	}
	if _, stderr, code := runCmd(t, "explain", "--only", "rejected", capture); code != exitUsage || !strings.Contains(stderr, "want reject, inconsistent or undecided") {
		t.Errorf("bad --only: exit %d, %q", code, stderr)
	}
}

// Past internLimit strings the explainer moves to a fresh interner; the
// verdicts, reasons and reply evidence stay those of one interner for the
// whole input, even when the switch falls between a request and its reply.
func TestExplainAcrossInternerResets(t *testing.T) {
	lines := bytes.Split(bytes.TrimSpace(demo.Capture()), []byte("\n"))
	snap := demo.Rules()
	rs := func(context.Context, string) (*rules.Snapshot, error) { return snap, nil }
	explain := func(limit, batchSize int) string {
		var out bytes.Buffer
		x := newExplainer(export.JSON, nil, rs, &out, 1)
		x.internLimit = limit
		for from := 0; from < len(lines); from += batchSize {
			var b model.Batch
			for _, l := range lines[from:min(from+batchSize, len(lines))] {
				b.Events = append(b.Events, model.Event{Line: l, Origin: "demo"})
			}
			if err := x.add(context.Background(), 0, b); err != nil {
				t.Fatal(err)
			}
		}
		if err := x.w.Flush(); err != nil {
			t.Fatal(err)
		}
		return out.String()
	}
	whole := explain(explainInternLimit, len(lines))
	if n := strings.Count(whole, `"response":true`); n == 0 {
		t.Fatal("the demo capture has no replies: the test would prove nothing")
	}
	for _, batch := range []int{1, 3, 50} {
		if got := explain(1, batch); got != whole {
			a, b := strings.Split(got, "\n"), strings.Split(whole, "\n")
			for i := range min(len(a), len(b)) {
				if a[i] != b[i] {
					t.Fatalf("batches of %d, interner replaced at each: line %d is\n%s\nwant\n%s", batch, i+1, a[i], b[i])
				}
			}
			t.Fatalf("batches of %d: %d lines, want %d", batch, len(a), len(b))
		}
	}
}

// Transit Gateway records name no interface: explain says so and why no
// rule is checked, in the text, in JSON and in the summary, with no empty
// interface name ("the subnet of interface  is unknown").
func TestExplainTransitGatewayRecords(t *testing.T) {
	const reason = "Could not decide: a Transit Gateway record names no interface and logs no action (it records what crossed the transit gateway or was lost there, in packets-lost-*), so there are no security groups or network ACL to check it against."
	tgw := "../../testdata/tgw/tgw-default.log"
	out, errOut, code := runCmd(t, "explain", tgw, "--rules", demoRulesDir)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if want := "  => ingress · could not decide\n  " + reason + "\n"; !strings.Contains(out, want) {
		t.Errorf("output lacks:\n%s--- got:\n%s", want, out)
	}
	if strings.Contains(out, "interface  ") || strings.Contains(out, "subnet of interface") {
		t.Errorf("an empty interface name:\n%s", out)
	}
	out, _, _ = runCmd(t, "explain", tgw, "--rules", demoRulesDir, "-o", "json")
	for _, m := range jsonLines(t, out) {
		if m["log-status"] != "OK" {
			continue
		}
		if m["reason"] != reason || len(m["missing"].([]any)) != 1 || m["missing"].([]any)[0] != "a Transit Gateway record names no interface" {
			t.Errorf("json: reason %q, missing %v", m["reason"], m["missing"])
		}
	}
	out, _, _ = runCmd(t, "explain", tgw, "--rules", demoRulesDir, "--summary")
	if !strings.Contains(out, "could not decide: a Transit Gateway record names no interface") {
		t.Errorf("summary:\n%s", out)
	}
}
