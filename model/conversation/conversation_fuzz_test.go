package conversation

import (
	"fmt"
	"testing"

	"github.com/flowtail/flowtail/model"
)

// FuzzPairing builds records from arbitrary bytes (a few addresses and
// ports, so pairs do form) and checks what must hold for any input: every
// addressed record lands in exactly one direction of one conversation, a
// conversation has at least one side, the request side is the one the
// class speaks of, and the output is ordered worst first.
func FuzzPairing(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9})
	f.Add([]byte{1, 0x12, 0x21, 2, 0x02, 0x12, 3, 0xff, 0x00, 0x80, 4, 0x44})
	f.Fuzz(func(t *testing.T, data []byte) {
		s := model.NewStore(256)
		p := model.NewParser(model.MustParseFormat("version interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action tcp-flags log-status"), s.Names())
		var fl model.Flow
		var x model.Ext
		addressed := 0
		s.Append(func(a model.Appender) {
			for i := 0; i+3 < len(data) && addressed < 200; i += 4 {
				b0, b1, b2, b3 := data[i], data[i+1], data[i+2], data[i+3]
				src, dst := fmt.Sprintf("10.0.0.%d", b0%4), fmt.Sprintf("10.0.0.%d", b1%4)
				ports := []int{0, 22, 443, 40000}
				action := []string{"ACCEPT", "REJECT"}[b2&1]
				flags := []string{"0", "1", "2", "3", "4", "18", "19", "-"}[b3%8]
				proto := []int{6, 17, 1}[b2>>1%3]
				line := fmt.Sprintf("3 eni-%d %s %s %d %d %d 1 60 %d %d %s %s OK",
					b3>>6, src, dst, ports[b2>>3%4], ports[b2>>5%4], proto, 1000+int(b0), 1060+int(b0), action, flags)
				if err := p.Parse([]byte(line), &fl, &x); err != nil {
					t.Fatalf("%q: %v", line, err)
				}
				a.Add(&fl, &x)
				addressed++
			}
		})
		var cs []Conversation
		s.Read(func(v model.View) { cs = Build(v, nil) })
		total := 0
		for i, c := range cs {
			if !c.Request.Seen() && !c.Response.Seen() {
				t.Fatalf("conversation %d has no records", i)
			}
			total += int(c.Request.Records + c.Response.Records)
			if int(c.Request.Accepts+c.Request.Rejects) != int(c.Request.Records) {
				t.Fatalf("request side actions do not add up: %+v", c.Request)
			}
			switch c.Class {
			case ReplyRejected:
				if c.Request.Accepts == 0 || c.Response.Rejects == 0 {
					t.Fatalf("reply rejected without an accepted request and a rejected reply: %+v", c)
				}
			case RejectedRequest:
				if c.Request.Rejects == 0 || c.Request.Accepts != 0 {
					t.Fatalf("rejected request with accepted records: %+v", c)
				}
			case RequestOnly:
				if c.Response.Seen() {
					t.Fatalf("request only with a reply: %+v", c)
				}
			case ReplyOnly:
				if c.Request.Seen() {
					t.Fatalf("reply only with a request: %+v", c)
				}
			}
			if i > 0 && cs[i-1].Class > c.Class {
				t.Fatalf("conversation %d (%v) after %v: not worst first", i, c.Class, cs[i-1].Class)
			}
			if c.Request.Seen() && c.Response.Seen() && (c.Request.Src() != c.Response.Dst() || c.Request.SrcPort != c.Response.DstPort) {
				t.Fatalf("sides are not reverses of each other: %+v", c)
			}
		}
		if total != addressed {
			t.Fatalf("%d records in conversations, %d added", total, addressed)
		}
	})
}
