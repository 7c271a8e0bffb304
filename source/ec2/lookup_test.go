package ec2_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"net/netip"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	awsec2 "github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/flowtail/flowtail/internal/awstest"
	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/model/rules"
	"github.com/flowtail/flowtail/source/demo"
	"github.com/flowtail/flowtail/source/ec2"
	"github.com/flowtail/flowtail/source/rulesdir"
)

func TestMain(m *testing.M) {
	os.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	os.Exit(m.Run())
}

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// setup serves the demo rules from the fake EC2 endpoint, mounted on the
// shared fake server, and returns a lookup using the real SDK client.
func setup(t *testing.T) (*awstest.EC2, *ec2.Lookup, *clock, *rules.Snapshot) {
	t.Helper()
	res, err := rulesdir.Load("../demo/rules")
	if err != nil {
		t.Fatal(err)
	}
	srv := awstest.New(t)
	fake := awstest.NewEC2(res.Snapshot)
	srv.Mount(fake)
	c := &clock{now: time.Date(2026, 11, 22, 6, 0, 0, 0, time.UTC)}
	l := ec2.New(awsec2.NewFromConfig(srv.AWSConfig()), ec2.Options{Now: c.Now, Backoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond})
	return fake, l, c, res.Snapshot
}

// TestLiveVerdictsMatchRulesDir explains every demo record twice: with the
// rules looked up through the fake EC2 endpoint, and with the rules read
// from the same describe-* files. The verdicts must be identical.
func TestLiveVerdictsMatchRulesDir(t *testing.T) {
	fake, l, _, offline := setup(t)
	names := model.NewInterner()
	dec := model.NewDecoder(names, nil)
	sc := bufio.NewScanner(bytes.NewReader(demo.Capture()))
	var f model.Flow
	var x model.Ext
	n := 0
	ctx := context.Background()
	for sc.Scan() {
		ev := model.Event{Line: sc.Bytes(), Origin: "demo"}
		if res, err := dec.Decode(&ev, nil, &f, &x); err != nil || res != model.ResultRecord {
			continue
		}
		p := rules.FromFlow(&f, &x, names)
		live, err := l.Ensure(ctx, p.Interface)
		if err != nil {
			t.Fatal(err)
		}
		a, b := live.Explain(p), offline.Explain(p)
		if a.Reason != b.Reason || a.Expected != b.Expected || a.DecidedBy != b.DecidedBy || a.NACL.Rule() != b.NACL.Rule() || a.SG.Rule(a.Direction) != b.SG.Rule(b.Direction) {
			t.Fatalf("record %d on %s:\n live    %s\n offline %s", n, p.Interface, a.Reason, b.Reason)
		}
		n++
	}
	if n < 1000 {
		t.Fatalf("only %d records compared", n)
	}
	// Lazy and cached: each interface, group and subnet was looked up once.
	if got := fake.Calls("DescribeSecurityGroups"); got > 6 {
		t.Errorf("DescribeSecurityGroups called %d times for %d records", got, n)
	}
	if got := fake.Calls("DescribeNetworkAcls"); got > 6 {
		t.Errorf("DescribeNetworkAcls called %d times", got)
	}
	if fake.Calls("GetManagedPrefixListEntries") != 1 {
		t.Errorf("GetManagedPrefixListEntries called %d times", fake.Calls("GetManagedPrefixListEntries"))
	}
}

func TestLazyLookupCacheAndRefresh(t *testing.T) {
	fake, l, c, offline := setup(t)
	ctx := context.Background()
	s, err := l.Ensure(ctx, "eni-0ccc3333333333333")
	if err != nil {
		t.Fatal(err)
	}
	// Only what the db interface needs: its group, the members of the
	// group it references, its subnet's ACL.
	if _, ok := s.Interfaces["eni-0aaa1111111111111"]; ok {
		t.Error("web interface looked up without being asked for")
	}
	if _, ok := s.Groups["sg-0db33333333333333"]; !ok {
		t.Fatal("db group not loaded")
	}
	if _, ok := s.ACLFor("subnet-0c33d44e55f66a773"); !ok {
		t.Fatal("db subnet ACL not loaded")
	}
	if !s.InGroup("sg-0app2222222222222", netip.MustParseAddr("10.0.2.20")) {
		t.Error("members of the referenced app group not loaded")
	}
	calls := fake.Calls("DescribeNetworkInterfaces")
	if _, err := l.Ensure(ctx, "eni-0ccc3333333333333"); err != nil {
		t.Fatal(err)
	}
	if fake.Calls("DescribeNetworkInterfaces") != calls {
		t.Error("cached interface looked up again")
	}
	c.Add(6 * time.Minute)
	if _, err := l.Ensure(ctx, "eni-0ccc3333333333333"); err != nil {
		t.Fatal(err)
	}
	if fake.Calls("DescribeNetworkInterfaces") == calls {
		t.Error("interface not looked up again after the TTL")
	}

	// The rules change in the account; Refresh picks it up at once.
	changed := offline.Clone()
	acl := *changed.ACLs["acl-0d3c4b5a69788990a"]
	acl.Outbound = append([]rules.ACLEntry{{Rule: 90, Protocol: 6, Allow: true, Egress: true, CIDR: netip.MustParsePrefix("10.0.2.0/24"),
		HasPorts: true, PortFrom: 1024, PortTo: 65535}}, acl.Outbound...)
	changed.AddACL(&acl)
	fake.SetSnapshot(changed)
	p := rules.Packet{Interface: "eni-0ccc3333333333333", Src: netip.MustParseAddr("10.0.3.30"), Dst: netip.MustParseAddr("10.0.2.20"),
		SrcPort: 5432, DstPort: 20001, Proto: 6, ICMPType: -1, ICMPCode: -1, Logged: model.ActionReject, Status: model.StatusOK}
	if v := l.Snapshot().Explain(p); v.Expected != model.ActionReject {
		t.Fatalf("before refresh: %s", v.Reason)
	}
	s, err = l.Refresh(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if v := s.Explain(p); v.Expected != model.ActionAccept || v.NACL.Rule() != "90" {
		t.Errorf("after refresh: %s", v.Reason)
	}
}

func TestDeniedActionIsNamedAndTheRestWorks(t *testing.T) {
	fake, l, _, _ := setup(t)
	fake.Deny("DescribeNetworkAcls")
	s, err := l.Ensure(context.Background(), "eni-0aaa1111111111111")
	var le *ec2.Error
	if !errors.As(err, &le) || !le.Denied || le.Action != "ec2:DescribeNetworkAcls" || !strings.Contains(err.Error(), "allow ec2:DescribeNetworkAcls") {
		t.Fatalf("err = %v", err)
	}
	if errs := l.Errors(); len(errs) != 1 || errs[0].Action != "ec2:DescribeNetworkAcls" {
		t.Errorf("Errors() = %v", errs)
	}
	// The denial is remembered: the next records do not call again, and
	// still hear why the ACL is missing.
	calls := fake.Calls("DescribeNetworkAcls")
	if _, err := l.Ensure(context.Background(), "eni-0aaa1111111111111"); err == nil || !strings.Contains(err.Error(), "ec2:DescribeNetworkAcls") {
		t.Errorf("second lookup: %v", err)
	}
	if fake.Calls("DescribeNetworkAcls") != calls {
		t.Errorf("denied action called again: %d calls", fake.Calls("DescribeNetworkAcls"))
	}
	// The groups still explain what they can.
	p := rules.Packet{Interface: "eni-0aaa1111111111111", Src: netip.MustParseAddr("203.0.113.9"), Dst: netip.MustParseAddr("10.0.1.10"),
		SrcPort: 40000, DstPort: 443, Proto: 6, ICMPType: -1, ICMPCode: -1, Logged: model.ActionAccept, Status: model.StatusOK}
	v := s.Explain(p)
	if v.Decided() || !v.SG.Allowed || !strings.Contains(v.Reason, "network ACL of subnet subnet-0a11b22c33d44e551 not loaded") {
		t.Errorf("verdict without ACLs: %+v", v)
	}
	// A denial by the groups is certain even without the ACL.
	p.DstPort = 3306
	if v := s.Explain(p); v.Expected != model.ActionReject || v.DecidedBy != "sg" {
		t.Errorf("group denial without the ACL: %s", v.Reason)
	}
	// Once the permission is granted, a refresh loads the ACLs and clears the error.
	fake.Allow("DescribeNetworkAcls")
	s, err = l.Refresh(context.Background())
	if err != nil || len(l.Errors()) != 0 {
		t.Fatalf("after allow: %v %v", err, l.Errors())
	}
	p.DstPort = 443
	if v := s.Explain(p); v.Expected != model.ActionAccept {
		t.Errorf("after allow: %s", v.Reason)
	}
}

func TestThrottlingBacksOff(t *testing.T) {
	fake, l, _, _ := setup(t)
	fake.Throttle("DescribeSecurityGroups", 5)
	s, err := l.Ensure(context.Background(), "eni-0bbb2222222222222")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Groups["sg-0app2222222222222"]; !ok {
		t.Error("group not loaded after throttling")
	}
	if got := fake.Calls("DescribeSecurityGroups"); got < 6 {
		t.Errorf("DescribeSecurityGroups calls = %d, want the 5 throttled ones and a success", got)
	}
}

func TestThrottlingGivesUpWithAMessage(t *testing.T) {
	fake, l, _, _ := setup(t)
	fake.Throttle("DescribeNetworkInterfaces", 1000)
	_, err := l.Ensure(context.Background(), "eni-0bbb2222222222222")
	if err == nil || !strings.Contains(err.Error(), "ec2:DescribeNetworkInterfaces is still throttled") {
		t.Fatalf("err = %v", err)
	}
}

func TestPagination(t *testing.T) {
	fake, l, _, offline := setup(t)
	fake.SetPageSize(1)
	ids := make([]string, 0, len(offline.Interfaces))
	for id := range offline.Interfaces {
		ids = append(ids, id)
	}
	s, err := l.Ensure(context.Background(), ids...)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Interfaces) != len(offline.Interfaces) || len(s.Groups) != len(offline.Groups) || len(s.ACLs) != len(offline.ACLs) || len(s.Subnets) != len(offline.Subnets) {
		t.Errorf("paged lookup got %d/%d interfaces, %d/%d groups, %d/%d acls, %d/%d subnets",
			len(s.Interfaces), len(offline.Interfaces), len(s.Groups), len(offline.Groups), len(s.ACLs), len(offline.ACLs), len(s.Subnets), len(offline.Subnets))
	}
	if fake.Calls("DescribeNetworkInterfaces") < len(offline.Interfaces) {
		t.Errorf("no paging happened")
	}
}

func TestUnknownInterfaceIsNotLoaded(t *testing.T) {
	_, l, _, _ := setup(t)
	s, err := l.Ensure(context.Background(), "eni-0000000000000dead")
	if err != nil {
		t.Fatal(err)
	}
	v := s.Explain(rules.Packet{Interface: "eni-0000000000000dead", Src: netip.MustParseAddr("1.2.3.4"), Dst: netip.MustParseAddr("10.0.0.1"),
		Proto: 6, SrcPort: 1, DstPort: 2, ICMPType: -1, ICMPCode: -1, Status: model.StatusOK})
	if v.Decided() || !strings.Contains(v.Reason, "interface eni-0000000000000dead not loaded") {
		t.Errorf("verdict = %s", v.Reason)
	}
}

// TestConcurrentLookupsAndReads looks up interfaces from several
// goroutines while others evaluate against the published snapshots
// (run with -race).
func TestConcurrentLookupsAndReads(t *testing.T) {
	_, l, _, offline := setup(t)
	var ids []string
	for id := range offline.Interfaces {
		ids = append(ids, id)
	}
	p := rules.Packet{Interface: "eni-0aaa1111111111111", Src: netip.MustParseAddr("203.0.113.9"), Dst: netip.MustParseAddr("10.0.1.10"),
		SrcPort: 40000, DstPort: 443, Proto: 6, ICMPType: -1, ICMPCode: -1, Logged: model.ActionAccept, Status: model.StatusOK}
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			if _, err := l.Ensure(context.Background(), ids[i%len(ids)], ids[(i+1)%len(ids)]); err != nil {
				t.Error(err)
			}
			if i == 0 {
				if _, err := l.Refresh(context.Background()); err != nil {
					t.Error(err)
				}
			}
		}()
		go func() {
			defer wg.Done()
			for range 50 {
				l.Snapshot().Explain(p)
			}
		}()
	}
	wg.Wait()
	s, err := l.Ensure(context.Background(), p.Interface)
	if err != nil {
		t.Fatal(err)
	}
	if v := s.Explain(p); v.Expected != model.ActionAccept {
		t.Errorf("after concurrent lookups: %s", v.Reason)
	}
}
