// Package ipranges answers who owns a public address, from AWS's published
// ip-ranges.json: the AWS service and Region of the most specific prefix that
// holds it.
package ipranges

import (
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"sort"
)

// Owner is the AWS service and Region a prefix of ip-ranges.json names.
type Owner struct {
	Service string // e.g. "S3", "EC2"; "AMAZON" when no narrower service claims it
	Region  string // e.g. "us-east-1", or "GLOBAL"
	Prefix  netip.Prefix
}

// Table is a parsed ip-ranges.json, ready for longest-prefix lookups.
type Table struct {
	SyncToken  string
	CreateDate string
	// byLen[b] maps masked prefixes of b bits to their owner; v4 and v6 apart.
	v4, v6   map[int]map[netip.Addr]Owner
	lens4    []int // prefix lengths present, longest first
	lens6    []int
	prefixes int
}

// document is the shape AWS publishes at
// https://ip-ranges.amazonaws.com/ip-ranges.json.
type document struct {
	SyncToken  string `json:"syncToken"`
	CreateDate string `json:"createDate"`
	Prefixes   []struct {
		Prefix  string `json:"ip_prefix"`
		Region  string `json:"region"`
		Service string `json:"service"`
	} `json:"prefixes"`
	IPv6Prefixes []struct {
		Prefix  string `json:"ipv6_prefix"`
		Region  string `json:"region"`
		Service string `json:"service"`
	} `json:"ipv6_prefixes"`
}

// Parse reads an ip-ranges.json document. A prefix that cannot be read is an
// error naming it: a half-read table would label addresses wrongly.
func Parse(r io.Reader) (*Table, error) {
	var doc document
	dec := json.NewDecoder(r)
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("ip-ranges: not an ip-ranges.json document: %w", err)
	}
	if len(doc.Prefixes) == 0 && len(doc.IPv6Prefixes) == 0 {
		return nil, fmt.Errorf("ip-ranges: the document lists no prefixes")
	}
	t := &Table{
		SyncToken:  doc.SyncToken,
		CreateDate: doc.CreateDate,
		v4:         map[int]map[netip.Addr]Owner{},
		v6:         map[int]map[netip.Addr]Owner{},
	}
	for i, p := range doc.Prefixes {
		if err := t.add(p.Prefix, p.Service, p.Region); err != nil {
			return nil, fmt.Errorf("ip-ranges: prefixes[%d]: %w", i, err)
		}
	}
	for i, p := range doc.IPv6Prefixes {
		if err := t.add(p.Prefix, p.Service, p.Region); err != nil {
			return nil, fmt.Errorf("ip-ranges: ipv6_prefixes[%d]: %w", i, err)
		}
	}
	t.lens4 = lengths(t.v4)
	t.lens6 = lengths(t.v6)
	return t, nil
}

func (t *Table) add(text, service, region string) error {
	p, err := netip.ParsePrefix(text)
	if err != nil {
		return fmt.Errorf("prefix %q: %w", text, err)
	}
	p = p.Masked()
	m := t.v4
	if p.Addr().Is6() {
		m = t.v6
	}
	byAddr := m[p.Bits()]
	if byAddr == nil {
		byAddr = map[netip.Addr]Owner{}
		m[p.Bits()] = byAddr
	}
	o := Owner{Service: service, Region: region, Prefix: p}
	if prev, ok := byAddr[p.Addr()]; ok && !narrower(o, prev) {
		return nil
	}
	if _, ok := byAddr[p.Addr()]; !ok {
		t.prefixes++
	}
	byAddr[p.Addr()] = o
	return nil
}

// narrower reports whether o names a more specific service than prev for the
// same prefix. AWS lists every range under AMAZON as well as under the service
// that uses it; the service is the useful answer.
func narrower(o, prev Owner) bool {
	if prev.Service == "AMAZON" && o.Service != "AMAZON" {
		return true
	}
	if o.Service == "AMAZON" {
		return false
	}
	// Two narrower services on one prefix: keep a stable choice.
	return o.Service < prev.Service
}

func lengths(m map[int]map[netip.Addr]Owner) []int {
	ls := make([]int, 0, len(m))
	for l := range m {
		ls = append(ls, l)
	}
	sort.Sort(sort.Reverse(sort.IntSlice(ls)))
	return ls
}

// Len is the number of distinct prefixes in the table.
func (t *Table) Len() int { return t.prefixes }

// Lookup returns the owner of the longest prefix holding a, if any. IPv4-mapped
// IPv6 addresses are looked up as IPv4.
func (t *Table) Lookup(a netip.Addr) (Owner, bool) {
	if t == nil || !a.IsValid() {
		return Owner{}, false
	}
	a = a.Unmap()
	m, lens := t.v4, t.lens4
	if a.Is6() {
		m, lens = t.v6, t.lens6
	}
	for _, l := range lens {
		p, err := a.Prefix(l)
		if err != nil {
			continue
		}
		if o, ok := m[l][p.Addr()]; ok {
			return o, true
		}
	}
	return Owner{}, false
}
