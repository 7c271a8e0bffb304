package query

import (
	"errors"
	"strings"
	"testing"

	"github.com/flowtail/flowtail/model"
)

func TestParseErrors(t *testing.T) {
	tests := []struct {
		query  string
		err    string
		status Status
	}{
		{"filter dstport = ", "expected a value after '=' at column 17", Incomplete},
		{"", "empty query at column 1", Incomplete},
		{"filter", "expected an expression after 'filter' at column 7", Incomplete},
		{"filter dstport", "expected an operator (= != < <= > >= like in =~) after 'dstport' at column 15", Incomplete},
		{"filter dstport = and", "expected a value after '=', found 'and' at column 18", Invalid},
		{"filter (dstport = 22", "expected ')' to close the '(' of column 8 at column 21", Incomplete},
		{"filter dstport = 22)", "expected '|' or end of query, found ')' at column 20", Invalid},
		{"frobnicate x", "unknown command 'frobnicate' (want fields, filter, stats, sort, limit, display or dedup) at column 1", Invalid},
		{"filt", "unknown command 'filt' (want fields, filter, stats, sort, limit, display or dedup) at column 1", Incomplete},
		{"filter nosuch = 1", "unknown field 'nosuch' at column 8", Invalid},
		{"filter action = REJECT and dstport = 22", `unknown field 'REJECT' (a text value needs quotes: "REJECT") at column 17`, Invalid},
		{"filter dstp", "unknown field 'dstp' at column 8", Incomplete},
		{"filter srcaddr like", "expected a \"string\" or /regex/ after 'like' at column 20", Incomplete},
		{"filter srcaddr like \"10.", "unterminated string at column 21", Incomplete},
		{"filter srcaddr =~ /10", "unterminated regex at column 19", Incomplete},
		{"filter dstport in [22, ", "expected a value after ',' at column 23", Incomplete},
		{"filter dstport in 22", "expected '[' after 'in', found '22' at column 19", Invalid},
		{"filter dstport not 22", "expected 'like' or 'in' after 'not', found '22' at column 20", Invalid},
		{"filter dstport = 22 and", "expected an expression after 'and' at column 24", Incomplete},
		{"filter not", "expected an expression after 'not' at column 11", Incomplete},
		{"filter 1 = 2", "a comparison needs a field on one side at column 8", Invalid},
		{"filter isIpInSubnet(srcaddr)", "expected ',' and a \"CIDR\" after 'srcaddr', found ')' at column 28", Invalid},
		{"filter foo(srcaddr)", "unknown function 'foo' (filters take ispresent, isIpInSubnet, isIpv4InSubnet, isIpv6InSubnet) at column 8", Invalid},
		{"filter a ! b", "unknown field 'a' at column 8", Invalid},
		{"filter dstport = \"", "unterminated string at column 18", Incomplete},
		{"filter `pkt-srcaddr = 1", "unterminated `name` at column 8", Incomplete},
		{"filter dstport = 22 | | limit 3", "expected a command (fields, filter, stats, sort, limit, display, dedup), found '|' at column 23", Invalid},
		{"filter dstport = 22 limit 3", "expected '|' or end of query, found 'limit' at column 21", Invalid},
		{`dstport = 22 | stats count(*)`, "'|' follows commands: write 'filter' before the expression to add commands after it at column 14", Invalid},
		{`dstport = 22 limit 3`, "expected end of query, found 'limit' at column 14", Invalid},
		{"filter srcaddr = 10.0.1.50", "10.0.1.50 is not a number (quote addresses: \"10.0.1.50\") at column 18", Invalid},
		{"filter dstport # 22", "unexpected character \"#\" at column 16", Invalid},
		{"stats", "expected a stats function (count, count_distinct, sum, avg, min, max, pct, earliest, latest) after 'stats' at column 6", Incomplete},
		{"stats count(*) by", "expected a field name after 'by' at column 18", Incomplete},
		{"stats foo(x)", "unknown stats function 'foo' (want count, count_distinct, sum, avg, min, max, pct, earliest or latest) at column 7", Invalid},
		{"stats pct(bytes)", "expected ',' and a percentile after 'bytes', found ')' at column 16", Invalid},
		{"stats pct(bytes, 150)", "percentile 150 is not from 0 to 100 at column 18", Invalid},
		{"stats count(*) by bin(5y)", "unknown time unit 'y' (want s, m, h, d or w) at column 24", Invalid},
		{"stats count(*) by bin(5)", "bin period 5 needs a unit (s, m, h, d or w) at column 24", Invalid},
		{"stats count(*) as", "expected a name after 'as' at column 18", Incomplete},
		{"stats count(*) by srcaddr as", "expected a name after 'as' at column 29", Incomplete},
		{"sort", "expected a field name after 'sort' at column 5", Incomplete},
		{"limit", "expected a number after 'limit' at column 6", Incomplete},
		{"limit 0", "limit wants a whole number of at least 1, not 0 at column 7", Invalid},
		{"limit x", "expected a number after 'limit', found 'x' at column 7", Invalid},
		{"fields", "expected a field name after 'fields' at column 7", Incomplete},
		{"fields srcaddr as", "expected a name after 'as' at column 18", Incomplete},
		{"display", "expected a field name after 'display' at column 8", Incomplete},
		{"dedup", "expected a field name after 'dedup' at column 6", Incomplete},
	}
	for _, tt := range tests {
		_, err := Parse(tt.query)
		if err == nil {
			t.Errorf("Parse(%q) = nil error, want %q", tt.query, tt.err)
			continue
		}
		if err.Error() != tt.err {
			t.Errorf("Parse(%q) error\n got %q\nwant %q", tt.query, err.Error(), tt.err)
		}
		if st, _ := Check(tt.query); st != tt.status {
			t.Errorf("Check(%q) = %v, want %v", tt.query, st, tt.status)
		}
	}
}

func TestParseValid(t *testing.T) {
	for _, q := range []string{
		`filter dstport = 22`,
		`filter dstport != 22`,
		`filter bytes < 100`,
		`filter bytes <= 100`,
		`filter bytes > 100`,
		`filter bytes >= 100`,
		`filter dstport == 22`,
		`filter 22 = dstport`,
		`filter action = "REJECT" and dstport = 22 or not (srcport = 1 or srcport = 2)`,
		`filter dstport in [22, 443, "80"]`,
		`filter dstport not in [22]`,
		`filter interface-id like "eni-0"`,
		`filter srcaddr like /^10\.0\./`,
		`filter srcaddr not like /^10\./`,
		`filter srcaddr =~ /^10\./`,
		`filter srcaddr = /^10\./`,
		`filter isIpInSubnet(srcaddr, "10.0.0.0/8") and isIpv4InSubnet(dstaddr, "10.0.0.0/8")`,
		`filter isIpv6InSubnet(srcaddr, "2001:db8::/32")`,
		`filter ispresent(pkt-srcaddr) and not ispresent(tcp-flags)`,
		`filter 'single quotes' = interfaceId`,
		"filter `pkt-srcaddr` = \"10.0.0.1\"",
		`filter @timestamp > 1700000000000 and proto = "tcp" and service = "ssh" and direction = "ingress"`,
		`filter bytes > -1 and bytes < 1.5e3`,
		`stats count(*), count(), count(srcaddr), count_distinct(dstaddr), sum(bytes), avg(bytes), min(bytes), max(bytes), pct(bytes, 95), earliest(action), latest(action) by srcaddr, bin(1m)`,
		`stats count(*) as n by bin(5m) as minute | sort minute asc`,
		`fields @timestamp, srcAddr as src | filter src = "10.0.0.1" | sort src desc, @timestamp | limit 5`,
		`FILTER action = "REJECT" | STATS COUNT(*) BY dstPort`,
		`fields srcaddr | display srcaddr | dedup srcaddr`,
		`action = "REJECT" and dstport = 22`,
		`ispresent(srcaddr)`,
		`sort count(*) desc`,
	} {
		parsed, err := Parse(q)
		if err != nil {
			t.Errorf("Parse(%q): %v", q, err)
			continue
		}
		if parsed.Text != q {
			t.Errorf("Parse(%q).Text = %q: the text must stay as typed so it can be sent to Insights", q, parsed.Text)
		}
	}
}

func TestParseStructure(t *testing.T) {
	q, err := Parse(`filter action = "REJECT" and (dstport = 22 or dstport = 3389) | stats count(*) as n, pct(bytes, 90) by srcAddr, bin(5m) | sort n desc | limit 20`)
	if err != nil {
		t.Fatal(err)
	}
	if len(q.Commands) != 4 {
		t.Fatalf("got %d commands, want 4", len(q.Commands))
	}
	f := q.Commands[0].(*FilterCmd)
	and, ok := f.Expr.(*Logical)
	if !ok || and.Or {
		t.Fatalf("top of filter = %#v, want and", f.Expr)
	}
	if or, ok := and.R.(*Logical); !ok || !or.Or {
		t.Fatalf("right of and = %#v, want the parenthesised or", and.R)
	}
	s := q.Commands[1].(*StatsCmd)
	if s.Aggs[0].Column != "n" || s.Aggs[1].Column != "pct(bytes, 90)" || s.Aggs[1].Pct != 90 {
		t.Errorf("aggs = %+v", s.Aggs)
	}
	if s.By[0].Field.Ref != LookupRefMust("srcaddr") || s.By[1].BinSec != 300 || s.By[1].Column != "bin(5m)" {
		t.Errorf("by = %+v", s.By)
	}
	if l := q.Commands[3].(*LimitCmd); l.N != 20 {
		t.Errorf("limit = %d", l.N)
	}
}

func LookupRefMust(s string) Ref {
	r, ok := LookupRef(s)
	if !ok {
		panic(s)
	}
	return r
}

func TestLookupRefSpellings(t *testing.T) {
	for _, group := range [][]string{
		{"dstport", "dstPort", "DSTPORT", "dst-port", "dst_port"},
		{"pkt-srcaddr", "pktSrcAddr", "pkt_srcaddr"},
		{"interface-id", "interfaceId", "InterfaceID"},
		{"log-status", "logStatus"},
		{"tcp-flags", "tcpFlags"},
		{"@timestamp", "@Timestamp"},
		{"interface-id", "@logStream"},
	} {
		want := LookupRefMust(group[0])
		for _, s := range group[1:] {
			if got, ok := LookupRef(s); !ok || got != want {
				t.Errorf("LookupRef(%q) = %v, %v; want %v", s, got, ok, want)
			}
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`fields @timestamp, srcAddr, dstAddr, dstPort, action | filter action = "REJECT" | stats count() as rejects by dstAddr, dstPort | sort rejects desc | limit 20`,
		`filter srcaddr like /10\.0/ and not dstport in [22, 443] or isIpInSubnet(dstaddr, "10.0.0.0/8")`,
		`stats pct(bytes, 50), earliest(action) by bin(5m)`,
		"filter `pkt-srcaddr` = 'x' | dedup srcaddr | display srcaddr",
		`filter (((dstport = 1)))`,
		`filter "`,
		`filter interfaceId = "eni-\x1b\u{200b}\u00e9\r\n\t\\\"" or srcaddr = "\xZZ"`,
		`filter x = "\u{12`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := Parse(s)
		if err != nil {
			e, ok := err.(*Error)
			if !ok {
				t.Fatalf("Parse(%q) returned %T, want *Error", s, err)
			}
			if e.Col < 1 || e.Col > len(s)+1 {
				t.Fatalf("Parse(%q): column %d outside 1..%d", s, e.Col, len(s)+1)
			}
			if strings.TrimSpace(e.Msg) == "" {
				t.Fatalf("Parse(%q): empty message", s)
			}
			return
		}
		if q.Text != s {
			t.Fatalf("Text changed")
		}
		// Whatever parses must compile or fail with a positioned error, and
		// a compiled program must run over an empty store.
		p, err := Compile(q, testNames(), Options{})
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("Compile(%q) returned %T", s, err)
			}
			return
		}
		p.Result(p.NewPartial())
	})
}

// A field name one or two keystrokes from a known field is named as its
// likely typo; one far from any is only called unknown.
func TestUnknownFieldNamesTheTypo(t *testing.T) {
	for text, want := range map[string]string{
		`stats count(*) by dstprot`:    `did you mean dstport? (unknown field 'dstprot')`,
		`filter actoin = "REJECT"`:     `did you mean action? (unknown field 'actoin')`,
		`fields srcadr | limit 1`:      `did you mean srcaddr? (unknown field 'srcadr')`,
		`filter zebra = 1`:             `unknown field 'zebra'`,
		`dstprot = 22`:                 `did you mean dstport? (unknown field 'dstprot')`,
		`filter interfce-id = "eni-1"`: `did you mean interface-id? (unknown field 'interfce-id')`,
	} {
		q, err := Parse(text)
		if err == nil {
			_, err = Compile(q, model.NewInterner(), Options{Intern: true})
		}
		var qe *Error
		if !errors.As(err, &qe) || qe.Msg != want {
			t.Errorf("%s: %v, want %q", text, err, want)
		}
	}
}
