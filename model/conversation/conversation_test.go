package conversation

import (
	"strings"
	"testing"

	"github.com/flowtail/flowtail/model"
)

// flagFormat is the format of AWS's TCP flag sequence examples.
const flagFormat = "version vpc-id subnet-id instance-id interface-id account-id type srcaddr dstaddr srcport dstport pkt-srcaddr pkt-dstaddr protocol bytes packets start end action tcp-flags log-status"

const flagPrefix = "3 vpc-abcdefab012345678 subnet-aaaaaaaa012345678 i-01234567890123456 eni-1235b8ca123456789 123456789010 IPv4 "

// tgwFormat is the format of AWS's transit gateway examples.
const tgwFormat = "version interface-id account-id vpc-id subnet-id instance-id srcaddr dstaddr srcport dstport protocol tcp-flags type pkt-srcaddr pkt-dstaddr action log-status"

// load parses lines (a header line switches the format, as in S3 files)
// into a store and pairs them.
func load(t *testing.T, text string) ([]Conversation, *model.Interner) {
	t.Helper()
	s := model.NewStore(100)
	var b model.Batch
	for _, l := range strings.Split(strings.TrimSpace(text), "\n") {
		b.Events = append(b.Events, model.Event{Line: []byte(strings.TrimSpace(l)), Origin: "t"})
	}
	model.NewIngester(s, nil).Ingest(b)
	if c := s.Counters(); c.Malformed > 0 {
		t.Fatalf("malformed: %+v", s.MalformedLines())
	}
	var cs []Conversation
	s.Read(func(v model.View) { cs = Build(v, nil) })
	return cs, s.Names()
}

type want struct {
	class      Class
	client     string // request source addr:port
	by         string
	reqAction  string
	respAction string
	flags      [2]uint8 // request, response
}

func check(t *testing.T, cs []Conversation, ws []want) {
	t.Helper()
	if len(cs) != len(ws) {
		for _, c := range cs {
			t.Logf("%v %v:%d → %v:%d", c.Class, c.Request.Src(), c.Request.SrcPort, c.Request.Dst(), c.Request.DstPort)
		}
		t.Fatalf("%d conversations, want %d", len(cs), len(ws))
	}
	for i, w := range ws {
		c := cs[i]
		client := c.Request.Src().String() + ":" + itoa(c.Request.SrcPort)
		if !c.Request.Seen() {
			client = c.Response.Dst().String() + ":" + itoa(c.Response.DstPort)
		}
		if c.Class != w.class || client != w.client || c.ClientBy.String() != w.by ||
			c.Request.Action() != w.reqAction || c.Response.Action() != w.respAction ||
			c.Request.Flags != w.flags[0] || c.Response.Flags != w.flags[1] {
			t.Errorf("conversation %d:\n got %v client %s by %s, actions %s/%s, flags %d/%d\nwant %v client %s by %s, actions %s/%s, flags %d/%d",
				i, c.Class, client, c.ClientBy, c.Request.Action(), c.Response.Action(), c.Request.Flags, c.Response.Flags,
				w.class, w.client, w.by, w.reqAction, w.respAction, w.flags[0], w.flags[1])
		}
	}
}

func itoa(p uint16) string {
	if p == 0 {
		return "0"
	}
	var b []byte
	for ; p > 0; p /= 10 {
		b = append([]byte{byte('0' + p%10)}, b...)
	}
	return string(b)
}

// TestAWSPingReplyRejectedByNACL is AWS's documented example: the ping in
// is accepted, the reply is rejected by the network ACL.
func TestAWSPingReplyRejectedByNACL(t *testing.T) {
	cs, _ := load(t, `
		2 123456789010 eni-1235b8ca123456789 203.0.113.12 172.31.16.139 0 0 1 4 336 1432917027 1432917142 ACCEPT OK
		2 123456789010 eni-1235b8ca123456789 172.31.16.139 203.0.113.12 0 0 1 4 336 1432917094 1432917142 REJECT OK`)
	check(t, cs, []want{{ReplyRejected, "203.0.113.12:0", "time", "ACCEPT", "REJECT", [2]uint8{}}})
	if cs[0].Proto != 1 || cs[0].Request.Packets != 4 || cs[0].Response.Bytes != 336 {
		t.Errorf("merged sides: %+v", cs[0])
	}
}

// TestAWSTCPFlagSequence pairs AWS's tcp-flags examples: two handshakes,
// one of them closed in the next interval, and a short connection whose
// flags show the whole exchange in one record per side.
func TestAWSTCPFlagSequence(t *testing.T) {
	cs, _ := load(t, flagFormat+"\n"+flagPrefix+strings.Join([]string{
		"52.213.180.42 10.0.0.62 43416 5001 52.213.180.42 10.0.0.62 6 568 8 1566848875 1566848933 ACCEPT 2 OK",
		"10.0.0.62 52.213.180.42 5001 43416 10.0.0.62 52.213.180.42 6 376 7 1566848875 1566848933 ACCEPT 18 OK",
		"52.213.180.42 10.0.0.62 43418 5001 52.213.180.42 10.0.0.62 6 100701 70 1566848875 1566848933 ACCEPT 2 OK",
		"10.0.0.62 52.213.180.42 5001 43418 10.0.0.62 52.213.180.42 6 632 12 1566848875 1566848933 ACCEPT 18 OK",
		"10.0.0.62 52.213.180.42 5001 43418 10.0.0.62 52.213.180.42 6 63388 1219 1566848933 1566849113 ACCEPT 1 OK",
		"52.213.180.42 10.0.0.62 43418 5001 52.213.180.42 10.0.0.62 6 23294588 15774 1566848933 1566849113 ACCEPT 1 OK",
		"52.213.180.42 10.0.0.62 43638 5001 52.213.180.42 10.0.0.62 6 1260 17 1566933133 1566933193 ACCEPT 3 OK",
		"10.0.0.62 52.213.180.42 5001 43638  10.0.0.62 52.213.180.42 6 967 14 1566933133 1566933193 ACCEPT 19 OK",
	}, "\n"+flagPrefix))
	// Sorted by bytes within a class: the 43418 transfer is the largest.
	check(t, cs, []want{
		{Established, "52.213.180.42:43418", "flags", "ACCEPT", "ACCEPT", [2]uint8{3, 19}},
		{Established, "52.213.180.42:43638", "flags", "ACCEPT", "ACCEPT", [2]uint8{3, 19}},
		{Established, "52.213.180.42:43416", "flags", "ACCEPT", "ACCEPT", [2]uint8{2, 18}},
	})
	if r := cs[0].Request; r.Records != 2 || r.Bytes != 100701+23294588 || r.First != 1566848875 || r.Last != 1566849113 {
		t.Errorf("43418 request side merged wrong: %+v", r)
	}
}

// TestAWSTransitGateway: the same connection on three interfaces is three
// conversations; the TGW interface sees only one direction of each.
func TestAWSTransitGateway(t *testing.T) {
	cs, names := load(t, tgwFormat+`
		3 eni-33333333333333333 123456789010 vpc-abcdefab012345678 subnet-22222222bbbbbbbbb i-01234567890123456 10.20.33.164 10.40.2.236 39812 80 6 3 IPv4 10.20.33.164 10.40.2.236 ACCEPT OK
		3 eni-33333333333333333 123456789010 vpc-abcdefab012345678 subnet-22222222bbbbbbbbb i-01234567890123456 10.40.2.236 10.20.33.164 80 39812 6 19 IPv4 10.40.2.236 10.20.33.164 ACCEPT OK
		3 eni-11111111111111111 123456789010 vpc-abcdefab012345678 subnet-11111111aaaaaaaaa - 10.40.1.175 10.40.2.236 39812 80 6 3 IPv4 10.20.33.164 10.40.2.236 ACCEPT OK
		3 eni-22222222222222222 123456789010 vpc-abcdefab012345678 subnet-22222222bbbbbbbbb - 10.40.2.236 10.40.2.31 80 39812 6 19 IPv4 10.40.2.236 10.20.33.164 ACCEPT OK`)
	check(t, cs, []want{
		{RequestOnly, "10.40.1.175:39812", "flags", "ACCEPT", "-", [2]uint8{3, 0}},
		{ReplyOnly, "10.40.2.31:39812", "flags", "-", "ACCEPT", [2]uint8{0, 19}},
		{Established, "10.20.33.164:39812", "flags", "ACCEPT", "ACCEPT", [2]uint8{3, 19}},
	})
	if got := names.Name(cs[2].Iface); got != "eni-33333333333333333" {
		t.Errorf("established conversation on %s", got)
	}
}

func TestHandWrittenPairs(t *testing.T) {
	const h = "version interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action tcp-flags log-status\n"
	tests := []struct {
		name  string
		lines string
		want  []want
	}{
		{"ssh accepted, no reply logged (AWS default-format example)",
			"2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK",
			[]want{{RequestOnly, "172.31.16.139:20641", "port", "ACCEPT", "-", [2]uint8{}}}},
		{"rdp rejected (AWS default-format example)",
			"2 123456789010 eni-1235b8ca123456789 172.31.9.69 172.31.9.12 49761 3389 6 20 4249 1418530010 1418530070 REJECT OK",
			[]want{{RejectedRequest, "172.31.9.69:49761", "port", "REJECT", "-", [2]uint8{}}}},
		{"syn answered by reset",
			h + "3 eni-1 10.0.0.5 10.0.1.9 51000 5432 6 1 60 100 160 ACCEPT 2 OK\n" +
				"3 eni-1 10.0.1.9 10.0.0.5 5432 51000 6 1 40 100 160 ACCEPT 4 OK",
			[]want{{Reset, "10.0.0.5:51000", "flags", "ACCEPT", "ACCEPT", [2]uint8{2, 4}}}},
		{"dns reply rejected by a stateless rule",
			h + "3 eni-1 10.0.0.5 10.0.0.2 40000 53 17 1 60 100 160 ACCEPT - OK\n" +
				"3 eni-1 10.0.0.2 10.0.0.5 53 40000 17 1 120 100 160 REJECT - OK",
			[]want{{ReplyRejected, "10.0.0.5:40000", "port", "ACCEPT", "REJECT", [2]uint8{}}}},
		{"reply listed first: client still chosen by SYN",
			h + "3 eni-1 10.0.0.9 10.0.0.5 8080 60000 6 1 60 100 160 ACCEPT 18 OK\n" +
				"3 eni-1 10.0.0.5 10.0.0.9 60000 8080 6 1 60 100 160 ACCEPT 2 OK",
			[]want{{Established, "10.0.0.5:60000", "flags", "ACCEPT", "ACCEPT", [2]uint8{2, 18}}}},
		{"client on a lower port than the server: SYN decides over ports",
			h + "3 eni-1 10.0.0.5 10.0.0.9 1000 8080 6 1 60 100 160 REJECT 2 OK",
			[]want{{RejectedRequest, "10.0.0.5:1000", "flags", "REJECT", "-", [2]uint8{2, 0}}}},
		{"same 5-tuple on two interfaces is two conversations",
			h + "3 eni-1 10.0.0.5 10.0.0.9 40000 443 6 1 60 100 160 ACCEPT 2 OK\n" +
				"3 eni-2 10.0.0.9 10.0.0.5 443 40000 6 1 60 100 160 REJECT 18 OK",
			[]want{
				{RequestOnly, "10.0.0.5:40000", "flags", "ACCEPT", "-", [2]uint8{2, 0}},
				{ReplyOnly, "10.0.0.5:40000", "flags", "-", "REJECT", [2]uint8{0, 18}},
			}},
		{"nodata records are not conversations",
			"2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA",
			nil},
		{"ipv6 ssh (AWS example)",
			"2 123456789010 eni-1235b8ca123456789 2001:db8:1234:a100:8d6e:3477:df66:f105 2001:db8:1234:a102:3304:8879:34cf:4071 34892 22 6 54 8855 1477913708 1477913820 ACCEPT OK",
			[]want{{RequestOnly, "2001:db8:1234:a100:8d6e:3477:df66:f105:34892", "port", "ACCEPT", "-", [2]uint8{}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs, _ := load(t, tt.lines)
			check(t, cs, tt.want)
		})
	}
}

func TestSummaryAndOrder(t *testing.T) {
	cs, _ := load(t, `
		2 1 eni-1 10.0.0.1 10.0.0.2 40000 443 6 1 100 100 160 ACCEPT OK
		2 1 eni-1 10.0.0.2 10.0.0.1 443 40000 6 1 100 100 160 ACCEPT OK
		2 1 eni-1 10.0.0.1 10.0.0.3 40001 22 6 1 100 100 160 REJECT OK
		2 1 eni-1 10.0.0.1 10.0.0.4 40002 53 17 1 100 100 160 ACCEPT OK
		2 1 eni-1 10.0.0.4 10.0.0.1 53 40002 17 1 100 100 160 REJECT OK`)
	var got []Class
	for _, c := range cs {
		got = append(got, c.Class)
	}
	wantOrder := []Class{ReplyRejected, RejectedRequest, Established}
	if len(got) != 3 || got[0] != wantOrder[0] || got[1] != wantOrder[1] || got[2] != wantOrder[2] {
		t.Errorf("order %v, want %v", got, wantOrder)
	}
	s := Summarize(cs)
	if s.Count(ReplyRejected) != 1 || s.Count(RejectedRequest) != 1 || s.Count(Established) != 1 || s.Count(Reset) != 0 {
		t.Errorf("summary %v", s)
	}
	for _, c := range Classes() {
		if c.String() == "unknown" || c.Explain() == "" {
			t.Errorf("class %d has no name or reading", c)
		}
	}
}
