package query

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/flowtail/flowtail/model"
)

// stringLit parses `interfaceId = LIT` and returns the literal's value.
func stringLit(t *testing.T, lit string) (string, error) {
	t.Helper()
	q, err := Parse(`interfaceId = ` + lit)
	if err != nil {
		return "", err
	}
	c, ok := q.Commands[0].(*FilterCmd).Expr.(*Compare)
	if !ok || c.R.Lit == nil {
		t.Fatalf("%s: not a comparison with a literal", lit)
	}
	return c.R.Lit.Text, nil
}

// Each escape a string literal takes, and the value it stands for,
// written out byte by byte here rather than through the lexer.
func TestStringEscapes(t *testing.T) {
	for lit, want := range map[string]string{
		`"a\"b"`:                "a\x22b",
		`'a\'b'`:                "a\x27b",
		`"back\\slash"`:         "back\x5cslash",
		`"\n\r\t"`:              "\x0a\x0d\x09",
		`"\x00\x1b\xff\xFE"`:    "\x00\x1b\xff\xfe",
		`"\u00e9\u200B"`:        "\xc3\xa9\xe2\x80\x8b",
		`"\u{1F600}\u{0}\u{a}"`: "\xf0\x9f\x98\x80\x00\x0a",
		`"\u{10ffff}"`:          "\xf4\x8f\xbf\xbf",
		`"\d\.\q"`:              "\x5cd\x5c.\x5cq", // not escapes: kept as written, as before
		`"eni-\x30\u0031"`:      "eni-01",
	} {
		got, err := stringLit(t, lit)
		if err != nil || got != want {
			t.Errorf("%s: %q, %v; want %q", lit, got, err, want)
		}
	}
	// A regex reaches the regexp package as written: it reads \x itself.
	q, err := Parse(`interfaceId =~ /a\x41\u{42}/`)
	if err != nil || q.Commands[0].(*FilterCmd).Expr.(*Match).Pattern != `a\x41\u{42}` {
		t.Errorf("regex escapes changed: %v", err)
	}
}

// A bad escape is an error at its backslash, naming the escape; one the
// text ends inside is incomplete (the user is still typing).
func TestBadStringEscapes(t *testing.T) {
	for _, tt := range []struct {
		text string
		at   string // the bad escape, which the error points at
		msg  string
	}{
		{`action = "ab\xZZ"`, `\xZZ`, `bad escape '\xZ': \x takes two hex digits`},
		{`action = "ab\x4"`, `\x4`, `bad escape '\x4'`},
		{`action = "\u12" and region = 1`, `\u12`, `bad escape '\u12': \u takes four hex digits`},
		{`action = "\u{}"`, `\u{}`, `\u{…} takes one to six hex digits`},
		{`action = "\u{1234567}"`, `\u{`, `\u{…} takes one to six hex digits`},
		{`action = "\u{12" or region = "}"`, `\u{12`, `bad escape '\u{12'`},
		{`action = "\u{110000}"`, `\u{`, `characters end at U+10FFFF`},
		{`action = "\uD800"`, `\uD`, `a surrogate half is no character`},
		{`action = "\u{dfff}"`, `\u{`, `a surrogate half is no character`},
		{`action = "ok" and region in ["a", "b\xG0"]`, `\xG`, `bad escape '\xG'`},
		{`action like "\xq"`, `\xq`, `bad escape '\xq'`},
		{`isIpInSubnet(srcaddr, "10.0.0.0/8\x")`, `\x"`, `bad escape '\x'`},
		{`action = "é\xZZ`, `\xZZ`, `bad escape`}, // a column counts bytes, as every column does
	} {
		col := strings.Index(tt.text, tt.at) + 1
		st, e := Check(tt.text)
		if st != Invalid || e == nil || e.Col != col || !strings.Contains(e.Msg, tt.msg) {
			t.Errorf("%s: %v %+v; want invalid at column %d: %q", tt.text, st, e, col, tt.msg)
		}
	}
	for _, text := range []string{`action = "a\x`, `action = "a\x4`, `action = "a\u`, `action = "a\u00`, `action = "a\u{`, `action = "a\u{10ff`} {
		if st, e := Check(text); st != Incomplete {
			t.Errorf("%s: %v %v; want incomplete", text, st, e)
		}
	}
}

// Quote writes any value, control characters and invalid UTF-8 included,
// as a literal that reads back as exactly that value and shows as it
// reads: no byte of it is unsafe on a terminal.
func TestQuoteRoundTrips(t *testing.T) {
	for _, v := range []string{"", "eni-plain", `eni-"quoted"`, `back\slash`, "esc\x1b]0;pwned\x07", "c1\u009b31m",
		"bidi\u202eevil\u202c", "zw\u200b\u200d\ufeffx", "wide宽", "bad\xff\xfeutf8", "\x00nul", "tab\tnl\ncr\r", `\x41`, `\u{41}`} {
		checkQuote(t, v)
	}
}

func checkQuote(t *testing.T, v string) {
	t.Helper()
	lit := Quote(v)
	if !utf8.ValidString(lit) {
		t.Errorf("Quote(%q) = %q is not UTF-8", v, lit)
	}
	for _, r := range lit {
		if model.UnsafeRune(r) || r < 0x20 {
			t.Errorf("Quote(%q) = %q holds %U", v, lit, r)
		}
	}
	got, err := stringLit(t, lit)
	if err != nil || got != v {
		t.Errorf("Quote(%q) = %s reads back as %q, %v", v, lit, got, err)
	}
}

func FuzzQuote(f *testing.F) {
	for _, s := range []string{"eni-1", "a\x00\xff\"\\", "\u202e\u200b", `\x41\u{42}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { checkQuote(t, s) })
}

// The escapes select the records whose values they spell: a literal with
// a control character or an invalid byte finds that interface and no
// other, counted from the names the records were written with.
func TestEscapedLiteralsSelectTheirValue(t *testing.T) {
	names := []string{"eni-plain", "eni-esc\x1b[2J", "eni-bad\xff", "eni-bad\xfe", "eni-zw\u200bx", "eni-zwx"}
	st := model.NewStore(100)
	var batch model.Batch
	for i, n := range names {
		batch.Events = append(batch.Events, model.Event{Origin: "a.log",
			Line: []byte("2 123456789012 " + n + " 10.0.0." + string(rune('1'+i)) + " 10.0.1.1 1234 22 6 1 40 1700000000 1700000060 REJECT OK")})
	}
	model.NewIngester(st, nil).Ingest(batch)
	for q, want := range map[string]int{
		`interfaceId = "eni-esc\x1b[2J"`:   1,
		`interfaceId = "eni-esc\u001b[2J"`: 1,
		`interfaceId = "eni-bad\xff"`:      1,
		`interfaceId in ["eni-bad\xfe"]`:   1,
		`interfaceId = "eni-zw\u{200b}x"`:  1,
		`interfaceId like "bad\xf"`:        -1,
		`interfaceId like "-bad\xff"`:      1,
		`interfaceId = "eni-zwx"`:          1,
	} {
		n, err := countWith(t, st, q, Options{})
		var qe *Error
		switch {
		case want < 0 && !errors.As(err, &qe):
			t.Errorf("%s: %v, want an error", q, err)
		case want >= 0 && (err != nil || n != want):
			t.Errorf("%s: %d records, %v; want %d", q, n, err, want)
		}
	}
}

// A field name QuoteName writes reads back as that name in a filter, a
// stats key and ispresent(), for names a format may define that are not
// plain words of the query language; plain names stay bare.
func TestQuoteNameReadsBack(t *testing.T) {
	custom := map[string]string{
		"my-custom": "my-custom", "zone_2": "zone_2", "stats": "stats", "filter": "filter",
		"x-1": "`x-1`", "a--b": "`a--b`", "c-": "`c-`", "in": "`in`", "and": "`and`", "Like": "`Like`",
	}
	header := "${version}"
	for n := range custom {
		header += " ${" + n + "}"
	}
	st := model.NewStore(10)
	model.NewIngester(st, nil).Ingest(model.Batch{Events: []model.Event{{Line: []byte(header), Origin: "q"}}})
	known := map[string]string{"interface-id": "interface-id", "@timestamp": "@timestamp", "dstPort": "dstPort"}
	for _, names := range []map[string]string{custom, known} {
		for n, want := range names {
			quoted := QuoteName(n)
			if quoted != want {
				t.Errorf("QuoteName(%q) = %s, want %s", n, quoted, want)
			}
			for _, text := range []string{
				"filter " + quoted + ` = "v"`,
				"filter not ispresent(" + quoted + ")",
				"stats count(*) by " + quoted,
			} {
				q, err := Parse(text)
				if err != nil {
					t.Errorf("%s: %v", text, err)
					continue
				}
				var got Name
				switch c := q.Commands[0].(type) {
				case *FilterCmd:
					switch e := c.Expr.(type) {
					case *Compare:
						got = *e.L.Field
					case *Not:
						got = e.X.(*Call).Field
					}
				case *StatsCmd:
					got = c.By[0].Field
				}
				ref, isKnown := LookupRef(n)
				switch {
				case isKnown && got.Ref != ref:
					t.Errorf("%s: reads %+v, not %s", text, got, n)
				case !isKnown && (got.Ref < RefUnknown0 || q.Unknown[got.Ref-RefUnknown0] != n):
					t.Errorf("%s: reads %+v (unknown names %q), not %s", text, got, q.Unknown, n)
				}
			}
		}
	}
}

// GroupKeys names a key only a format defines as the query typed it, so a
// row can be turned back into a filter.
func TestGroupKeysNameCustomFields(t *testing.T) {
	st := model.NewStore(10)
	model.NewIngester(st, nil).Ingest(model.Batch{Events: []model.Event{{Line: []byte("${version} ${interface-id} ${grp-custom} ${x-9}"), Origin: "g"}}})
	q, err := Parse("stats count(*) by interfaceId, grp-custom, `x-9`, bin(5m)")
	if err != nil {
		t.Fatal(err)
	}
	p, err := Compile(q, model.NewInterner(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, k := range p.GroupKeys() {
		got = append(got, fmt.Sprintf("%s/%d", k.Field, k.BinSec))
	}
	if want := "interface-id/0 grp-custom/0 x-9/0 @timestamp/300"; strings.Join(got, " ") != want {
		t.Errorf("keys %q, want %s", got, want)
	}
}
