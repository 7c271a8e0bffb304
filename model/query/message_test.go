package query

import (
	"testing"

	"github.com/flowtail/flowtail/model"
)

// TestMessageKeepsTheRecordsOwnFieldOrder: @message of a custom-format
// record is the line as logged (AWS's v5 example, whose order differs from
// the AWS field table), not the fields re-sorted into table order.
func TestMessageKeepsTheRecordsOwnFieldOrder(t *testing.T) {
	const format = "version srcaddr dstaddr srcport dstport protocol start end type packets bytes account-id vpc-id subnet-id instance-id interface-id region az-id sublocation-type sublocation-id action tcp-flags pkt-srcaddr pkt-dstaddr pkt-src-aws-service pkt-dst-aws-service traffic-path flow-direction log-status"
	const line = "5 10.0.0.71 52.95.128.179 34210 80 6 1616729292 1616729349 IPv4 7 471 123456789012 vpc-abcdefab012345678 subnet-aaaaaaaa012345678 i-0c50d5961bcb2d47b eni-1235b8ca123456789 ap-southeast-2 apse2-az3 - - ACCEPT 3 10.0.0.71 52.95.128.179 - S3 8 egress OK"
	st := model.NewStore(4)
	model.NewIngester(st, nil).Ingest(model.Batch{Events: []model.Event{
		{Line: []byte(format), Origin: "s3.log"},
		{Line: []byte(line), Origin: "s3.log"},
	}})
	res := run(t, st, `fields @message`)
	if len(res.Rows) != 1 {
		t.Fatalf("%d rows, want 1", len(res.Rows))
	}
	if got := res.Rows[0][0].String(); got != line {
		t.Fatalf("@message =\n %s\nwant the logged line\n %s", got, line)
	}
}
