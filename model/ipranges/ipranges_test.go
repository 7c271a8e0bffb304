package ipranges

import (
	"encoding/binary"
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"
)

const fixture = `{
  "syncToken": "1764720000",
  "createDate": "2026-12-03-00-00-00",
  "prefixes": [
    {"ip_prefix": "52.92.0.0/17", "region": "eu-west-1", "service": "AMAZON", "network_border_group": "eu-west-1"},
    {"ip_prefix": "52.92.0.0/17", "region": "eu-west-1", "service": "S3", "network_border_group": "eu-west-1"},
    {"ip_prefix": "52.92.64.0/20", "region": "eu-west-1", "service": "EC2", "network_border_group": "eu-west-1"},
    {"ip_prefix": "52.94.133.131/32", "region": "us-east-1", "service": "DYNAMODB", "network_border_group": "us-east-1"},
    {"ip_prefix": "52.0.0.0/8", "region": "GLOBAL", "service": "AMAZON", "network_border_group": "GLOBAL"},
    {"ip_prefix": "3.5.140.0/22", "region": "ap-northeast-2", "service": "S3", "network_border_group": "ap-northeast-2"}
  ],
  "ipv6_prefixes": [
    {"ipv6_prefix": "2600:1f00::/24", "region": "GLOBAL", "service": "AMAZON", "network_border_group": "GLOBAL"},
    {"ipv6_prefix": "2600:1f18::/33", "region": "us-east-1", "service": "EC2", "network_border_group": "us-east-1"},
    {"ipv6_prefix": "2a05:d07a:a000::/40", "region": "eu-south-1", "service": "S3", "network_border_group": "eu-south-1"}
  ]
}`

func TestLookupLongestPrefixAndNarrowestService(t *testing.T) {
	tab, err := Parse(strings.NewReader(fixture))
	if err != nil {
		t.Fatal(err)
	}
	if tab.SyncToken != "1764720000" || tab.CreateDate != "2026-12-03-00-00-00" {
		t.Fatalf("sync token/date = %q %q", tab.SyncToken, tab.CreateDate)
	}
	cases := []struct {
		addr, service, region, prefix string
	}{
		{"52.92.1.1", "S3", "eu-west-1", "52.92.0.0/17"},    // AMAZON and S3 on one prefix: S3
		{"52.92.70.9", "EC2", "eu-west-1", "52.92.64.0/20"}, // longer prefix wins
		{"52.94.133.131", "DYNAMODB", "us-east-1", "52.94.133.131/32"},
		{"52.94.133.130", "AMAZON", "GLOBAL", "52.0.0.0/8"},
		{"3.5.143.255", "S3", "ap-northeast-2", "3.5.140.0/22"},
		{"::ffff:3.5.140.1", "S3", "ap-northeast-2", "3.5.140.0/22"}, // mapped IPv4
		{"2600:1f18:4000::1", "EC2", "us-east-1", "2600:1f18::/33"},
		{"2600:1f18:8000::1", "AMAZON", "GLOBAL", "2600:1f00::/24"},
		{"2a05:d07a:a0ff::5", "S3", "eu-south-1", "2a05:d07a:a000::/40"},
	}
	for _, c := range cases {
		o, ok := tab.Lookup(netip.MustParseAddr(c.addr))
		if !ok || o.Service != c.service || o.Region != c.region || o.Prefix.String() != c.prefix {
			t.Errorf("%s: got %+v %v, want %s %s %s", c.addr, o, ok, c.service, c.region, c.prefix)
		}
	}
	for _, a := range []string{"10.0.1.10", "3.5.144.0", "2001:db8::1"} {
		if o, ok := tab.Lookup(netip.MustParseAddr(a)); ok {
			t.Errorf("%s: owned by %+v, want no owner", a, o)
		}
	}
}

func TestParseErrorsNameTheEntry(t *testing.T) {
	for _, c := range []struct{ doc, want string }{
		{`{"prefixes":[{"ip_prefix":"52.92.0.0/17"},{"ip_prefix":"nope"}]}`, `prefixes[1]: prefix "nope"`},
		{`{"ipv6_prefixes":[{"ipv6_prefix":"2600::/300"}]}`, `ipv6_prefixes[0]`},
		{`{"prefixes":[]}`, `lists no prefixes`},
		{`<html>`, `not an ip-ranges.json document`},
	} {
		_, err := Parse(strings.NewReader(c.doc))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", c.doc, err, c.want)
		}
	}
}

// TestLookupMatchesLinearScan checks the lookup against a plain scan of every
// prefix on random tables and addresses.
func TestLookupMatchesLinearScan(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	services := []string{"AMAZON", "S3", "EC2", "CLOUDFRONT"}
	for round := 0; round < 20; round++ {
		var b strings.Builder
		b.WriteString(`{"prefixes":[`)
		type entry struct {
			p       netip.Prefix
			service string
		}
		var entries []entry
		for i := 0; i < 200; i++ {
			var a [4]byte
			binary.BigEndian.PutUint32(a[:], 0x34000000|rng.Uint32()&0x00ffffff)
			p := netip.PrefixFrom(netip.AddrFrom4(a), 8+rng.IntN(25)).Masked()
			s := services[rng.IntN(len(services))]
			entries = append(entries, entry{p, s})
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(`{"ip_prefix":"` + p.String() + `","region":"r","service":"` + s + `"}`)
		}
		b.WriteString(`]}`)
		tab, err := Parse(strings.NewReader(b.String()))
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 2000; i++ {
			var a [4]byte
			binary.BigEndian.PutUint32(a[:], 0x34000000|rng.Uint32()&0x00ffffff)
			addr := netip.AddrFrom4(a)
			// Independent answer: the longest containing prefix; on a tie, a
			// service other than AMAZON, then the smallest name.
			best, found := entry{}, false
			for _, e := range entries {
				if !e.p.Contains(addr) {
					continue
				}
				switch {
				case !found, e.p.Bits() > best.p.Bits():
					best, found = e, true
				case e.p.Bits() == best.p.Bits():
					if (best.service == "AMAZON" && e.service != "AMAZON") ||
						(e.service != "AMAZON" && best.service != "AMAZON" && e.service < best.service) {
						best = e
					}
				}
			}
			o, ok := tab.Lookup(addr)
			if ok != found || (ok && (o.Prefix != best.p || o.Service != best.service)) {
				t.Fatalf("%s: got %+v %v, want %+v %v", addr, o, ok, best, found)
			}
		}
	}
}

func BenchmarkLookup(b *testing.B) {
	tab, err := Parse(strings.NewReader(fixture))
	if err != nil {
		b.Fatal(err)
	}
	addr := netip.MustParseAddr("52.92.70.9")
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := tab.Lookup(addr); !ok {
			b.Fatal("no owner")
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add(fixture)
	f.Add(`{"prefixes":[{"ip_prefix":"0.0.0.0/0","service":"AMAZON"}]}`)
	f.Fuzz(func(t *testing.T, doc string) {
		tab, err := Parse(strings.NewReader(doc))
		if err != nil {
			return
		}
		tab.Lookup(netip.MustParseAddr("52.92.1.1"))
		tab.Lookup(netip.MustParseAddr("2600:1f18::1"))
	})
}
