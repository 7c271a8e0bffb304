package insights

import (
	"errors"
	"strings"
	"testing"

	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/model/query"
)

func tr(t testing.TB, text string, opt Options) *Translation {
	t.Helper()
	q, err := query.Parse(text)
	if err != nil {
		t.Fatalf("%s: %v", text, err)
	}
	out, err := Translate(q, opt)
	if err != nil {
		t.Fatalf("%s: %v", text, err)
	}
	return out
}

func TestCustomFormatParse(t *testing.T) {
	f := model.MustParseFormat("${version} ${vpc-id} ${srcaddr} ${dstaddr} ${dstport} ${start} ${action} ${pkt-srcaddr}")
	got := tr(t, `filter action = "REJECT" | stats count(*) as n by pkt-srcaddr | sort n desc | limit 10`, Options{Format: f})
	want := `parse @message "* * * * * * * *" as version, vpcId, srcAddr, dstAddr, dstPort, startTime, action, pktSrcAddr | filter action = "REJECT" | stats count(*) as n by pktSrcAddr | sort n desc | limit 10`
	if got.Text != want || got.Raw {
		t.Errorf("got  %s (raw %v)\nwant %s", got.Text, got.Raw, want)
	}
	// The default format needs no parse.
	if got := tr(t, `filter dstport = 22 | limit 5`, Options{Format: model.DefaultFormat}); got.Text != `filter dstPort = 22 | limit 5` {
		t.Errorf("default format: %s", got.Text)
	}
}

func TestSplit(t *testing.T) {
	cases := []struct {
		query, text string
		raw         bool
	}{
		// Native conjuncts go; the derived one stays local.
		{`filter action = "REJECT" and service = "ssh" and (dstport = 22 or srcport = 22) | stats count(*) by srcaddr`,
			`filter action = "REJECT" and (dstPort = 22 or srcPort = 22) | fields @timestamp, @message`, true},
		// An or with a derived side cannot be pushed at all.
		{`filter action = "REJECT" or proto = "udp" | limit 5`, `fields @timestamp, @message`, true},
		// Grouping by a derived field keeps the filters remote.
		{`filter dstport = 443 | stats count(*) by direction`, `filter dstPort = 443 | fields @timestamp, @message`, true},
		// A record query without limit is fetched and answered locally.
		{`filter dstport = 443 | fields srcaddr`, `filter dstPort = 443 | fields @timestamp, @message`, true},
		{`filter dstport = 443 | fields srcaddr | limit 50`, `filter dstPort = 443 | fields srcAddr | limit 50`, false},
		// Text Insights cannot write (a control, invisible or invalid
		// character) stays local, and nothing raw is sent.
		{`filter interface-id = "eni-\x1b[31m" and dstport = 22 | stats count(*)`, `filter dstPort = 22 | fields @timestamp, @message`, true},
		{`filter @message like "\u{202e}x" or dstport = 22 | limit 5`, `fields @timestamp, @message`, true},
		{`filter interface-id in ["eni-\xff"] | limit 5`, `fields @timestamp, @message`, true},
		// A string with quotes and a regex with a slash.
		{`filter @message like "a\"b" and @message like /x\/y/ | limit 1`, `filter @message like "a\"b" and @message like /x\/y/ | limit 1`, false},
	}
	for _, c := range cases {
		got := tr(t, c.query, Options{})
		if got.Text != c.text || got.Raw != c.raw {
			t.Errorf("%s:\ngot  %s (raw %v)\nwant %s (raw %v)", c.query, got.Text, got.Raw, c.text, c.raw)
		}
		if got.Raw && got.Local == "" {
			t.Errorf("%s: split without saying why", c.query)
		}
	}
}

// TestStatsColumns: names after stats resolve to Insights' columns.
func TestStatsColumns(t *testing.T) {
	got := tr(t, `stats count_distinct(srcaddr) by dstport | sort count_distinct(srcaddr) desc`, Options{})
	if want := `stats count_distinct(srcAddr) by dstPort | sort count_distinct(srcAddr) desc`; got.Text != want {
		t.Errorf("got  %s\nwant %s", got.Text, want)
	}
	if strings.Join(got.Columns, ",") != "dstPort,count_distinct(srcAddr)" || !got.Stats {
		t.Errorf("columns %v stats %v", got.Columns, got.Stats)
	}
}

func BenchmarkTranslate(b *testing.B) {
	q, err := query.Parse(`filter action = "REJECT" and dstport in [22, 3389] | stats count(*) as rejects by dstaddr, dstport | sort rejects desc | limit 20`)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Translate(q, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzTranslate: every query the local engine accepts translates.
func FuzzTranslate(f *testing.F) {
	for _, q := range corpus(f) {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, text string) {
		q, err := query.Parse(text)
		if err != nil {
			return
		}
		if _, err := query.Compile(q, model.NewInterner(), query.Options{}); err != nil {
			return
		}
		if _, err := Translate(q, Options{}); err != nil {
			t.Fatalf("%q compiles locally but does not translate: %v", text, err)
		}
	})
}

// Written times and ago() reach Insights as the instant they name: start
// and end in seconds, @timestamp in milliseconds, not as text.
func TestWrittenTimes(t *testing.T) {
	for q, want := range map[string]string{
		`filter start >= "2026-12-03 15:12" | stats count(*)`:      "filter startTime >= 1796310720 | stats count(*)",
		`filter @timestamp >= "2026-12-03 15:12" | stats count(*)`: "filter @timestamp >= 1796310720000 | stats count(*)",
	} {
		if got := tr(t, q, Options{}); got.Text != want {
			t.Errorf("%s:\n got %s\nwant %s", q, got.Text, want)
		}
	}
	if got := tr(t, `filter @timestamp > ago(5m) | stats count(*)`, Options{}); strings.Contains(got.Text, "ago") {
		t.Errorf("ago(5m) sent as text: %s", got.Text)
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
		_, err = Translate(q, Options{})
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
		_, err = Translate(q, Options{})
		var qe *query.Error
		if !errors.As(err, &qe) || qe.Col != col {
			t.Errorf("%s: %v, want an error at column %d", text, err, col)
		}
	}
}

// TestCustomFieldNamed: a field flowtail does not know is named in the
// parse command, as a plain Insights identifier (camelCase like the known
// ones, so next-hop-type needs no backquotes), and the query reads it by
// that name: grouping and filtering on it stays native.
func TestCustomFieldNamed(t *testing.T) {
	cases := []struct {
		format, query, text, columns string
	}{
		{"${version} ${colour} ${bytes}", `stats sum(bytes) by colour`,
			`parse @message "* * *" as version, colour, bytes | stats sum(bytes) by colour`, "colour,sum(bytes)"},
		{"${version} ${next-hop_type} ${srcaddr} ${start}", `filter Next-Hop-Type = "igw" | stats count(*) as n by next_hop_type`,
			`parse @message "* * * *" as version, nextHopType, srcAddr, startTime | filter nextHopType = "igw" | stats count(*) as n by nextHopType`, "nextHopType,n"},
		// Spelt like the name Insights gives start: the custom field gets
		// a name of its own.
		{"${start} ${start-time} ${bytes}", `filter start-time = "x" | stats sum(bytes) by start`,
			`parse @message "* * *" as startTime, startTime2, bytes | filter startTime2 = "x" | stats sum(bytes) by startTime`, "startTime,sum(bytes)"},
		// A word of the query language is quoted wherever it names the field.
		{"${version} ${source} ${bytes}", `filter source = "x" | stats count(*) as n by source`,
			"parse @message \"* * *\" as version, `source`, bytes | filter `source` = \"x\" | stats count(*) as n by `source`", "source,n"},
	}
	for _, c := range cases {
		f := model.InternFormat(model.MustParseFormat(c.format))
		got := tr(t, c.query, Options{Format: f})
		if got.Text != c.text || got.Raw || strings.Join(got.Columns, ",") != c.columns {
			t.Errorf("%s over %s:\ngot  %s (raw %v, columns %v)\nwant %s (columns %s)", c.query, c.format, got.Text, got.Raw, got.Columns, c.text, c.columns)
		}
	}
}

// TestCustomFieldNotInFormat: a query naming a field the log group's
// format does not hold cannot be pushed; the split says which field.
func TestCustomFieldNotInFormat(t *testing.T) {
	model.InternFormat(model.MustParseFormat("${version} ${colour} ${bytes}"))
	got := tr(t, `filter action = "REJECT" | stats count(*) by colour`, Options{})
	if want := `filter action = "REJECT" | fields @timestamp, @message`; got.Text != want || !got.Raw || !strings.HasPrefix(got.Local, "colour ") {
		t.Errorf("got %s (raw %v, local %q)\nwant %s, split for colour", got.Text, got.Raw, got.Local, want)
	}
}

func TestQuoteName(t *testing.T) {
	for n, want := range map[string]string{
		"colour": "colour", "nextHop2": "nextHop2", "next_hop": "next_hop",
		"next-hop": "`next-hop`", "a:b": "`a:b`", "2nd": "`2nd`", "BY": "`BY`", "": "``",
	} {
		if got := quoteName(n); got != want {
			t.Errorf("quoteName(%q) = %s, want %s", n, got, want)
		}
	}
}
