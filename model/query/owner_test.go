package query

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/model/ipranges"
)

// testOwners is a lookup written out by hand: an S3 range, an EC2 IPv6
// range, and one private address of a NAT gateway interface.
func testOwners(a netip.Addr) (model.Owner, bool) {
	switch {
	case netip.MustParsePrefix("203.0.113.0/24").Contains(a):
		return model.Owner{Name: "S3", Detail: "eu-west-1", Public: true}, true
	case netip.MustParsePrefix("2001:db8::/64").Contains(a):
		return model.Owner{Name: "EC2", Detail: "us-east-1", Public: true}, true
	case a == netip.MustParseAddr("10.0.1.50"):
		return model.Owner{Name: "NAT gateway", Detail: "nat (eni-1)"}, true
	}
	return model.Owner{}, false
}

// ownerTruth is the owner field's rule written plainly: a public owner on
// either side, destination first, then a private one.
func ownerTruth(r rec) string {
	if r.nodata {
		return ""
	}
	own := func(s string) (model.Owner, bool) { return testOwners(netip.MustParseAddr(s)) }
	d, dok := own(r.dst)
	s, sok := own(r.src)
	switch {
	case dok && d.Public:
		return d.Name
	case sok && s.Public:
		return s.Name
	case dok:
		return d.Name
	case sok:
		return s.Name
	}
	return ""
}

func runOpt(t *testing.T, st *model.Store, text string, opt Options) *Result {
	t.Helper()
	q, err := Parse(text)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Compile(q, st.Names(), opt)
	if err != nil {
		t.Fatalf("Compile(%q): %v", text, err)
	}
	var res *Result
	st.Read(func(v model.View) { res = p.Run(v) })
	return res
}

func TestOwnerFields(t *testing.T) {
	st, recs := load(t, capture(3000))
	opt := Options{Owner: testOwners}
	want := map[string]uint64{}
	var s3, natSrc, natDst uint64
	for _, r := range recs {
		if o := ownerTruth(r); o != "" {
			want[o]++
			if o == "S3" {
				s3++
			}
		}
		if !r.nodata && r.src == "10.0.1.50" {
			natSrc++
		}
		if !r.nodata && r.dst == "10.0.1.50" {
			natDst++
		}
	}
	if s3 == 0 || natSrc == 0 || want["EC2"] == 0 || want["NAT gateway"] == 0 {
		t.Fatalf("the capture does not exercise every owner: %v", want)
	}
	res := runOpt(t, st, `stats count(*) as n by owner`, opt)
	got := map[string]uint64{}
	for _, row := range res.Rows {
		if row[0].Kind != Null { // records no one is known to own
			got[row[0].S] = row[1].I
		}
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("owner %q: %d records, want %d", k, got[k], v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("owners %v, want %v", got, want)
	}
	for text, n := range map[string]uint64{
		`filter owner = "S3" | stats count(*) as n`:                       s3,
		`filter srcOwner = "NAT gateway" | stats count(*) as n`:           natSrc,
		`filter dst-owner like /NAT/ | stats count(*) as n`:               natDst,
		`filter owner in ["S3", "EC2"] | stats count(*) as n`:             s3 + want["EC2"],
		`filter ispresent(owner) and owner != "S3" | stats count(*) as n`: want["EC2"] + want["NAT gateway"],
	} {
		if res := runOpt(t, st, text, opt); res.Rows[0][0].I != n {
			t.Errorf("%s: %d, want %d", text, res.Rows[0][0].I, n)
		}
	}
	// Without a lookup the fields are absent, not an error.
	if res := runOpt(t, st, `filter ispresent(owner) | stats count(*) as n`, Options{}); res.Rows[0][0].I != 0 {
		t.Errorf("no lookup: %d records have an owner", res.Rows[0][0].I)
	}
}

// A filter compiled before any record was looked up still matches the
// owner names records show later.
func TestOwnerFilterCompiledFirst(t *testing.T) {
	names := model.NewInterner()
	pred, st, err := CompileFilter(`owner = "S3"`, names, Options{Owner: testOwners})
	if err != nil || st != Valid {
		t.Fatal(st, err)
	}
	store := model.NewStore(10)
	in := model.NewIngester(store, nil)
	var b model.Batch
	for _, l := range []string{
		"2 1 eni-1 10.0.1.5 203.0.113.9 40000 443 6 1 40 1700000000 1700000060 ACCEPT OK",
		"2 1 eni-1 10.0.1.5 198.51.100.7 40000 443 6 1 40 1700000000 1700000060 ACCEPT OK",
	} {
		b.Events = append(b.Events, model.Event{Line: []byte(l)})
	}
	in.Ingest(b)
	var hits []string
	store.Read(func(v model.View) {
		for i := 0; i < v.Len(); i++ {
			if f, x := v.At(i); pred(f, x) {
				hits = append(hits, f.DstAddr(x).String())
			}
		}
	})
	if strings.Join(hits, ",") != "203.0.113.9" {
		t.Errorf("matched %v, want the S3 address only", hits)
	}
}

// BenchmarkOwnerFilter: filter owner = "S3" over records whose owner comes
// from an ip-ranges table, as the program builds it.
func BenchmarkOwnerFilter(b *testing.B) {
	tab, err := ipranges.Parse(strings.NewReader(`{"syncToken":"1","createDate":"x","prefixes":[
		{"ip_prefix":"203.0.113.0/24","region":"eu-west-1","service":"S3"},
		{"ip_prefix":"198.51.100.0/24","region":"eu-west-1","service":"AMAZON"}],
		"ipv6_prefixes":[{"ipv6_prefix":"2001:db8::/64","region":"us-east-1","service":"EC2"}]}`))
	if err != nil {
		b.Fatal(err)
	}
	lookup := func(a netip.Addr) (model.Owner, bool) {
		if o, ok := tab.Lookup(a); ok {
			return model.Owner{Name: o.Service, Detail: o.Region, Public: true}, true
		}
		return model.Owner{}, false
	}
	st, _ := load(b, capture(100000))
	pred, _, err := CompileFilter(`owner = "S3"`, st.Names(), Options{Owner: lookup})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		n := 0
		st.Read(func(v model.View) {
			for i := 0; i < v.Len(); i++ {
				if f, x := v.At(i); pred(f, x) {
					n++
				}
			}
		})
		if n == 0 {
			b.Fatal("nothing matched")
		}
	}
}
