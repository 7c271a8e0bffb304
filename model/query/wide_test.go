package query

import (
	"strconv"
	"testing"

	"github.com/flowtail/flowtail/model"
)

// Packet counts past 2^32 (a 100 Gbps interface over ten minutes) are
// summed, grouped and printed exactly.
func TestPacketsAbove32Bits(t *testing.T) {
	big := []uint64{5_000_000_000, 4_294_967_296, 18_000_000_000_000_000_000}
	st := model.NewStore(10)
	in := model.NewIngester(st, nil)
	var b model.Batch
	for _, p := range big {
		b.Events = append(b.Events, model.Event{Origin: "a", Line: []byte("2 123456789010 eni-1 10.0.0.1 10.0.0.2 443 49152 6 " +
			strconv.FormatUint(p, 10) + " 840 1620000000 1620000060 ACCEPT OK")})
	}
	in.Ingest(b)
	res := run(t, st, "stats count(*) by packets | sort packets asc")
	want := []string{"4294967296 | 1", "5000000000 | 1", "18000000000000000000 | 1"}
	checkRows(t, res, []string{"packets", "count(*)"}, want)
	// 18e18 + 5e9 + 2^32, worked out by hand: exact in 64 bits
	res = run(t, st, "filter packets > 4294967295 | stats sum(packets) as p")
	checkRows(t, res, []string{"p"}, []string{"18000000009294967296"})
	res = run(t, st, "filter packets = 5000000000 | fields packets")
	checkRows(t, res, []string{"packets"}, []string{"5000000000"})
}
