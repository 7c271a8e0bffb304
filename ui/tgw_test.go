package ui

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/flowtail/flowtail/model"
)

// tgwStore holds the Transit Gateway fixture, ingested as a file would be.
func tgwStore(t *testing.T) *model.Store {
	t.Helper()
	b, err := os.ReadFile("../testdata/tgw/tgw-default.log")
	if err != nil {
		t.Fatal(err)
	}
	s := model.NewStore(100)
	var batch model.Batch
	for i, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		batch.Events = append(batch.Events, model.Event{Line: []byte(l), Origin: "tgw.log", LineNo: int64(i + 1)})
	}
	model.NewIngester(s, nil).Ingest(batch)
	if c := s.Counters(); c.Malformed != 0 || c.Seen != 7 {
		t.Fatalf("fixture read as %+v", c)
	}
	return s
}

// Transit Gateway rows show the attachment (and VPCs when there is room)
// where VPC rows show the interface, and rows that lost packets say so;
// the detail view says what each loss means.
func TestTransitGatewayTriage(t *testing.T) {
	d := queryDriver(t, tgwStore(t), 120, 40)
	screen := d.screen()
	// The column keeps an id's tail, where attachments differ.
	if !strings.Contains(screen, "…ch-0aaaaaaaaaaaaaaa1 10.10.1.21:51000") || strings.Count(screen, "LOST") != 4 {
		t.Fatalf("flows pane:\n%s", screen)
	}
	// The record that lost packets for want of a route: its detail view.
	d.applyFilter("packetsLostNoRoute > 0")
	d.keys("enter")
	screen = d.screen()
	for _, want := range []string{"transit gateway", "7 packets lost, no route: no route in the transit", "tgw-0123456789abcdef0 on", "resource-type         TransitGateway"} {
		if !strings.Contains(screen, want) {
			t.Fatalf("detail view lacks %q:\n%s", want, screen)
		}
	}
	if strings.Contains(screen, "ecs-cluster-arn") || strings.Contains(screen, "\n vpc-id ") || !strings.Contains(screen, "packets-lost-no-route 7") {
		t.Fatalf("detail view lists VPC-only fields as absent:\n%s", screen)
	}
}

// The interfaces pane groups Transit Gateway records by attachment, and
// drilling into one selects its records.
func TestTransitGatewayGroupsByAttachment(t *testing.T) {
	d := queryDriver(t, tgwStore(t), 120, 40)
	gotoPane(t, d, "interfaces")
	d.refresh()
	screen := d.screen()
	for _, want := range []string{"…ch-0aaaaaaaaaaaaaaa1         3", "…ch-0bbbbbbbbbbbbbbb2         1", "…ch-0ccccccccccccccc3         2"} {
		if !strings.Contains(screen, want) {
			t.Fatalf("interfaces pane lacks %q:\n%s", want, screen)
		}
	}
	d.keys("enter")
	got := d.m.sh.FilterText
	attach, ok := strings.CutPrefix(got, `tgwAttachmentId = "`)
	attach, ok2 := strings.CutSuffix(attach, `" and not ispresent(interfaceId)`)
	if !ok || !ok2 {
		t.Fatalf("drill-down filter %q", got)
	}
	b, _ := os.ReadFile("../testdata/tgw/tgw-default.log")
	want := 0
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) > 4 && f[4] == attach {
			want++
		}
	}
	gotoPane(t, d, "flows")
	if screen := d.screen(); want == 0 || !strings.Contains(screen, "("+strconv.Itoa(want)+")") {
		t.Fatalf("drilled into %s (%d records):\n%s", attach, want, screen)
	}
}

// Typing a shipped query's name runs it.
func TestBuiltinQueryByName(t *testing.T) {
	d := queryDriver(t, tgwStore(t), 120, 40)
	d.keys("/")
	d.typeText("tgw-drops")
	d.keys("enter")
	gotoPane(t, d, "stats")
	d.refresh()
	screen := d.screen()
	for _, want := range []string{"noRoute", "blackhole", "mtuExceeded", "ttlExpired", "tgw-attach-0aaaaaaaaaaaaaaa1", "tgw-attach-0ccccccccccccccc3"} {
		if !strings.Contains(screen, want) {
			t.Fatalf("stats pane lacks %q:\n%s", want, screen)
		}
	}
}

// The flows pane and the detail view of Transit Gateway records, as a
// user sees them at both sizes.
func TestGoldenTransitGateway(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		t.Run(fmt.Sprintf("flows/%dx%d", size[0], size[1]), func(t *testing.T) {
			onlyPanes(t, 1)
			playGolden(t, tgwStore(t), size[0], size[1], step{key: "j"})
		})
		t.Run(fmt.Sprintf("detail/%dx%d", size[0], size[1]), func(t *testing.T) {
			onlyPanes(t, 1)
			playGolden(t, tgwStore(t), size[0], size[1], step{key: "j"}, step{key: "j"}, step{key: "j"}, step{key: "enter", until: inDetail})
		})
	}
}

// TestRulesOfARecordWithoutInterface: a Transit Gateway record has no
// interface-id, so no rules are looked up for it; the detail view said
// "looking up the rules of this interface…" for ever, and the rules pane
// showed a bare heading. Both say why there is no verdict, in the words
// flowtail explain uses.
func TestRulesOfARecordWithoutInterface(t *testing.T) {
	cfg := fixtureConfig(tgwStore(t))
	cfg.Rules = &staticRules{snap: demoRules(t)}
	d := newDriver(t, cfg, 80, 24)
	d.refresh()
	d.keys("j", "enter") // the newest traffic record, on an attachment
	if !strings.Contains(d.screen(), "tgw-attach-") {
		t.Fatalf("not the detail of a TGW record:\n%s", d.screen())
	}
	d.lineWith("a Transit Gateway record names no interface and logs no")
	if strings.Contains(d.screen(), "looking up") {
		t.Errorf("the detail view says it is looking up rules it never asks for:\n%s", d.screen())
	}
	d.keys("esc", "r")
	if _, ok := d.m.panes[d.m.active].(*rulesPane); !ok {
		t.Fatalf("r did not open the rules pane")
	}
	d.lineWith("a Transit Gateway record names no interface")
}
