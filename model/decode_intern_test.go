package model

import (
	"fmt"
	"testing"
)

const internTestHeader = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status vpc-id"

func internTestLine(i int) string {
	return fmt.Sprintf("2 %012d eni-%017x 10.0.0.1 10.0.0.2 %d 443 6 1 40 1418530010 1418530070 ACCEPT OK vpc-%017x", i, i%5, 1024+i, i)
}

// A decoder told which fields its reader needs interns only those: the
// interner holds the five interfaces, not a thousand accounts and VPCs,
// and the other fields still read as present.
func TestDecoderInternOnly(t *testing.T) {
	names := NewInterner()
	d := NewDecoder(names, nil)
	d.InternOnly(func(id FieldID) bool { return id == FieldInterfaceID })
	var f Flow
	var x Ext
	if res, _ := d.Decode(&Event{Line: []byte(internTestHeader), Origin: "o"}, nil, &f, &x); res != ResultHeader {
		t.Fatalf("header read as %v", res)
	}
	for i := range 1000 {
		res, err := d.Decode(&Event{Line: []byte(internTestLine(i)), Origin: "o"}, nil, &f, &x)
		if res != ResultRecord {
			t.Fatalf("line %d: %v %v", i, res, err)
		}
		if got, want := names.Name(f.Iface), fmt.Sprintf("eni-%017x", i%5); got != want {
			t.Fatalf("line %d: interface-id %q, want %q", i, got, want)
		}
		if !f.Has(FieldAccountID) || !x.Has(FieldVPCID) || f.DstPort != 443 || f.SrcPort != uint16(1024+i) {
			t.Fatalf("line %d: fields lost: %+v", i, f)
		}
	}
	if n := names.Len(); n != 5+1 { // the interfaces and ""
		t.Errorf("interner holds %d strings, want 6", n)
	}
}

// Rebind moves a decoder to another interner and keeps the header lines
// it has seen: the next line of the origin is read with its header's
// format and interned in the new interner.
func TestDecoderRebindKeepsHeaders(t *testing.T) {
	first := NewInterner()
	d := NewDecoder(first, nil)
	var f Flow
	var x Ext
	d.Decode(&Event{Line: []byte(internTestHeader), Origin: "o"}, nil, &f, &x)
	if res, err := d.Decode(&Event{Line: []byte(internTestLine(1)), Origin: "o"}, nil, &f, &x); res != ResultRecord {
		t.Fatalf("%v %v", res, err)
	}
	second := NewInterner()
	d.Rebind(second)
	res, err := d.Decode(&Event{Line: []byte(internTestLine(2)), Origin: "o"}, nil, &f, &x)
	if res != ResultRecord {
		t.Fatalf("after Rebind the header's format is lost: %v %v", res, err)
	}
	if got := second.Name(x.Str[strSlot(FieldVPCID)]); got != fmt.Sprintf("vpc-%017x", 2) {
		t.Errorf("vpc-id %q in the new interner", got)
	}
	if got := second.Name(f.Iface); got != fmt.Sprintf("eni-%017x", 2) {
		t.Errorf("interface-id %q in the new interner", got)
	}
	if first.Len() != 4 { // "", account, interface, vpc of line 1
		t.Errorf("the old interner took %d strings after Rebind", first.Len())
	}
}

// Rebind re-keys the reverse-record window: a reply read after the switch
// still finds its request read before it.
func TestRecentFlowsRebind(t *testing.T) {
	old, fresh := NewInterner(), NewInterner()
	fresh.ID([]byte("padding")) // ids differ between the two interners
	r := NewRecentFlows(8)
	req := Flow{Iface: old.ID([]byte("eni-1")), Src: 1, Dst: 2, SrcPort: 40000, DstPort: 443, Proto: 6, present: hasSrc | hasDst | hasIface}
	if r.Add(&req, nil) {
		t.Fatal("a request with nothing before it")
	}
	r.Rebind(func(id uint32) uint32 { return fresh.ID([]byte(old.Name(id))) })
	reply := Flow{Iface: fresh.ID([]byte("eni-1")), Src: 2, Dst: 1, SrcPort: 443, DstPort: 40000, Proto: 6, present: hasSrc | hasDst | hasIface}
	if !r.Add(&reply, nil) {
		t.Error("the reply does not find its request after Rebind")
	}
}
