package ui

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/flowtail/flowtail/model"
)

// The detail view names who owns each address, beside the record's own
// pkt-*-aws-service field.
func TestDetailOwnerLines(t *testing.T) {
	st := model.NewStore(4)
	in := model.NewIngester(st, nil)
	in.Ingest(model.Batch{Events: []model.Event{
		{Line: []byte("version srcaddr dstaddr srcport dstport protocol packets bytes start end action pkt-dst-aws-service"), Origin: "a"},
		{Line: []byte("5 10.0.1.100 52.94.133.131 40000 443 6 3 180 1700000000 1700000060 ACCEPT S3"), Origin: "a"},
	}})
	sh := &Shared{Store: st, Styles: NewStyles(Theme{NoColor: true})}
	sh.Owners = func(a netip.Addr) (model.Owner, bool) {
		switch a.String() {
		case "52.94.133.131":
			return model.Owner{Name: "S3", Detail: "us-east-1", Public: true}, true
		case "10.0.1.100":
			return model.Owner{Name: "NAT gateway", Detail: "Interface for NAT Gateway nat-0abc (eni-1)"}, true
		}
		return model.Owner{}, false
	}
	var got []string
	st.Read(func(v model.View) {
		f, x := v.At(0)
		got = ownerLines(sh, f, x, v.Names(), 200)
	})
	text := ansi.Strip(strings.Join(got, "\n"))
	for _, want := range []string{
		"owners",
		"srcaddr 10.0.1.100: NAT gateway · Interface for NAT Gateway nat-0abc (eni-1)",
		"dstaddr 52.94.133.131: S3 · us-east-1  (AWS ip-ranges); pkt-dst-aws-service S3",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("owner lines lack %q:\n%s", want, text)
		}
	}
	sh.Owners = nil
	st.Read(func(v model.View) {
		f, x := v.At(0)
		if l := ownerLines(sh, f, x, v.Names(), 200); l != nil {
			t.Errorf("no lookup: %q", l)
		}
	})
}
