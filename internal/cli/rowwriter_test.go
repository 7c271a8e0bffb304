package cli

import (
	"bytes"
	"net/netip"
	"strings"
	"testing"

	"github.com/flowtail/flowtail/model/query"
)

// TestStreamedTableRowsPrintAsProbedOnes: rows printed after the probe
// has set the widths (straight from the values) read exactly as the rows
// printed from the probe's cells: same padding, alignment and masking.
func TestStreamedTableRowsPrintAsProbedOnes(t *testing.T) {
	cols := []string{"srcaddr", "note", "bytes", "@timestamp"}
	var rows [][]query.Value
	for i := range 40 {
		rows = append(rows, []query.Value{
			{Kind: query.Addr, A: netip.AddrFrom4([4]byte{10, 0, byte(i), byte(i * 7)})},
			{Kind: query.Str, S: []string{"ok", "esc\x1b[31m", "wide é", ""}[i%4]},
			{Kind: query.Int, I: uint64(i * i * 1000)},
			{Kind: query.Time, I: uint64(1700000000000 + i)},
		})
		if i%5 == 0 {
			rows[i][2] = query.Value{}
		}
	}
	var streamed bytes.Buffer
	sw := newRowWriter(&streamed, "table", cols, 3)
	for _, r := range rows {
		sw.row(r)
	}
	if err := sw.finish(uint64(len(rows)), uint64(len(rows))); err != nil {
		t.Fatal(err)
	}
	// The same rows, those after the probe printed from their cells.
	var want bytes.Buffer
	ww := newRowWriter(&want, "table", cols, 3)
	for i, r := range rows {
		if i <= 3 {
			ww.row(r)
			continue
		}
		cells := make([]string, len(r))
		for j, v := range r {
			cells[j] = cleanCell(v.String())
		}
		ww.writeTableRow(cells)
	}
	if err := ww.finish(uint64(len(rows)), uint64(len(rows))); err != nil {
		t.Fatal(err)
	}
	if streamed.String() != want.String() {
		t.Fatalf("streamed rows:\n%s\nwant:\n%s", streamed.String(), want.String())
	}
	if strings.Contains(streamed.String(), "\x1b") {
		t.Fatalf("an escape reached the output:\n%q", streamed.String())
	}
}
