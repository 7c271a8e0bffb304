package query

import (
	"regexp"
	"strconv"
	"testing"

	"github.com/flowtail/flowtail/model"
)

// FuzzMessagePrefilter: testing like and =~ on the raw line never drops a
// record whose @message matches (nor keeps one that does not): the
// pre-filtered chunked answer equals the answer over the parsed record.
func FuzzMessagePrefilter(f *testing.F) {
	for _, s := range [][2]string{
		{"2 123456789012 eni-0a 10.0.1.50 10.0.2.100 40001 22 6 10 840 1700000000 1700000060 REJECT OK", "REJECT OK$"},
		{"2 123456789012 eni-0a\t10.0.1.50 10.0.2.100 40001 22 6 10 840 1700000000 1700000060 REJECT OK", "eni-0a 10"},
		{"2 123456789012 eni-0a 10.0.1.50  10.0.2.100 40001 022 6 10 840 1700000000 1700000060 reject ok", " 22 6 "},
		{"02 123456789012 eni-0a 2001:DB8::1 10.0.2.100 40001 22 6 10 840 1700000000 1700000060 ACCEPT OK \r", "^2 .*db8::1 "},
		{"2 123456789012 eni-0a 10.0.1.50 10.0.2.100 40001 22 6 10 840 1700000000 1700000060 ACCEPT nodata", "(?i)accept NODATA"},
		{"2 123456789012 eni-0a 10.0.1.50 10.0.2.100 40001 22 6 10 840 1700000000 1700000060\treject\tok", "REJECT OK"},
	} {
		f.Add(s[0], s[1], true)
		f.Add(s[0], s[1], false)
	}
	f.Fuzz(func(t *testing.T, line, pattern string, regex bool) {
		if regex {
			if _, err := regexp.Compile(pattern); err != nil {
				return
			}
		}
		lit := "/" + pattern + "/"
		if !regex {
			lit = strconv.Quote(pattern)
		}
		for _, c := range pattern {
			if regex && (c == '/' || c == '\\') || c == '\n' {
				return // the query lexer's own escaping is not what is tested here
			}
		}
		text := `filter @message like ` + lit + ` | stats count(*) as n`
		q, err := Parse(text)
		if err != nil {
			return
		}
		st := model.NewStore(4)
		model.NewIngester(st, nil).Ingest(model.Batch{Events: []model.Event{{Line: []byte(line), Origin: "f"}}})
		p, err := Compile(q, st.Names(), Options{Intern: true})
		if err != nil {
			return
		}
		var want *Result
		st.Read(func(v model.View) { want = p.Run(v) })
		p2, err := Compile(q, model.NewInterner(), Options{Intern: true})
		if err != nil {
			t.Fatal(err)
		}
		ch := make(chan *Chunk, 1)
		ch <- &Chunk{Data: []byte(line + "\n"), Origin: "f", FirstLine: 1}
		close(ch)
		got, _ := p2.RunChunks(ch, 1, nil, nil)
		if g, w := resultText(got), resultText(want); g != w {
			t.Fatalf("%s over %q: pre-filtered %s, parsed %s", text, line, g, w)
		}
	})
}
