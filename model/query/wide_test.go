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

// A live filter that remembers its verdict per interned value stays right
// when the store's interner reclaims ids and reuses them for new values.
func TestLiveLikeAcrossReclaimedIDs(t *testing.T) {
	st := model.NewStore(8)
	in := model.NewIngester(st, nil)
	q, err := Parse(`filter interface-id like /7$/ | stats count(*) as n`)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Compile(q, st.Names(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	live := p.NewLive()
	for i := 0; i < 200; i++ {
		in.Ingest(model.Batch{Events: []model.Event{{Origin: "a", Line: []byte("2 123456789010 eni-" + strconv.Itoa(i) +
			" 10.0.0.1 10.0.0.2 443 49152 6 1 40 1620000000 1620000060 ACCEPT OK")}}})
		var got string
		st.Read(func(v model.View) { live.Update(v) })
		if rows := live.Result().Rows; len(rows) > 0 {
			got = rows[0][0].String()
		}
		want := 0 // the ring holds eni-(i-7) .. eni-i
		for k := max(0, i-7); k <= i; k++ {
			if strconv.Itoa(k)[len(strconv.Itoa(k))-1] == '7' {
				want++
			}
		}
		if got != strconv.Itoa(want) && !(want == 0 && (got == "" || got == "0")) {
			t.Fatalf("after eni-%d: count %s, want %d", i, got, want)
		}
	}
}
