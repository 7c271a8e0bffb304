package ui

import (
	"net/netip"

	"github.com/flowtail/flowtail/model"
)

// ownerLines is the detail view's "owners" section: who owns each address
// of the record, beside what the pkt-*-aws-service fields say when the
// format has them. Nothing is shown when no owner is known.
func ownerLines(sh *Shared, f *model.Flow, x *model.Ext, names *model.Interner, width int) []string {
	if sh.Owners == nil {
		return nil
	}
	st := &sh.Styles
	var out []string
	add := func(what string, a netip.Addr, service model.FieldID) {
		if !a.IsValid() {
			return
		}
		line := ""
		if o, ok := sh.Owners(a); ok {
			line = o.Name
			if o.Detail != "" {
				line += " · " + o.Detail
			}
			if o.Public {
				line += "  (AWS ip-ranges)"
			}
		}
		if x != nil && model.Present(f, x, service) {
			id, _ := model.StrID(f, x, service)
			if line != "" {
				line += "; "
			}
			line += service.Name() + " " + names.Name(id)
		}
		if line == "" {
			return
		}
		out = append(out, wrap("   "+what+" "+a.String()+": "+Sanitize(line), width)...)
	}
	add("srcaddr", f.SrcAddr(x), model.FieldPktSrcAWSService)
	add("dstaddr", f.DstAddr(x), model.FieldPktDstAWSService)
	if x != nil {
		if p := x.PktSrcAddr(); p.IsValid() && p != f.SrcAddr(x) {
			add("pkt-srcaddr", p, model.FieldPktSrcAWSService)
		}
		if p := x.PktDstAddr(); p.IsValid() && p != f.DstAddr(x) {
			add("pkt-dstaddr", p, model.FieldPktDstAWSService)
		}
	}
	if len(out) == 0 {
		return nil
	}
	head := " " + st.Section.Render("owners")
	if sh.OwnersNote != "" {
		head += st.Dim.Render("  " + Sanitize(sh.OwnersNote))
	}
	return append([]string{"", head}, out...)
}

// peerOwner is the flows pane's owner cell: who owns the flow's peer, as
// the owner query field reads it (an AWS service on either side first),
// else what the record's pkt-*-aws-service fields name.
func peerOwner(sh *Shared, f *model.Flow, x *model.Ext, names *model.Interner) string {
	var priv string
	for _, a := range [2]netip.Addr{f.DstAddr(x), f.SrcAddr(x)} {
		if !a.IsValid() {
			continue
		}
		if o, ok := sh.Owners(a); ok {
			if o.Public {
				return Sanitize(o.Name)
			}
			if priv == "" {
				priv = o.Name
			}
		}
	}
	if priv != "" {
		return Sanitize(priv)
	}
	for _, id := range [2]model.FieldID{model.FieldPktDstAWSService, model.FieldPktSrcAWSService} {
		if x != nil && model.Present(f, x, id) {
			v, _ := model.StrID(f, x, id)
			return Sanitize(names.Name(v))
		}
	}
	return ""
}

// interfaceLabel is the interfaces pane's name cell: the interface's name
// or description and kind from the loaded rules, or "-".
func interfaceLabel(sh *Shared, id string) string {
	if sh.InterfaceName == nil || id == "" {
		return "-"
	}
	if name, ok := sh.InterfaceName(id); ok {
		return Sanitize(name)
	}
	return "-"
}
