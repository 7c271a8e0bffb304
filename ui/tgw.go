package ui

import (
	"fmt"
	"strconv"

	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/model/query"
)

// Transit Gateway records name attachments and VPCs where VPC records
// name an interface, and count packets lost at the gateway instead of
// logging an action. These helpers draw that; the panes call them.

// lossMeaning says what each packets-lost-* field counts, in
// model.PacketsLost order.
var lossMeaning = [4]string{
	"no route: no route in the transit gateway route table matched the destination",
	"blackhole: the route that matched is a blackhole route, which drops on purpose",
	"MTU exceeded: packets larger than the maximum transmission unit of the path were dropped",
	"TTL expired: the packets' time to live ran out at the transit gateway",
}

// lostPackets is the total of a record's packets-lost-* fields.
func lostPackets(f *model.Flow, x *model.Ext) uint64 {
	if !f.HasExt() || x == nil {
		return 0
	}
	var n uint64
	for _, id := range model.PacketsLost {
		if v, ok := model.Int(f, x, id); ok {
			n += v
		}
	}
	return n
}

// tgwVerdict is the verdict cell of a row: LOST for a Transit Gateway
// record that counts lost packets, else v; and the action it is styled as.
func tgwVerdict(f *model.Flow, x *model.Ext, v string) (string, model.Action) {
	if lostPackets(f, x) > 0 {
		return "LOST", model.ActionReject
	}
	return v, f.Action()
}

// tgwPlace is what a row shows in place of the interface for a Transit
// Gateway record without interface-id: the attachment, then the source
// and destination VPCs when there is room; "" for other records.
func tgwPlace(f *model.Flow, x *model.Ext, names *model.Interner, width int) string {
	if f.Has(model.FieldInterfaceID) || !model.TransitGateway(f, x) {
		return ""
	}
	get := func(id model.FieldID) string {
		if v, ok := model.StrID(f, x, id); ok {
			return Sanitize(names.Name(v))
		}
		return "-"
	}
	at := get(model.FieldTGWAttachmentID)
	src, dst := get(model.FieldTGWSrcVPCID), get(model.FieldTGWDstVPCID)
	if full := at + " " + src + "→" + dst; cellWidth(full) <= width {
		return full
	}
	return at
}

// tgwNotes explains a Transit Gateway record in the detail view: where
// it was recorded and what each count of lost packets means.
func tgwNotes(st *Styles, f *model.Flow, x *model.Ext, names *model.Interner, width int) []string {
	if !model.TransitGateway(f, x) {
		return nil
	}
	get := func(id model.FieldID) string {
		if v, ok := model.StrID(f, x, id); ok {
			return Sanitize(names.Name(v))
		}
		return "-"
	}
	out := []string{"", " " + st.Section.Render("transit gateway")}
	out = append(out, wrap(fmt.Sprintf("   %s on %s, from %s to %s", get(model.FieldTGWID), get(model.FieldTGWAttachmentID),
		get(model.FieldTGWSrcVPCID), get(model.FieldTGWDstVPCID)), width)...)
	if pair := get(model.FieldTGWPairAttachmentID); pair != "-" {
		out = append(out, wrap("   the other side of the flow is "+pair, width)...)
	}
	lost := false
	for k, id := range model.PacketsLost {
		v, ok := model.Int(f, x, id)
		if !ok || v == 0 {
			continue
		}
		lost = true
		out = append(out, wrap("   "+strconv.FormatUint(v, 10)+" packets lost, "+lossMeaning[k], width)...)
	}
	if !lost {
		out = append(out, "   no packets lost at the transit gateway")
	}
	return out
}

// attachmentFilter matches the Transit Gateway records of one attachment
// that have no interface-id (they group by attachment).
type attachmentFilter struct{ id uint32 }

func (a attachmentFilter) Match(f *model.Flow, x *model.Ext) bool {
	v, ok := model.StrID(f, x, model.FieldTGWAttachmentID)
	return ok && v == a.id && !f.Has(model.FieldInterfaceID)
}

// builtinHints names the shipped queries in the stats pane's hint: their
// name typed in the filter bar runs them.
func builtinHints() []string {
	out := []string{""}
	for _, b := range query.Builtins {
		out = append(out, " Type "+b.Name+": "+b.Title)
	}
	return out
}

// expandBuiltin replaces a shipped query's name with its text.
func expandBuiltin(text string) (string, bool) {
	if b, ok := query.LookupBuiltin(text); ok {
		return b.Text, true
	}
	return text, false
}

// kindFields are the known fields of the kind of flow log a record is
// (Transit Gateway or VPC), in AWS order: what the detail view lists.
func kindFields(f *model.Flow, x *model.Ext) []model.FieldID {
	tgw := model.TransitGateway(f, x)
	all := model.KnownFields()
	out := all[:0]
	for _, id := range all {
		if id.AppliesTo(tgw) {
			out = append(out, id)
		}
	}
	return out
}
