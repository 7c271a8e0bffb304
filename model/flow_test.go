package model

import (
	"testing"
	"unsafe"
)

// The ring holds a million records by default: every byte of Flow is a
// megabyte of resident memory.
func TestFlowIs56Bytes(t *testing.T) {
	if n := unsafe.Sizeof(Flow{}); n != 56 {
		t.Fatalf("Flow is %d bytes, want 56", n)
	}
}

// Action, log-status and the IPv6 marks share one byte: setting one must
// leave the others as they were.
func TestFlowStateFieldsAreIndependent(t *testing.T) {
	p := NewParser(MustParseFormat("version srcaddr dstaddr action log-status"), NewInterner())
	var f Flow
	var x Ext
	if err := p.Parse([]byte("2 2001:db8::1 10.0.0.1 REJECT SKIPDATA"), &f, &x); err != nil {
		t.Fatal(err)
	}
	for _, a := range []Action{ActionNone, ActionAccept, ActionReject} {
		for _, s := range []LogStatus{StatusNone, StatusOK, StatusNoData, StatusSkipData} {
			g := f
			g.SetAction(a)
			g.SetStatus(s)
			if g.Action() != a || g.Status() != s {
				t.Fatalf("set %v %v, read %v %v", a, s, g.Action(), g.Status())
			}
			if got := g.SrcAddr(&x).String(); got != "2001:db8::1" {
				t.Fatalf("srcaddr after setting %v %v: %s", a, s, got)
			}
			if got := g.DstAddr(&x).String(); got != "10.0.0.1" {
				t.Fatalf("dstaddr after setting %v %v: %s", a, s, got)
			}
		}
	}
	if f.Action() != ActionReject || f.Status() != StatusSkipData {
		t.Fatalf("parsed %v %v, want REJECT SKIPDATA", f.Action(), f.Status())
	}
}
