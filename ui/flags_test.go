package ui

import (
	"fmt"
	"strings"
	"testing"

	"github.com/flowtail/flowtail/model"
)

const flagsFormat = "version interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action tcp-flags log-status"

// flagsStore holds AWS's tcp-flags sequence examples plus a reset and a
// record without tcp-flags.
func flagsStore(t *testing.T) *model.Store {
	s := model.NewStore(100)
	appendLines(t, s, model.MustParseFormat(flagsFormat),
		"3 eni-0f1 52.213.180.42 10.0.0.62 43416 5001 6 8 568 1566848875 1566848933 ACCEPT 2 OK",
		"3 eni-0f1 10.0.0.62 52.213.180.42 5001 43416 6 7 376 1566848875 1566848933 ACCEPT 18 OK",
		"3 eni-0f1 52.213.180.42 10.0.0.62 43638 5001 6 17 1260 1566933133 1566933193 ACCEPT 3 OK",
		"3 eni-0f1 10.0.0.62 52.213.180.42 5001 43638 6 14 967 1566933133 1566933193 ACCEPT 19 OK",
		"3 eni-0f1 198.51.100.7 10.0.0.62 40001 5432 6 1 60 1566933200 1566933260 ACCEPT 2 OK",
		"3 eni-0f1 10.0.0.62 198.51.100.7 5432 40001 6 1 40 1566933200 1566933260 ACCEPT 4 OK",
		"3 eni-0f1 198.51.100.8 10.0.0.62 40002 22 6 1 60 1566933200 1566933260 REJECT 2 OK",
		"3 eni-0f1 10.0.0.62 10.0.0.2 40003 53 17 1 60 1566933200 1566933260 ACCEPT - OK",
	)
	return s
}

func TestFlagsPaneDecodesSelectedFlow(t *testing.T) {
	d := newDriver(t, fixtureConfig(flagsStore(t)), 120, 40)
	d.keys("j", "j") // flows pane: the third newest record, the RST reply
	d.keys("3")
	d.refresh()
	sel := d.lineWith("SELECTED FLOW")
	if !strings.Contains(sel, "10.0.0.62:5432 → 198.51.100.7:40001") {
		t.Errorf("selected flow line %q", sel)
	}
	d.lineWith("tcp-flags 4 = RST")
	d.lineWith("FIN· SYN· RST● PSH· ACK· URG·")
	d.lineWith("(inference, not AWS;")

	d.keys("1", "k", "k", "3") // back up to the newest: no tcp-flags
	d.lineWith("no tcp-flags on this record")
}

func TestFlagsPaneCombinationTable(t *testing.T) {
	d := newDriver(t, fixtureConfig(flagsStore(t)), 120, 40)
	d.keys("3")
	d.refresh()
	want := map[string][]string{
		" 2 SYN ":           {"3", "37.5%", "SYN: connection attempt"},
		" 18 SYN-ACK ":      {"1", "12.5%", "reply to a SYN"},
		" 19 FIN SYN-ACK ":  {"1", "12.5%", "server side"},
		" 3 FIN SYN ":       {"1", "12.5%", "client side"},
		" 4 RST ":           {"1", "12.5%", "(inference)"},
		"- (no tcp-flags) ": {"1", "12.5%", "format without tcp-flags"},
	}
	for key, parts := range want {
		l := d.lineWith(key)
		for _, p := range parts {
			if !strings.Contains(l, p) {
				t.Errorf("row %q lacks %q", l, p)
			}
		}
	}
	if first := d.lineWith("▸"); !strings.Contains(first, " 2 SYN ") {
		t.Errorf("most frequent combination first, under the cursor: %q", first)
	}
	if l := d.lineWith(" 2 SYN "); strings.Contains(l, "inference") {
		t.Errorf("SYN is documented by AWS, not inference: %q", l)
	}
}

func TestFlagsEnterFiltersToCombination(t *testing.T) {
	d := newDriver(t, fixtureConfig(flagsStore(t)), 120, 40)
	d.keys("3")
	d.refresh()
	d.keys("enter") // SYN, 3 records
	if st := d.statusLine(); !strings.Contains(st, "filter: tcpFlags = 2 (3)") {
		t.Fatalf("status %q, want the tcp-flags filter with 3 matches\n%s", st, d.screen())
	}
	for r := 0; r < 3; r++ {
		if !strings.Contains(d.row(r), " S ") && !strings.HasSuffix(strings.TrimSpace(d.row(r)), "S") {
			t.Errorf("row %d is not a SYN record: %q", r, d.row(r))
		}
	}
	// The flags pane now counts only the filter's records.
	d.keys("3")
	d.refresh()
	if l := d.lineWith(" 2 SYN "); !strings.Contains(l, "100.0%") {
		t.Errorf("filtered combinations: %q", l)
	}
	if strings.Contains(d.screen(), " 18 SYN-ACK") {
		t.Errorf("records outside the filter counted:\n%s", d.screen())
	}
}

func TestConversationsSummaryAndList(t *testing.T) {
	d := newDriver(t, fixtureConfig(flagsStore(t)), 120, 40)
	d.keys("3")
	d.refresh()
	d.lineWith("5 paired by reversed 5-tuple")
	d.lineWith("0 reply rejected · 1 rejected request · 1 reset · 1 request only · 0 reply only · 2 established")
	d.keys("c")
	for _, want := range [][2]string{
		{"rejected request", "198.51.100.8:40002 → 10.0.0.62:22"},
		{"reset", "198.51.100.7:40001 → 10.0.0.62:5432"},
		{"request only", "10.0.0.62:40003 → 10.0.0.2:53"},
		{"established", "52.213.180.42:43638 → 10.0.0.62:5001"},
		{"established", "52.213.180.42:43416 → 10.0.0.62:5001"},
	} {
		if l := d.lineWith(want[1]); !strings.HasPrefix(strings.TrimSpace(l), want[0]) {
			t.Errorf("row %q, want class %q", l, want[0])
		}
	}
	if l := d.lineWith("52.213.180.42:43638"); !strings.Contains(l, "SF/SAF") || !strings.Contains(l, "ACCEPT/ACCEPT") {
		t.Errorf("short connection row %q, want flags SF/SAF and both accepted", l)
	}
	d.lineWith("denied it") // the cursor row (worst first) explained
	d.lineWith("client chosen by SYN / SYN-ACK")
	d.keys("esc")
	d.lineWith("FLAG COMBINATIONS")

	// At 80 columns the explanation wraps rather than losing its caveat.
	d = newDriver(t, fixtureConfig(flagsStore(t)), 80, 24)
	d.keys("3", "c")
	d.lineWith("(inference: flow logs do not say which)")
	d.lineWith("client chosen by SYN / SYN-ACK")
}

// TestConversationReplyRejectedAWSExample: AWS's ping whose reply the
// network ACL rejects is classified and explained, and enter shows both
// records.
func TestConversationReplyRejectedAWSExample(t *testing.T) {
	s := model.NewStore(10)
	appendLines(t, s, model.DefaultFormat,
		"2 123456789010 eni-1235b8ca123456789 203.0.113.12 172.31.16.139 0 0 1 4 336 1432917027 1432917142 ACCEPT OK",
		"2 123456789010 eni-1235b8ca123456789 172.31.16.139 203.0.113.12 0 0 1 4 336 1432917094 1432917142 REJECT OK",
		"2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK")
	d := newDriver(t, fixtureConfig(s), 80, 24)
	d.keys("3")
	d.refresh()
	d.lineWith("1 reply rejected")
	d.keys("c")
	row := d.lineWith("reply rejected")
	for _, want := range []string{"203.0.113.12 → 172.31.16.139", "ICMP", "ACCEPT/REJECT"} {
		if !strings.Contains(row, want) {
			t.Errorf("row %q lacks %q", row, want)
		}
	}
	d.lineWith("a stateless network ACL is missing")
	d.keys("enter")
	endpoints := func(l string) string { return strings.Join(strings.Fields(l)[2:5], " ") }
	if endpoints(d.lineWith("REJECT")) != "172.31.16.139 → 203.0.113.12" ||
		endpoints(d.lineWith("ACCEPT")) != "203.0.113.12 → 172.31.16.139" || strings.TrimSpace(d.row(2)) != "" {
		t.Errorf("enter should show exactly the conversation's 2 records:\n%s", d.screen())
	}
}

// TestFlagsCursorStartsOnTopAndStaysOnItsCombination: the first data puts
// the cursor on the most frequent combination (not on value 0 wherever it
// is); later refreshes keep it on the combination it was on.
func TestFlagsCursorStartsOnTopAndStaysOnItsCombination(t *testing.T) {
	s := flagsStore(t)
	appendLines(t, s, model.MustParseFormat(flagsFormat),
		"3 eni-0f1 10.0.0.62 10.0.0.9 40010 443 6 1 60 1566933300 1566933360 ACCEPT 0 OK")
	d := newDriver(t, fixtureConfig(s), 120, 40)
	d.keys("3")
	d.refresh()
	if l := d.lineWith("▸"); !strings.Contains(l, " 2 SYN ") {
		t.Fatalf("cursor on %q, want the most frequent combination", l)
	}
	d.keys("j")
	appendLines(t, s, model.MustParseFormat(flagsFormat),
		"3 eni-0f1 10.0.0.62 10.0.0.9 40011 443 6 1 60 1566933300 1566933360 ACCEPT 2 OK")
	d.refresh()
	if l := d.lineWith("▸"); !strings.Contains(l, " 0 none ") {
		t.Errorf("cursor on %q after a refresh, want it kept on 0", l)
	}
}

// TestConversationListKeepsTheWorst: past maxListed pairs the list keeps
// the worst ones and says how many there are in all.
func TestConversationListKeepsTheWorst(t *testing.T) {
	n := maxListed + 50
	s := model.NewStore(n + 2)
	lines := make([]string, 0, n+2)
	for i := 0; i < n; i++ {
		lines = append(lines, fmt.Sprintf("3 eni-1 10.0.%d.%d 10.0.0.9 %d 443 6 1 60 1700000000 1700000060 ACCEPT 3 OK", i/250, i%250, 1024+i%5000))
	}
	lines = append(lines,
		"3 eni-1 10.9.0.1 10.0.0.9 40000 5432 6 1 60 1700000000 1700000060 ACCEPT 2 OK",
		"3 eni-1 10.0.0.9 10.9.0.1 5432 40000 6 1 60 1700000000 1700000060 REJECT 18 OK")
	appendLines(t, s, model.MustParseFormat(flagsFormat), lines...)
	d := newDriver(t, fixtureConfig(s), 120, 40)
	d.keys("3")
	d.refresh()
	d.lineWith(fmt.Sprintf("%s paired by reversed 5-tuple", thousands(uint64(n+1))))
	d.keys("c")
	d.lineWith(fmt.Sprintf("the worst %s of %s", thousands(maxListed), thousands(uint64(n+1))))
	if !strings.HasPrefix(strings.TrimSpace(d.row(1)), "reply rejected") {
		t.Errorf("first row %q, want the reply-rejected conversation", d.row(1))
	}
}

// At 80 columns the selected flow's reading is wrapped whole rather than
// cut mid-sentence.
func TestSelectedFlowReadingWrapsAt80Columns(t *testing.T) {
	d := newDriver(t, fixtureConfig(flagsStore(t)), 80, 24)
	d.keys("j", "3") // the rejected SYN to port 22
	d.lineWith("tcp-flags 2 = SYN")
	d.lineWith("SYN: connection attempt from this side; no SYN-ACK back means it was not")
	d.lineWith("answered (AWS-documented)")

	d.keys("1", "j", "j", "j", "3") // FIN SYN-ACK: its reading fits one line, the caveat the next
	d.lineWith("(AWS-documented; flags OR-ed over the interval: no order within a record)")
}

// TestConversationClassesFitAt80Columns: the six class counts are wider
// than 80 columns on one line; they wrap rather than losing the last
// classes (reply only, established) to the cut. Counts are flagsStore's,
// by hand: two established, one reset, one rejected request, one request
// only.
func TestConversationClassesFitAt80Columns(t *testing.T) {
	d := newDriver(t, fixtureConfig(flagsStore(t)), 80, 24)
	d.keys("3")
	d.refresh()
	d.lineWith("5 paired by reversed 5-tuple")
	screen := d.screen()
	for _, want := range []string{"0 reply rejected", "1 rejected request", "1 reset", "1 request only", "0 reply only", "2 established"} {
		if !strings.Contains(screen, want) {
			t.Errorf("at 80 columns the conversations summary does not say %q:\n%s", want, screen)
		}
	}
	lines := strings.Split(screen, "\n")
	if len(lines) != 24 {
		t.Errorf("the screen has %d lines, want 24", len(lines))
	}
	for _, l := range lines {
		if cellWidth(l) > 80 {
			t.Errorf("a line of %d cells at 80 columns: %q", cellWidth(l), l)
		}
	}
	if !strings.Contains(screen, "FLAG COMBINATIONS") || !strings.Contains(screen, "SELECTED FLOW") {
		t.Errorf("the pane lost its other parts:\n%s", screen)
	}
}
