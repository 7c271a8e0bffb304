package ui

import (
	"net/netip"

	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/model/query"
)

// QueryFilterWith is QueryFilter with the owner, srcOwner and dstOwner
// fields reading owners.
func QueryFilterWith(owners model.OwnerLookup) FilterCompiler {
	return func(text string, names *model.Interner) (Filter, FilterState, error) {
		return compileQueryFilter(text, names, query.Options{Intern: true, Owner: owners})
	}
}

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
	return append([]string{"", " " + st.Section.Render("owners")}, out...)
}
