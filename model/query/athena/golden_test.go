package athena

import (
	"bufio"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"
	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/model/query"
)

// corpus reads the shared translation corpus.
func corpus(t testing.TB) []string {
	f, err := os.Open("../testdata/translate-corpus.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out
}

// defaultTable is the table AWS's DDL makes for the default format,
// partitioned by day with projection.
func defaultTable() *Table {
	return &Table{
		Database: "vpclogs", Name: "flows",
		Columns:    FormatColumns(model.DefaultFormat, false),
		Partitions: []Column{{"day", "string"}},
		Params:     map[string]string{"projection.day.format": "yyyy/MM/dd"},
	}
}

// v5Table has the version 5 fields (pkt-srcaddr, flow-direction, …).
func v5Table() *Table {
	f := model.MustParseFormat("${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status} ${vpc-id} ${tcp-flags} ${pkt-srcaddr} ${pkt-dstaddr} ${flow-direction}")
	t := defaultTable()
	t.Columns = FormatColumns(f, false)
	return t
}

func TestCorpusGolden(t *testing.T) {
	window := Options{Since: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), Until: time.Date(2024, 1, 8, 0, 0, 0, 0, time.UTC)}
	var b strings.Builder
	for i, text := range corpus(t) {
		q, err := query.Parse(text)
		if err != nil {
			t.Fatalf("%s: %v", text, err)
		}
		opt := Options{}
		if i == 0 {
			opt = window // one query shows the window; the rest stay short
		}
		tr, err := Translate(q, v5Table(), opt)
		if err != nil {
			t.Fatalf("%s: %v", text, err)
		}
		b.WriteString("-- " + text + "\n" + tr.SQL + ";\n\n")
	}
	golden.RequireEqual(t, []byte(b.String()))
}
