package chunk

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/flowtail/flowtail/model/query"
)

// spelled is a record as a file may write it (raw) and the @message the
// engine shows for it (canonical: single spaces, upper-case words, no
// leading zeros, IPv6 in its short lower-case form).
type spelled struct{ raw, canonical string }

// prefilterLines writes records in every spelling the parser accepts,
// with a header, blank lines and malformed lines among them.
func prefilterLines(rng *rand.Rand, n int) []spelled {
	out := []spelled{{raw: "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status"}}
	for i := range n {
		switch rng.IntN(200) {
		case 0:
			out = append(out, spelled{raw: ""})
			continue
		case 1:
			out = append(out, spelled{raw: "2 stray REJECT eni-00000000000000011 words"})
			continue
		case 2:
			out = append(out, spelled{raw: "# REJECT eni-00000000000000011 note"})
			continue
		case 3:
			out = append(out, spelled{raw: "#note"})
			continue
		}
		eni := fmt.Sprintf("eni-%017x", rng.IntN(64))
		src, srcRaw := fmt.Sprintf("10.0.%d.%d", rng.IntN(16), 1+rng.IntN(254)), ""
		srcRaw = src
		port := []int{443, 80, 22, 53, 6379}[rng.IntN(5)]
		portRaw := fmt.Sprint(port)
		action := []string{"ACCEPT", "ACCEPT", "ACCEPT", "REJECT"}[rng.IntN(4)]
		status := "OK"
		actionRaw, statusRaw := action, status
		sep := " "
		tail := ""
		switch rng.IntN(12) {
		case 0:
			tail = "\r"
		case 1:
			sep = "\t"
		case 2:
			actionRaw, statusRaw = strings.ToLower(action), strings.ToLower(status)
		case 3:
			sep = "  "
		case 4:
			src, srcRaw = fmt.Sprintf("2001:db8::%x", 1+rng.IntN(255)), ""
			srcRaw = strings.ToUpper(src)
		case 5:
			portRaw = "0" + portRaw
		case 6:
			tail = "  "
		}
		fields := func(s, act, st, sp string, j string) string {
			return strings.Join([]string{"2", "123456789012", eni, s, "172.16.0.9", fmt.Sprint(1024 + i%60000), sp, "6", "3", "180", "1700000000", "1700000060", act, st}, j)
		}
		out = append(out, spelled{
			raw:       fields(srcRaw, actionRaw, statusRaw, portRaw, sep) + tail,
			canonical: fields(src, action, status, fmt.Sprint(port), " "),
		})
	}
	return out
}

// TestPrefilterAnswersAsEveryLineMatched: like and =~ on @message, and
// equality on action, answered through the raw-text search, count what a
// plain match over every record's @message counts, whatever the chunk
// size, on plain files whose last line has no newline and on gzip files
// of several members cut mid-line.
func TestPrefilterAnswersAsEveryLineMatched(t *testing.T) {
	rng := rand.New(rand.NewPCG(14, 1))
	lines := prefilterLines(rng, 6000)
	var text bytes.Buffer
	for i, l := range lines {
		text.WriteString(l.raw)
		if i < len(lines)-1 {
			text.WriteByte('\n')
		}
	}
	dir := t.TempDir()
	plain := filepath.Join(dir, "plain.log")
	if err := os.WriteFile(plain, text.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	var z bytes.Buffer
	for rest := text.Bytes(); len(rest) > 0; {
		n := min(len(rest), 1+rng.IntN(50000)) // members end anywhere, mid-line too
		zw := gzip.NewWriter(&z)
		zw.Write(rest[:n])
		zw.Close()
		rest = rest[n:]
	}
	gz := filepath.Join(dir, "members.log.gz")
	if err := os.WriteFile(gz, z.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}

	blanks, notes := 0, 0
	for _, l := range lines {
		switch {
		case l.raw == "":
			blanks++
		case l.raw[0] == '#':
			notes++
		}
	}
	count := func(match func(message string) bool) int {
		n := 0
		for _, l := range lines {
			if l.canonical != "" && match(l.canonical) {
				n++
			}
		}
		return n
	}
	regexCount := func(pattern string) int { return count(regexp.MustCompile(pattern).MatchString) }
	rejected := func(message string) bool { return strings.HasSuffix(message, " REJECT OK") }
	for _, tc := range []struct {
		filter string
		want   int
	}{
		{`@message like /eni-0000000000000001[0-3].*REJECT/`, regexCount(`eni-0000000000000001[0-3].*REJECT`)},
		{`@message =~ /eni-0000000000000001[0-3].*REJECT/`, regexCount(`eni-0000000000000001[0-3].*REJECT`)},
		{`@message like "REJECT OK"`, regexCount(`REJECT OK`)},
		{`@message like "eni-00000000000000031 10.0.3"`, regexCount(`eni-00000000000000031 10\.0\.3`)},
		{`@message like /(?i)reject ok/`, regexCount(`(?i)reject ok`)},
		{`@message like /(?i)ENI-0000000000000003[a-f] .* accept/`, regexCount(`(?i)ENI-0000000000000003[a-f] .* accept`)},
		{`@message like /^2 123456789012 eni-0{15}3/`, regexCount(`^2 123456789012 eni-0{15}3`)},
		{`@message like /60 REJECT OK$/`, regexCount(`60 REJECT OK$`)},
		{`@message like / 22 6 | 6379 6 /`, regexCount(` 22 6 | 6379 6 `)},
		{`@message like /db8::1[0-9a-f] |eni-000000000000000[12]f/`, regexCount(`db8::1[0-9a-f] |eni-000000000000000[12]f`)},
		{`@message like /REJECT|NODATA/`, regexCount(`REJECT|NODATA`)},
		{`action = "REJECT"`, count(rejected)},
		{`action = "REJECT" and @message like /ACCEPT|eni-0000000000000000[1-3]/`, count(func(m string) bool {
			return rejected(m) && regexp.MustCompile(`ACCEPT|eni-0000000000000000[1-3]`).MatchString(m)
		})},
	} {
		if tc.want == 0 {
			t.Fatalf("%s: no line matches; the test data should hold some", tc.filter)
		}
		for _, path := range []string{plain, gz} {
			for _, size := range []int{700, 4096, DefaultBytes} {
				p := compile(t, `filter `+tc.filter+` | stats count(*) as n`)
				rd := New([]string{path}, Options{Bytes: size})
				ch := make(chan *query.Chunk, 4)
				go rd.Run(context.Background(), ch)
				res, info := p.RunChunks(ch, 3, nil, rd.Release)
				if got := res.Rows[0][0].String(); got != fmt.Sprint(tc.want) {
					t.Errorf("%s over %s in chunks of %d: %s records, every line matched gives %d", tc.filter, filepath.Base(path), size, got, tc.want)
				}
				// Lines that do not start with a digit always reach the
				// decoder, and every line is accounted for.
				if info.Headers != 1 || info.Malformed < uint64(notes) ||
					info.Records+info.Skipped+info.Malformed+info.Headers+uint64(blanks) != uint64(len(lines)) {
					t.Errorf("%s over %s in chunks of %d: %d records, %d skipped, %d malformed, %d headers, of %d lines (%d blank, %d notes)",
						tc.filter, filepath.Base(path), size, info.Records, info.Skipped, info.Malformed, info.Headers, len(lines), blanks, notes)
				}
			}
		}
	}
}
