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
	sh := &Shared{Store: st, Styles: NewStyles(Theme{NoColor: true}), OwnersNote: "AWS ip-ranges created 2026-12-01-00-00-00, syncToken 1764547200"}
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
		"owners  AWS ip-ranges created 2026-12-01-00-00-00, syncToken 1764547200",
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

// The flows pane shows who owns each flow's peer when there is room.
func TestFlowsOwnerColumn(t *testing.T) {
	owners := func(a netip.Addr) (model.Owner, bool) {
		switch {
		case netip.MustParsePrefix("203.0.113.0/24").Contains(a):
			return model.Owner{Name: "EC2", Detail: "us-east-1", Public: true}, true
		case a == netip.MustParseAddr("10.0.2.10"):
			return model.Owner{Name: "load balancer", Detail: "ELB app/web/1 (eni-2)"}, true
		}
		return model.Owner{}, false
	}
	d := newDriver(t, Config{Store: fixtureStore(t), Owners: owners}, 170, 40)
	d.refresh()
	lines := strings.Split(d.screen(), "\n")
	if !strings.Contains(lines[1], "OWNER") {
		t.Fatalf("no owner column:\n%s", d.screen())
	}
	for _, c := range []struct{ row, owner string }{
		{"203.0.113.50:51515", "EC2"},
		{"10.0.1.23:44321", "load balancer"},
		{"52.95.128.179:80", "S3"}, // from pkt-src-aws-service
	} {
		found := false
		for _, l := range lines {
			if strings.Contains(l, c.row) {
				found = true
				if !strings.HasSuffix(strings.TrimRight(l, " "), c.owner) {
					t.Errorf("row %s: %q, want owner %s", c.row, l, c.owner)
				}
			}
		}
		if !found {
			t.Errorf("no row for %s:\n%s", c.row, d.screen())
		}
	}
	// At 80 columns the addresses keep the room.
	d = newDriver(t, Config{Store: fixtureStore(t), Owners: owners}, 80, 24)
	d.refresh()
	if strings.Contains(d.screen(), "OWNER") {
		t.Errorf("owner column at 80 columns:\n%s", d.screen())
	}
}

// The interfaces pane has a name column when the rules name interfaces.
func TestInterfacesNameColumn(t *testing.T) {
	names := func(id string) (string, bool) {
		if id == "eni-0a1b2c3d4e5f60002" {
			return "db-1 · instance", true
		}
		return "", false
	}
	d := newDriver(t, Config{Store: fixtureStore(t), InterfaceName: names}, 120, 40)
	d.refresh()
	d.keys("2")
	d.refresh()
	s := d.screen()
	if !strings.Contains(s, "NAME") {
		t.Fatalf("no name column:\n%s", s)
	}
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, "eni-0a1b2c3d4e5f60002") && !strings.Contains(l, "db-1 · instance") {
			t.Errorf("row without its name: %q", l)
		}
		if strings.Contains(l, "eni-0a1b2c3d4e5f60001") && strings.Contains(l, "db-1") {
			t.Errorf("another interface's name: %q", l)
		}
	}
	d = newDriver(t, Config{Store: fixtureStore(t)}, 120, 40)
	d.keys("2")
	d.refresh()
	if strings.Contains(d.screen(), "NAME") {
		t.Error("a name column without names")
	}
}

// The filter bar reads the owner fields through the program's lookup.
func TestFilterBarOwner(t *testing.T) {
	owners := func(a netip.Addr) (model.Owner, bool) {
		if netip.MustParsePrefix("203.0.113.0/24").Contains(a) {
			return model.Owner{Name: "EC2", Public: true}, true
		}
		return model.Owner{}, false
	}
	d := newDriver(t, Config{Store: fixtureStore(t), Owners: owners}, 120, 40)
	d.refresh()
	d.applyFilter(`owner = "EC2"`)
	d.refresh()
	if d.m.sh.Matches == nil || len(d.m.sh.Matches.Seqs) != 2 {
		t.Fatalf("owner = EC2 matched %v, want the two records from 203.0.113.50:\n%s", d.m.sh.Matches, d.screen())
	}
}
