package athena

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/model/query"
)

func translate(t testing.TB, tb *Table, opt Options, text string) string {
	t.Helper()
	q, err := query.Parse(text)
	if err != nil {
		t.Fatalf("%s: %v", text, err)
	}
	tr, err := Translate(q, tb, opt)
	if err != nil {
		t.Fatalf("%s: %v", text, err)
	}
	return tr.SQL
}

// TestSemantics checks the translations that carry the local engine's
// meaning, one fragment each.
func TestSemantics(t *testing.T) {
	cases := []struct{ query, want string }{
		// An absent value makes a comparison false, so its negation true.
		{`filter not dstport = 22`, "NOT COALESCE(dstport = 22, FALSE)"},
		// "-" in a string column is absent.
		{`filter action = "REJECT"`, "NULLIF(action, '-') AS action"},
		// Reserved names are quoted.
		{`filter end > 5`, `WHERE "end" > 5`},
		// @timestamp in seconds is scaled to ms.
		{`filter @timestamp >= 1704067200`, `"@timestamp" >= 1704067200000`},
		// not in keeps absent values out.
		{`filter dstport not in [22, 80]`, "dstport NOT IN (22, 80)"},
		// A control or invisible character is written as a Unicode
		// escape, never raw; quotes and backslashes around it too.
		{`filter interface-id = "a\x1b[31m'\\b"`, `interface_id = U&'a\001B[31m''\\b'`},
		{`filter action like "\u{202e}x\u{e0041}"`, `strpos(action, U&'\202Ex\+0E0041') > 0`},
		// Whole numbers stay exact past 2^53.
		{`filter bytes = 9007199254740993`, "bytes = 9007199254740993"},
		{`filter bytes > "18446744073709551615"`, "bytes > 18446744073709551615"},
		{`filter packets in [9007199254740993, 2]`, "packets IN (9007199254740993, 2)"},
		// IPv4 before IPv6.
		{`filter srcaddr < "10.0.0.9"`, "(strpos(srcaddr, ':') = 0 AND TRY_CAST(srcaddr AS ipaddress) < IPADDRESS '10.0.0.9')"},
		{`filter srcaddr > "10.0.0.9"`, "(strpos(srcaddr, ':') > 0 OR TRY_CAST(srcaddr AS ipaddress) > IPADDRESS '10.0.0.9')"},
		// An IPv4 block holds IPv4 addresses only; a bare address is a /32.
		{`filter isIpInSubnet(srcaddr, "10.1.2.3")`, "(strpos(srcaddr, ':') = 0 AND contains('10.1.2.3/32', TRY_CAST(srcaddr AS ipaddress)))"},
		{`filter isIpv4InSubnet(srcaddr, "10.9.8.7/8")`, "contains('10.0.0.0/8', "},
		// like is a substring test; a regex searches.
		{`filter interface-id like "eni-0a"`, "strpos(interface_id, 'eni-0a') > 0"},
		{`filter dstport like "44"`, "strpos(CAST(dstport AS varchar), '44') > 0"},
		{`filter interface-id =~ /^eni/`, "regexp_like(interface_id, '^eni')"},
		{`filter interface-id like "it's"`, "'it''s'"},
		// Derived fields are CASE expressions; literals resolve as locally.
		{`filter proto = "TCP"`, "proto = 'tcp'"},
		{`filter proto = 6`, "proto = 'tcp'"},
		{`filter proto = 99`, "proto = '99'"},
		{`filter service = "SSH"`, "service = 'ssh'"},
		{`filter service = "ssh"`, "WHEN dstport IN (67, 68) THEN 'dhcp'"},
		// Exact aggregates.
		{`stats pct(bytes, 95)`, "element_at(array_sort(array_agg(bytes) FILTER (WHERE bytes IS NOT NULL)), CAST(greatest(1, least(ceiling(9.5E+01 / 100 * count(bytes)), count(bytes))) AS integer))"},
		{`stats count_distinct(srcaddr)`, "count(DISTINCT srcaddr)"},
		{`stats avg(bytes)`, "CAST(sum(bytes) AS double) / count(bytes)"},
		{`stats latest(srcaddr)`, `max_by(srcaddr, COALESCE("@timestamp", 0)) FILTER (WHERE srcaddr IS NOT NULL)`},
		{`stats count(*) by bin(5m)`, `format_datetime(from_unixtime(("@timestamp" - "@timestamp" % 300000) / 1000, 'UTC'), 'yyyy-MM-dd HH:mm:ss.SSS')`},
		// Sort ties go to the group keys; absent values last either way.
		{`stats count(*) as n by dstport | sort n desc`, "ORDER BY _c1 DESC NULLS LAST, _c0 ASC NULLS LAST"},
		// A missing column is absent.
		{`filter tcp-flags = 2`, "CAST(NULL AS bigint) AS tcp_flags"},
	}
	tb := defaultTable()
	for _, c := range cases {
		got := translate(t, tb, Options{}, c.query)
		if !strings.Contains(got, c.want) {
			t.Errorf("%s:\nwant a fragment %s\nin\n%s", c.query, c.want, got)
		}
	}
}

// TestIntStartWidened: a hand-made table with start as int gets
// @timestamp in bigint, where milliseconds fit.
func TestIntStartWidened(t *testing.T) {
	tb := defaultTable()
	for i, c := range tb.Columns {
		if c.Name == "start" {
			tb.Columns[i].Type = "int"
		}
	}
	if got := translate(t, tb, Options{}, "stats count(*) by bin(1h)"); !strings.Contains(got, `CAST(start AS bigint) * 1000 AS "@timestamp"`) {
		t.Errorf("int start not widened:\n%s", got)
	}
}

func TestPartitionLayouts(t *testing.T) {
	since := time.Date(2024, 1, 30, 12, 0, 0, 0, time.UTC)
	until := time.Date(2024, 2, 2, 6, 30, 0, 0, time.UTC)
	hive := &Table{Database: "d", Name: "t", Columns: FormatColumns(model.DefaultFormat, false),
		Partitions: []Column{{"aws-account-id", "string"}, {"year", "string"}, {"month", "string"}, {"day", "string"}}}
	date := &Table{Database: "d", Name: "t", Columns: FormatColumns(model.DefaultFormat, false), Partitions: []Column{{"date", "date"}}}
	hourly := &Table{Database: "d", Name: "t", Columns: FormatColumns(model.DefaultFormat, false),
		Partitions: []Column{{"region", "string"}, {"hour", "string"}},
		Params:     map[string]string{"projection.hour.format": "yyyy/MM/dd/HH"}}
	cases := []struct {
		t    *Table
		want []string
	}{
		{defaultTable(), []string{"day >= '2024/01/30'", "day <= '2024/02/02'", "start >= 1706616000", "start <= 1706855400"}},
		{hive, []string{"((year = '2024' AND month = '01' AND day BETWEEN '30' AND '31')\n      OR (year = '2024' AND month = '02' AND day BETWEEN '01' AND '02'))"}},
		{date, []string{`"date" >= DATE '2024-01-30'`, `"date" <= DATE '2024-02-02'`}},
		{hourly, []string{"hour >= '2024/01/30/11'", "hour <= '2024/02/02/07'"}},
	}
	for _, c := range cases {
		got := translate(t, c.t, Options{Since: since, Until: until}, `stats count(*)`)
		for _, w := range c.want {
			if !strings.Contains(got, w) {
				t.Errorf("%v: want %q in\n%s", c.t.Partitions, w, got)
			}
		}
	}
	// Without a window nothing bounds the partitions.
	if got := translate(t, hive, Options{}, `stats count(*)`); strings.Contains(got, "year") {
		t.Errorf("no window, yet:\n%s", got)
	}
}

// TestErrorsAsLocal: a query the local engine refuses is refused here with
// the same message.
func TestErrorsAsLocal(t *testing.T) {
	q, err := query.Parse(`stats sum(srcaddr)`)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Translate(q, defaultTable(), Options{})
	if err == nil || !strings.Contains(err.Error(), "needs a numeric field") {
		t.Fatalf("err = %v", err)
	}
}

func BenchmarkTranslate(b *testing.B) {
	for name, text := range map[string]string{
		"seed":    `filter action = "REJECT" | stats count(*) as rejects by dstaddr, dstport | sort rejects desc | limit 20`,
		"derived": `filter action = "REJECT" and service = "ssh" | stats count(*) as rejects by dstaddr, proto | sort rejects desc | limit 20`,
	} {
		b.Run(name, func(b *testing.B) {
			q, err := query.Parse(text)
			if err != nil {
				b.Fatal(err)
			}
			tb := defaultTable()
			opt := Options{Since: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), Until: time.Date(2024, 1, 8, 0, 0, 0, 0, time.UTC)}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Translate(q, tb, opt); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// FuzzTranslate: every query the local engine accepts translates, but
// for text that is not UTF-8, which Athena cannot hold and which is
// refused by name.
func FuzzTranslate(f *testing.F) {
	for _, q := range corpus(f) {
		f.Add(q)
	}
	tb := v5Table()
	f.Fuzz(func(t *testing.T, text string) {
		q, err := query.Parse(text)
		if err != nil {
			return
		}
		if _, err := query.Compile(q, model.NewInterner(), query.Options{}); err != nil {
			return
		}
		if _, err := Translate(q, tb, Options{}); err != nil && !strings.Contains(err.Error(), "not UTF-8") {
			t.Fatalf("%q compiles locally but does not translate: %v", text, err)
		}
	})
}

func TestIdentQuotes(t *testing.T) {
	for in, want := range map[string]string{
		"end": `"end"`, "date": `"date"`, "default": `"default"`, "order": `"order"`, "start": "start",
		"dstport": "dstport", "aws-region": `"aws-region"`, "Flows": `"Flows"`, `a"b`: `"a""b"`, "@timestamp": `"@timestamp"`,
	} {
		if got := ident(in); got != want {
			t.Errorf("ident(%q) = %s, want %s", in, got, want)
		}
	}
}

// Written times and ago() mean on Athena what they mean locally: the
// instant they name, as a number of the field's unit, not FALSE.
func TestWrittenTimes(t *testing.T) {
	tb := defaultTable()
	for q, want := range map[string]string{
		`filter start >= "2026-12-03 15:12" | stats count(*)`:                 "start >= 1796310720",
		`filter end < "2026-12-03T15:12:00Z" | stats count(*)`:                `"end" < 1796310720`,
		`filter @timestamp >= "2026-12-03 15:12" | stats count(*)`:            `"@timestamp" >= 1796310720000`,
		`filter start in ["2026-12-03 15:12", "1796310721"] | stats count(*)`: "start IN (1796310720, 1796310721)",
	} {
		if got := translate(t, tb, Options{}, q); !strings.Contains(got, want) {
			t.Errorf("%s:\nwant a fragment %s\nin\n%s", q, want, got)
		}
	}
	got := translate(t, tb, Options{}, `filter @timestamp > ago(5m) | stats count(*)`)
	if strings.Contains(got, "WHERE FALSE") || !strings.Contains(got, `"@timestamp" > 1`) {
		t.Errorf("ago(5m) is no time on Athena:\n%s", got)
	}
}

// The time window bounds start; a table without it is bounded by end, and
// one without either is refused, not sent to match no record through a
// NULL column.
func TestWindowWithoutStart(t *testing.T) {
	since, until := time.Unix(1795000000, 0), time.Unix(1795003600, 0)
	table := func(format string) *Table {
		tb := defaultTable()
		tb.Columns = FormatColumns(model.MustParseFormat(format), false)
		return tb
	}
	got := translate(t, table("${version} ${bytes} ${end} ${action}"), Options{Since: since, Until: until}, `stats count(*)`)
	for _, want := range []string{`"end" >= 1795000000`, `"end" <= 1795003600`} {
		if !strings.Contains(got, want) {
			t.Errorf("want %s in\n%s", want, got)
		}
	}
	if strings.Contains(got, "NULL AS bigint") {
		t.Errorf("a NULL bound in\n%s", got)
	}
	q, _ := query.Parse(`stats count(*)`)
	_, err := Translate(q, table("${version} ${bytes} ${action}"), Options{Since: since})
	if err == nil || !strings.Contains(err.Error(), "neither a start nor an end column") {
		t.Errorf("no time column: %v, want a refusal", err)
	}
	// Without a window, such a table is read whole.
	translate(t, table("${version} ${bytes} ${action}"), Options{}, `stats count(*)`)
}

// Text that is not UTF-8 cannot be an Athena string: refused at its column.
func TestInvalidTextRefused(t *testing.T) {
	for text, col := range map[string]int{
		`filter interface-id = "eni-\xff"`:                      23,
		`filter dstport = 22 and interface-id in ["A", "\xc3"]`: 47,
		`filter @message like "x\xff" or action = "REJECT"`:     22,
	} {
		q, err := query.Parse(text)
		if err != nil {
			t.Fatal(err)
		}
		_, err = Translate(q, defaultTable(), Options{})
		var qe *query.Error
		if !errors.As(err, &qe) || qe.Col != col || !strings.Contains(qe.Msg, "not UTF-8") {
			t.Errorf("%s: %v, want an error at column %d", text, err, col)
		}
	}
}

// A number in the wrong unit for a time field is refused at its column, as
// the local engine refuses it, not sent to match nothing.
func TestEpochUnitRefused(t *testing.T) {
	for text, col := range map[string]int{
		`filter start >= 1795103600000 | stats count(*)`:        17,
		`filter end in [1795103600, "1795103600000"]`:           28,
		`filter @timestamp < 1795103600000000 | stats count(*)`: 21,
	} {
		q, err := query.Parse(text)
		if err != nil {
			t.Fatal(err)
		}
		_, err = Translate(q, defaultTable(), Options{})
		var qe *query.Error
		if !errors.As(err, &qe) || qe.Col != col || !strings.Contains(qe.Msg, "since the epoch") {
			t.Errorf("%s: %v, want an error about the unit at column %d", text, err, col)
		}
	}
}

// A number out of range, or one the field cannot hold in an equality, is
// refused at its column as the local engine refuses it.
func TestNumberLiteralsRefused(t *testing.T) {
	for text, col := range map[string]int{
		`filter dstport = 99999999999999999999 | stats count(*)`: 18,
		`filter dstport in [22, 70000] | stats count(*)`:         24,
		`filter protocol != 300 | stats count(*)`:                20,
	} {
		q, err := query.Parse(text)
		if err != nil {
			var qe *query.Error
			if !errors.As(err, &qe) || qe.Col != col {
				t.Errorf("%s: %v, want an error at column %d", text, err, col)
			}
			continue
		}
		_, err = Translate(q, defaultTable(), Options{})
		var qe *query.Error
		if !errors.As(err, &qe) || qe.Col != col {
			t.Errorf("%s: %v, want an error at column %d", text, err, col)
		}
	}
}

// TestCustomField: a field flowtail does not know is a column named as
// the format names it (lower case, '_' for '-', as AWS names columns),
// in the DDL's table and in the SQL, and the query reads that column in
// any of the spellings a local query takes; a table without such a column
// reads it as absent.
func TestCustomField(t *testing.T) {
	f := model.InternFormat(model.MustParseFormat("${version} ${colour} ${Next-hop_type} ${values} ${bytes} ${start}"))
	cols := FormatColumns(f, false)
	var names []string
	for _, c := range cols {
		names = append(names, c.Name+" "+c.Type)
	}
	if got, want := strings.Join(names, ", "), "version int, colour string, next_hop_type string, values string, bytes bigint, start bigint"; got != want {
		t.Fatalf("columns %s\nwant    %s", got, want)
	}
	tb := &Table{Database: "d", Name: "t", Columns: cols}
	got := translate(t, tb, Options{}, `filter colour = "red" and nextHopType != "igw" and values like "x" | stats sum(bytes) by colour`)
	for _, want := range []string{
		"NULLIF(colour, '-') AS colour",
		"NULLIF(next_hop_type, '-') AS next_hop_type",
		`NULLIF("values", '-') AS "values"`,
		"colour = 'red'",
		"next_hop_type <> 'igw'",
		`strpos("values", 'x') > 0`,
		"SELECT colour AS _c0",
		"_c0 AS colour",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("want %q in\n%s", want, got)
		}
	}
	if strings.Contains(got, `""`) {
		t.Errorf("an empty name in\n%s", got)
	}
	// A table made by hand, with its own case, or without the column.
	hand := &Table{Database: "d", Name: "t", Columns: []Column{{"NextHopType", "varchar(20)"}, {"bytes", "bigint"}}}
	got = translate(t, hand, Options{}, `stats sum(bytes) by next-hop-type, colour`)
	for _, want := range []string{`NULLIF("NextHopType", '-') AS nexthoptype`, "CAST(NULL AS varchar) AS colour"} {
		if !strings.Contains(got, want) {
			t.Errorf("want %q in\n%s", want, got)
		}
	}
}
