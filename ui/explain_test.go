package ui

import (
	"fmt"
	"strings"
	"testing"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/flowtail/flowtail/model"
)

var bothSizes = [][2]int{{80, 24}, {120, 40}}

// The rules pane keeps explaining the record the user chose while follow
// mode brings newer records under the flows cursor.
func TestRulesPaneStaysOnTheChosenRecord(t *testing.T) {
	for _, size := range bothSizes {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			cfg := rulesConfig(t, &staticRules{snap: demoRules(t)})
			d := newDriver(t, cfg, size[0], size[1])
			d.keys("4") // following: the newest record, the db reply
			d.lineWith("10.0.3.30:5432 → 10.0.2.20:20001")
			appendLines(t, cfg.Store, model.MustParseFormat(flagsFormat),
				"3 eni-0aaa1111111111111 203.0.113.99 10.0.1.10 0 0 1 4 336 1700000100 1700000160 ACCEPT - OK")
			d.refresh()
			d.refresh()
			d.lineWith("10.0.3.30:5432 → 10.0.2.20:20001")
			if strings.Contains(d.screen(), "203.0.113.99") {
				t.Fatalf("the rules pane moved to the newest record:\n%s", d.screen())
			}
			// Back in the flows, the cursor (following) is on the new record:
			// opening the rules from there explains it.
			d.keys("1", "4")
			d.lineWith("203.0.113.99 → 10.0.1.10 ICMP")
		})
	}
}

// r on a conversation explains its request and its reply, each with its
// verdict.
func TestRExplainsAConversation(t *testing.T) {
	for _, size := range bothSizes {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			d := newDriver(t, rulesConfig(t, &staticRules{snap: demoRules(t)}), size[0], size[1])
			d.keys("3", "c")
			d.lineWith("CONVERSATIONS")
			row := findRow(d, "10.0.2.20:20001")
			for i := 0; i < row; i++ {
				d.keys("j")
			}
			if !strings.Contains(d.footerLine(), "r rules") {
				t.Errorf("r is not offered on a conversation: %q", d.footerLine())
			}
			d.keys("r")
			if d.m.panes[d.m.active].Title() != "rules" {
				t.Fatalf("r on a conversation did not open the rules:\n%s", d.screen())
			}
			d.lineWith("REQUEST VERDICT")
			d.lineWith("REPLY VERDICT")
			d.lineWith("10.0.2.20:20001 → 10.0.3.30:5432") // the request's flow line
		})
	}
}

// r is offered only where a row stands for a flow: not on the flag
// combinations, not in the rules pane itself.
func TestROfferedOnlyWhereThereIsAFlow(t *testing.T) {
	d := newDriver(t, rulesConfig(t, &staticRules{snap: demoRules(t)}), 120, 40)
	if !strings.Contains(d.footerLine(), "r rules") {
		t.Errorf("flows footer lacks r: %q", d.footerLine())
	}
	for _, pane := range []string{"3", "4"} {
		d.keys(pane)
		if strings.Contains(d.footerLine(), "r rules") {
			t.Errorf("pane %s offers r: %q", pane, d.footerLine())
		}
		d.keys("?")
		if strings.Contains(d.screen(), "r     rules") || strings.Contains(d.screen(), "r rules") {
			t.Errorf("help of pane %s offers r:\n%s", pane, d.screen())
		}
		d.keys("esc")
	}
}

// r on an interface shows its rules without a flow; r in the detail view
// explains the record shown.
func TestRExplainsInterfaceAndDetail(t *testing.T) {
	for _, size := range bothSizes {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			d := newDriver(t, rulesConfig(t, &staticRules{snap: demoRules(t)}), size[0], size[1])
			d.keys("2")
			d.refresh()
			d.lineWith("eni-0")
			d.keys("r")
			d.lineWith("RULES of interface eni-0")
			d.lineWith("No flow: the security groups and network ACL")
			d.lineWith("SECURITY GROUP")

			d.keys("1", "j", "j", "enter") // the ping reply's details
			d.keys("r")
			d.lineWith("10.0.1.10 → 203.0.113.12 ICMP")
			d.lineWith("VERDICT egress")
		})
	}
}

// r on a stats row explains the newest record of that group.
func TestRExplainsAStatsRow(t *testing.T) {
	cfg := rulesConfig(t, &staticRules{snap: demoRules(t)})
	cfg.Compile = QueryFilter
	d := newDriver(t, cfg, 80, 24)
	d.applyFilter(`filter action = "REJECT" | stats count(*) by interfaceId | sort interfaceId`)
	gotoPane(t, d, "stats")
	d.lineWith("eni-0aaa1111111111111")
	d.keys("r")
	d.lineWith("10.0.1.10 → 203.0.113.12 ICMP") // the only REJECT on that interface
}

// enter on a stats row filters the flows to the records of that group
// (the query's filters and the group's keys), and esc returns to the
// aggregate with its query.
func TestStatsDrillDownAndBack(t *testing.T) {
	for _, size := range bothSizes {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			d := queryDriver(t, fixtureStore(t), size[0], size[1])
			q := `filter action = "ACCEPT" | stats count(*) as n by dstaddr | sort n desc`
			d.applyFilter(q)
			gotoPane(t, d, "stats")
			d.lineWith("10.0.2.10")
			row := findRow(d, "10.0.2.10")
			for i := 0; i < row; i++ {
				d.keys("j")
			}
			d.keys("enter")
			if d.m.panes[d.m.active].Title() != "flows" {
				t.Fatalf("enter did not show the flows")
			}
			// Independent count: accepted records to 10.0.2.10 in the fixture.
			want := 0
			for _, l := range fixtureLines {
				if f := strings.Fields(l); len(f) > 12 && f[4] == "10.0.2.10" && f[12] == "ACCEPT" {
					want++
				}
			}
			if got := len(d.m.sh.Matches.Seqs); got != want {
				t.Errorf("drill-down matched %d records, want %d (filter %q)", got, want, d.m.sh.FilterText)
			}
			if strings.Contains(d.m.sh.FilterText, "stats") {
				t.Errorf("the drill-down filters after stats: %q", d.m.sh.FilterText)
			}
			d.keys("esc")
			if d.m.panes[d.m.active].Title() != "stats" || d.m.sh.FilterText != q {
				t.Fatalf("esc did not return to the aggregate: pane %s, filter %q", d.m.panes[d.m.active].Title(), d.m.sh.FilterText)
			}
			d.lineWith("10.0.2.10")
		})
	}
}

// p and f act in every pane: pausing freezes the display everywhere and
// the status bar says so.
func TestPauseAndFollowInEveryPane(t *testing.T) {
	d := newDriver(t, fixtureConfig(fixtureStore(t)), 120, 40)
	for _, pane := range []string{"2", "3", "5"} {
		d.keys(pane, "p")
		if !strings.Contains(d.statusLine(), "PAUSED") {
			t.Errorf("p in pane %s did not pause: %q", pane, d.statusLine())
		}
		d.keys("p")
		if strings.Contains(d.statusLine(), "PAUSED") {
			t.Errorf("p in pane %s did not resume: %q", pane, d.statusLine())
		}
	}
	d.keys("1", "j")
	if strings.Contains(d.statusLine(), "FOLLOW") {
		t.Fatal("j did not leave follow")
	}
	d.keys("3", "f")
	if !strings.Contains(d.statusLine(), "FOLLOW") {
		t.Errorf("f in the flags pane did not follow: %q", d.statusLine())
	}
}

// At 80 columns a full IPv4 address and port is readable on both ends of
// a row, whether or not the time column needs dates.
func TestFullIPv4EndpointAt80Columns(t *testing.T) {
	s := model.NewStore(10)
	appendLines(t, s, model.DefaultFormat,
		"2 123456789012 eni-0a1b2c3d4e5f60001 203.255.113.254 198.251.100.201 65535 65534 6 1 40 1700000000 1700000060 ACCEPT OK")
	d := newDriver(t, fixtureConfig(s), 80, 24)
	if row := d.row(0); !strings.Contains(row, "203.255.113.254:65535") || !strings.Contains(row, "198.251.100.201:65534") {
		t.Errorf("endpoints cut at 80 columns: %q", row)
	}
	// A buffer over two days: dates in the time column, endpoints whole.
	appendLines(t, s, model.DefaultFormat,
		"2 123456789012 eni-0a1b2c3d4e5f60001 203.255.113.254 198.251.100.201 65535 65534 6 1 40 1700100000 1700100060 ACCEPT OK")
	d.refresh()
	if row := d.row(0); !strings.Contains(row, "11-16 02:00:00") || !strings.Contains(row, "203.255.113.254:65535") || !strings.Contains(row, "198.251.100.201:65534") {
		t.Errorf("row over two days at 80 columns: %q", row)
	}
}

// The detail view says what the rules decide for the record and which
// rule decided it.
func TestDetailShowsVerdictAndDecidingRule(t *testing.T) {
	for _, size := range bothSizes {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			d := newDriver(t, rulesConfig(t, &staticRules{snap: demoRules(t)}), size[0], size[1])
			d.keys("enter") // the db reply, denied by the db subnet's NACL
			d.lineWith("VERDICT egress")
			d.lineWith("deciding rule: network ACL acl-0d3c4b5a69788990a")
			d.lineWith("outbound rule * deny")
		})
	}
}

// v shows the rules' verdict beside the logged action, once rules are
// loaded; without rules the key is not offered.
func TestFlowsVerdictColumn(t *testing.T) {
	for _, size := range bothSizes {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			d := newDriver(t, rulesConfig(t, &staticRules{snap: demoRules(t)}), size[0], size[1])
			d.keys("v")
			d.lineWith("RULES")
			// Independent reading of the demo topology: the db reply and the
			// ping reply are denied by their NACLs, the requests allowed.
			for _, want := range [][2]string{{"10.0.3.30:5432", "deny"}, {"10.0.2.20:20001", "allow"}, {"203.0.113.12", "allow"}} {
				row := ""
				for _, l := range strings.Split(d.screen(), "\n") {
					if i := strings.Index(l, want[0]); i >= 0 && i < strings.Index(l, "→") {
						row = l // the record from this source
					}
				}
				if f := strings.Fields(row); f[len(f)-1] != want[1] && f[len(f)-2] != want[1] {
					t.Errorf("row %q: rules column is not %q", row, want[1])
				}
			}
			d.keys("v")
			if strings.Contains(d.screen(), "RULES") {
				t.Error("v did not hide the column")
			}
		})
	}
	d := newDriver(t, fixtureConfig(fixtureStore(t)), 120, 40)
	d.keys("v")
	if strings.Contains(d.screen(), "RULES") || strings.Contains(d.footerLine(), "verdict") {
		t.Error("a verdict column without rules")
	}
}

// Screens of the explained choices, at both sizes: a conversation's
// request and reply in the rules pane, and the detail view's verdict.
func TestGoldenExplained(t *testing.T) {
	for _, size := range bothSizes {
		t.Run(fmt.Sprintf("conversation/%dx%d", size[0], size[1]), func(t *testing.T) {
			d := newDriver(t, rulesConfig(t, &staticRules{snap: demoRules(t)}), size[0], size[1])
			d.keys("3", "c")
			d.lineWith("CONVERSATIONS")
			for i := findRow(d, "10.0.2.20:20001"); i > 0; i-- {
				d.keys("j")
			}
			d.keys("r")
			d.lineWith("REPLY VERDICT")
			golden.RequireEqual(t, d.m.View().Content)
		})
		t.Run(fmt.Sprintf("detail/%dx%d", size[0], size[1]), func(t *testing.T) {
			d := newDriver(t, rulesConfig(t, &staticRules{snap: demoRules(t)}), size[0], size[1])
			d.keys("enter")
			d.lineWith("deciding rule")
			golden.RequireEqual(t, d.m.View().Content)
		})
	}
}

// The newest match is found across read-lock chunks, down to the oldest
// record, and its absence is said.
func TestExplainNewestAcrossChunks(t *testing.T) {
	s := bulkStore(t, chunkRecords+5000)
	var oldest uint64
	s.Read(func(v model.View) { oldest = v.Seq(0) })
	msg := explainNewest(s, firstGenerated{}, nil, "group")().(explainMsg)
	if !msg.target.hasSeq || msg.target.seq != oldest {
		t.Fatalf("found %+v, want the oldest record %d", msg.target, oldest)
	}
	msg = explainNewest(s, allOf{firstGenerated{}, ifaceFilter{id: 1 << 30}}, nil, "group")().(explainMsg)
	if msg.target.valid() || !strings.Contains(msg.text, "no record of this group") {
		t.Fatalf("nothing matches, got %+v", msg)
	}
}

// firstGenerated matches only bulkStore's first record (source port 1024,
// 1 packet, 40 bytes: no other record has all three).
type firstGenerated struct{}

func (firstGenerated) Match(f *model.Flow, _ *model.Ext) bool {
	return f.SrcPort == 1024 && f.Packets == 1 && f.Bytes == 40
}
