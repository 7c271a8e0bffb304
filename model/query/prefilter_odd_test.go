package query

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/flowtail/flowtail/model"
)

// oddCapture writes records in every spelling the parser accepts and
// normalises in @message: tabs and runs of blanks between any two fields,
// blanks at either end, lower-case enum words, leading zeros, times in
// milliseconds, IPv6 in upper case or written out, CRLF.
func oddCapture(n int) string {
	rng := rand.New(rand.NewPCG(11, 3))
	pick := func(s ...string) string { return s[rng.IntN(len(s))] }
	var b strings.Builder
	for range n {
		src := fmt.Sprintf("10.0.%d.%d", rng.IntN(4), rng.IntN(20))
		dst := fmt.Sprintf("10.1.%d.%d", rng.IntN(4), rng.IntN(20))
		if rng.IntN(4) == 0 {
			src = pick("2600:1f18::10", "2600:1F18::10", "2600:1f18:0000:0000:0000:0000:0000:0010", "2600:1f18:0:0:0:0:0:10")
			dst = pick("2600:1f18::1", "2600:1F18::AB:1", "2600:1f18:0000:0000:0000:0000:00ab:0001")
		}
		start := 1700000000 + rng.IntN(500)
		ts, te := fmt.Sprint(start), fmt.Sprint(start+rng.IntN(60))
		if rng.IntN(10) == 0 {
			ts, te = ts+"000", te+"250"
		}
		toks := []string{"2", "123456789012", fmt.Sprintf("eni-%02d", rng.IntN(8)), src, dst,
			pick("22", "443", "022", "40001"), pick("22", "443", "80", "0443"), pick("6", "17", "06"),
			fmt.Sprint(1 + rng.IntN(50)), fmt.Sprint(rng.IntN(9000)), ts, te,
			pick("ACCEPT", "REJECT", "accept", "reject"), pick("OK", "OK", "ok")}
		if rng.IntN(30) == 0 {
			toks = append(toks[:3], "-", "-", "-", "-", "-", "-", "-", ts, te, "-", pick("NODATA", "nodata", "SKIPDATA", "skipdata"))
		}
		line := toks[0]
		for _, t := range toks[1:] {
			line += pick(" ", " ", " ", " ", "\t", "  ", " \t", "\t ") + t
		}
		line = pick("", "", "", " ") + line + pick("", "", "", " ", "\t")
		b.WriteString(line + pick("\n", "\n", "\n", "\r\n"))
	}
	return b.String()
}

// However a record is spelt, a test on @message gives the same answer
// whether the line was parsed or passed over by its text.
func TestMessagePrefilterOddSpellings(t *testing.T) {
	text := oddCapture(4000)
	st := model.NewStore(5000)
	var batch model.Batch
	for _, l := range strings.SplitAfter(text, "\n") {
		if l != "" {
			batch.Events = append(batch.Events, model.Event{Line: []byte(strings.TrimRight(l, "\r\n")), Origin: "a.log"})
		}
	}
	model.NewIngester(st, nil).Ingest(batch)
	if c := st.Counters(); c.Malformed != 0 {
		t.Fatalf("%d malformed lines: %v", c.Malformed, st.MalformedLines()[0])
	}
	for _, m := range []string{
		`like "REJECT"`, `like "ACCEPT OK"`, `like "OK"`, `like "NODATA"`, `like "SKIPDATA"`, `like "reject"`,
		`like /REJECT OK$/`, `=~ /(ACCEPT|REJECT) OK$/`, `like /ACCEPT|SKIPDATA/`, `like /(?i)nodata/`,
		`like "2600:1f18::10 "`, `like "::ab:1"`, `like " 22 "`, `like " 443 6 "`, `like " 022 "`,
		`like /^2 123456789012 eni-0[0-3] /`, `like "000 "`, `like /\t/`, `like "  "`,
	} {
		q := `filter @message ` + m + ` | stats count(*) as n by interfaceId | sort interfaceId`
		prog := compileFor(t, q, st.Names())
		var want *Result
		st.Read(func(v model.View) { want = prog.Run(v) })
		p2 := compileFor(t, q, model.NewInterner())
		ch := make(chan *Chunk, 1000)
		seq := 0
		for _, c := range chunksOf("a.log", text, 4096, &seq) {
			ch <- c
		}
		close(ch)
		got, _ := p2.RunChunks(ch, 3, nil, nil)
		if g, w := resultText(got), resultText(want); g != w {
			t.Errorf("%s:\nprefiltered %s\n     parsed %s", q, g, w)
		}
	}
}
